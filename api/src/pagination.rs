//! Cursor pagination: `?limit=` (default 20, max 100) and an opaque `?cursor=`; responses are
//! `{ "items": [...], "next_cursor": "…" | null }` in a stable order.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jalin_persistence::DbConnection;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use validator::Validate;

use crate::error::ApiError;
use crate::state::AppState;

pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;

/// What the cursor encodes: the list it belongs to and the sort key of the last item served.
#[derive(Serialize, Deserialize)]
struct CursorData {
    l: String,
    k: String,
}

/// `limit` and `cursor`, the query parameters every list shares (after its own filters).
#[derive(Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// Page size, 1–100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl Paging {
    /// The page asked of the list named `list` (a cursor from another list is refused).
    pub fn of(&self, list: &'static str) -> Result<PageRequest, ApiError> {
        PageRequest::new(list, self.limit, self.cursor.as_deref())
    }
}

/// `limit` and `cursor` of the lists under one record (activities, documents, evaluations,
/// history) and of tasks and matches: paginated like every list, but 100 items a page unless
/// asked otherwise, so a client that does not page yet still sees what it saw before.
#[derive(Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct WholePaging {
    /// Page size, 1–100.
    #[param(minimum = 1, maximum = 100, default = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl WholePaging {
    /// The page of `items` (the whole list, in its stable order) asked for the list named
    /// `list`: the cursor carries the position after the last item served.
    pub fn slice<T>(
        &self,
        list: &'static str,
        items: Vec<T>,
    ) -> Result<(Vec<T>, Option<String>), ApiError> {
        let req = PageRequest::new(
            list,
            Some(self.limit.unwrap_or(MAX_LIMIT)),
            self.cursor.as_deref(),
        )?;
        let start = match &req.after {
            None => 0,
            Some(k) => k.parse::<usize>().map_err(|_| ApiError::InvalidCursor)?,
        };
        let rows: Vec<(usize, T)> = items
            .into_iter()
            .enumerate()
            .skip(start)
            .take(req.fetch() as usize)
            .collect();
        let (rows, next) = req.page(rows, |(i, _)| (i + 1).to_string());
        Ok((rows.into_iter().map(|(_, t)| t).collect(), next))
    }
}

crate::query_params!(Paging, WholePaging);

/// A decoded page request for one list.
#[derive(Debug, Clone)]
pub struct PageRequest {
    list: &'static str,
    pub limit: u32,
    pub after: Option<String>,
}

impl PageRequest {
    /// `list` names the list so a cursor from another list is refused.
    pub fn new(
        list: &'static str,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<Self, ApiError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::invalid_parameter(
                "limit",
                "range",
                format!("must be between 1 and {MAX_LIMIT}"),
                format!("harus di antara 1 dan {MAX_LIMIT}"),
            ));
        }
        // An empty `cursor=` is the first page, as if absent.
        let after = match cursor.filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => {
                let data: CursorData = URL_SAFE_NO_PAD
                    .decode(c)
                    .ok()
                    .and_then(|b| serde_json::from_slice(&b).ok())
                    .ok_or(ApiError::InvalidCursor)?;
                if data.l != list {
                    return Err(ApiError::InvalidCursor);
                }
                Some(data.k)
            }
        };
        Ok(Self { list, limit, after })
    }

    /// A cursor for `list` carrying `key`.
    pub fn cursor_for(list: &str, key: &str) -> String {
        let data = CursorData {
            l: list.to_owned(),
            k: key.to_owned(),
        };
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&data).unwrap_or_default())
    }

    /// How many rows to fetch: one more than the page, to know whether another page follows.
    pub fn fetch(&self) -> i64 {
        i64::from(self.limit) + 1
    }

    /// Reads this page: `list(c, after, fetch)` gives the rows after the cursor's key, `fetch`
    /// of them (one more than the page, to know whether another follows); `key` is an item's
    /// key for the next cursor.
    pub async fn read<T, L>(
        self,
        state: &AppState,
        list: L,
        key: impl Fn(&T) -> String,
    ) -> Result<(Vec<T>, Option<String>), ApiError>
    where
        T: Send + 'static,
        L: FnOnce(&mut DbConnection, Option<&str>, i64) -> Result<Vec<T>, ApiError>
            + Send
            + 'static,
    {
        let (after, fetch) = (self.after.clone(), self.fetch());
        let rows = state.db(move |c| list(c, after.as_deref(), fetch)).await?;
        Ok(self.page(rows, key))
    }

    /// Cuts the fetched rows to a page and makes the next cursor from the last item's key.
    pub fn page<T>(
        &self,
        mut rows: Vec<T>,
        key: impl Fn(&T) -> String,
    ) -> (Vec<T>, Option<String>) {
        let more = rows.len() > self.limit as usize;
        rows.truncate(self.limit as usize);
        let next = if more {
            rows.last().map(|last| {
                let data = CursorData {
                    l: self.list.to_owned(),
                    k: key(last),
                };
                URL_SAFE_NO_PAD.encode(serde_json::to_vec(&data).unwrap_or_default())
            })
        } else {
            None
        };
        (rows, next)
    }
}

/// Declares a typed page: `{ items: [T], next_cursor }`, documented flat (an object with typed
/// `items` and a required, nullable `next_cursor`) so every client generator types the items.
#[macro_export]
macro_rules! page_of {
    ($name:ident, $item:ty) => {
        #[derive(serde::Serialize)]
        pub struct $name {
            pub items: Vec<$item>,
            pub next_cursor: Option<String>,
        }

        impl $name {
            /// The page of `items` (each shown as the list's item) with the cursor of the next.
            pub fn of<I: Into<$item>>(
                items: impl IntoIterator<Item = I>,
                next_cursor: Option<String>,
            ) -> Self {
                let items = items.into_iter().map(Into::into).collect();
                Self { items, next_cursor }
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
                use utoipa::openapi::Ref;
                ObjectBuilder::new()
                    .description(Some(concat!(
                        "A page of the list, in its stable order; ",
                        "pass `next_cursor` as `cursor` for the next page."
                    )))
                    .property(
                        "items",
                        ArrayBuilder::new()
                            .items(Ref::from_schema_name(<$item as utoipa::ToSchema>::name()))
                            .description(Some("The items of this page.")),
                    )
                    .required("items")
                    .property(
                        "next_cursor",
                        ObjectBuilder::new()
                            .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
                                Type::String,
                                Type::Null,
                            ]))
                            .description(Some(
                                "Pass as `cursor` to get the next page; `null` on the last page.",
                            )),
                    )
                    .required("next_cursor")
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {
            fn schemas(
                schemas: &mut Vec<(
                    String,
                    utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
                )>,
            ) {
                schemas.push((
                    <$item as utoipa::ToSchema>::name().into_owned(),
                    <$item as utoipa::PartialSchema>::schema(),
                ));
                <$item as utoipa::ToSchema>::schemas(schemas);
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_chain_through_cursors() {
        let all: Vec<String> = (1..=45).map(|i| format!("{i:03}")).collect();
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let req = PageRequest::new("t", Some(20), cursor.as_deref()).unwrap();
            let rows: Vec<String> = all
                .iter()
                .filter(|k| req.after.as_ref().is_none_or(|a| *k > a))
                .take(req.fetch() as usize)
                .cloned()
                .collect();
            let (items, next) = req.page(rows, |k| k.clone());
            seen.extend(items);
            match next {
                Some(n) => cursor = Some(n),
                None => break,
            }
        }
        assert_eq!(seen, all);
    }

    #[test]
    fn limits_outside_1_to_100_and_foreign_cursors_are_refused() {
        assert!(PageRequest::new("t", Some(0), None).is_err());
        assert!(PageRequest::new("t", Some(101), None).is_err());
        assert_eq!(PageRequest::new("t", None, None).unwrap().limit, 20);
        let whole = WholePaging {
            limit: None,
            cursor: None,
        };
        let (items, next) = whole.slice("w", (0..150).collect()).unwrap();
        assert_eq!((items.len(), items[99]), (100, 99));
        let rest = WholePaging {
            limit: Some(40),
            cursor: next,
        };
        let (items, next) = rest.slice("w", (0..150).collect()).unwrap();
        assert_eq!((items[0], items.len()), (100, 40));
        let last = WholePaging {
            limit: Some(40),
            cursor: next,
        };
        let (items, next) = last.slice("w", (0..150).collect()).unwrap();
        assert_eq!((items, next), ((140..150).collect(), None));
        let req = PageRequest::new("a", Some(1), None).unwrap();
        let (_, next) = req.page(vec!["x".to_string(), "y".to_string()], |k| k.clone());
        let next = next.unwrap();
        assert!(PageRequest::new("a", None, Some(&next)).is_ok());
        assert!(matches!(
            PageRequest::new("b", None, Some(&next)),
            Err(ApiError::InvalidCursor)
        ));
        assert!(matches!(
            PageRequest::new("a", None, Some("not-a-cursor")),
            Err(ApiError::InvalidCursor)
        ));
    }
}
