//! Retiring an operation (issue #19 item 3): an operation listed in [`DEPRECATED`] is marked
//! `deprecated: true` in the contract, and every answer to it carries `Deprecation` (RFC 9745,
//! `@<unix seconds>`), `Sunset` (RFC 8594, an HTTP-date) and `Link: <…>; rel="deprecation"`
//! naming where its replacement is described. The list is data: adding an entry (and its line
//! in `openapi/CHANGELOG.md`) is all a deprecation takes. None is deprecated today.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::web;
use chrono::{DateTime, Utc};

/// One deprecated operation.
#[derive(Debug, Clone, Copy)]
pub struct Deprecated {
    /// The operation's `operationId` in the contract.
    pub operation_id: &'static str,
    /// When it was deprecated (RFC 3339, e.g. `2027-01-01T00:00:00Z`).
    pub since: &'static str,
    /// When it stops being served (RFC 3339).
    pub sunset: &'static str,
    /// Where its replacement is described (absolute, or relative to the server).
    pub link: &'static str,
}

/// Every deprecated operation. None today.
pub const DEPRECATED: &[Deprecated] = &[];

/// The headers of a deprecated operation's answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub deprecation: String,
    pub sunset: String,
    pub link: String,
}

fn instant(what: &str, s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("{what} `{s}` is not an RFC 3339 time: {e}"))
}

impl Notice {
    pub fn of(d: &Deprecated) -> Result<Self, String> {
        let since = instant("deprecation", d.since)?;
        let sunset = instant("sunset", d.sunset)?;
        if sunset < since {
            return Err(format!(
                "{}: the sunset precedes the deprecation",
                d.operation_id
            ));
        }
        Ok(Self {
            deprecation: format!("@{}", since.timestamp()),
            sunset: sunset.format("%a, %d %b %Y %H:%M:%S GMT").to_string(),
            link: format!("<{}>; rel=\"deprecation\"; type=\"text/html\"", d.link),
        })
    }
}

/// Deprecated routes by method and path template.
#[derive(Debug, Clone, Default)]
pub struct Deprecations(Arc<HashMap<(Method, String), Notice>>);

impl Deprecations {
    /// The routes of `list`'s operations in `doc`; an operation id the document lacks is an
    /// error (a typo must not deprecate nothing in silence).
    pub fn resolve(list: &[Deprecated], doc: &utoipa::openapi::OpenApi) -> Result<Self, String> {
        let mut map = HashMap::new();
        for d in list {
            let notice = Notice::of(d)?;
            let mut found = false;
            for (path, item) in &doc.paths.paths {
                for (method, op) in operations(item) {
                    if op.operation_id.as_deref() == Some(d.operation_id) {
                        map.insert((method, path.clone()), notice.clone());
                        found = true;
                    }
                }
            }
            if !found {
                return Err(format!(
                    "deprecated operation `{}` is not in the contract",
                    d.operation_id
                ));
            }
        }
        Ok(Self(Arc::new(map)))
    }

    /// Adds a route by method and template (test routes have no operation id).
    pub fn with_route(
        mut self,
        method: Method,
        path: &str,
        d: &Deprecated,
    ) -> Result<Self, String> {
        Arc::make_mut(&mut self.0).insert((method, path.to_owned()), Notice::of(d)?);
        Ok(self)
    }

    /// The notice of a request's route (`HEAD` as its `GET`).
    pub fn get(&self, method: &Method, path: &str) -> Option<&Notice> {
        let method = if method == Method::HEAD {
            &Method::GET
        } else {
            method
        };
        self.0.get(&(method.clone(), path.to_owned()))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn operations(
    item: &utoipa::openapi::PathItem,
) -> impl Iterator<Item = (Method, &utoipa::openapi::path::Operation)> {
    [
        (Method::GET, &item.get),
        (Method::POST, &item.post),
        (Method::PUT, &item.put),
        (Method::PATCH, &item.patch),
        (Method::DELETE, &item.delete),
    ]
    .into_iter()
    .filter_map(|(m, op)| op.as_ref().map(|op| (m, op)))
}

/// [`DEPRECATED`] resolved against the API's operations (checked once, at the first request).
pub fn in_force() -> &'static Deprecations {
    static IN_FORCE: OnceLock<Deprecations> = OnceLock::new();
    IN_FORCE.get_or_init(|| {
        Deprecations::resolve(DEPRECATED, &crate::routes::paths())
            .unwrap_or_else(|e| panic!("DEPRECATED: {e}"))
    })
}

/// The middleware: adds the notice's headers to every answer of a deprecated route. The
/// registry is [`in_force`], or a `web::Data<Deprecations>` given to the app (tests).
pub async fn headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let registry = match req.app_data::<web::Data<Deprecations>>() {
        Some(d) => d.get_ref().clone(),
        None => in_force().clone(),
    };
    let notice = (!registry.is_empty())
        .then(|| req.request().match_pattern())
        .flatten()
        .and_then(|route| registry.get(req.method(), &route).cloned());
    let mut res = next.call(req).await?.map_into_boxed_body();
    if let Some(n) = notice {
        let headers = res.headers_mut();
        for (name, value) in [
            (HeaderName::from_static("deprecation"), &n.deprecation),
            (HeaderName::from_static("sunset"), &n.sunset),
        ] {
            if let Ok(v) = HeaderValue::from_str(value) {
                headers.insert(name, v);
            }
        }
        if let Ok(v) = HeaderValue::from_str(&n.link) {
            headers.append(header::LINK, v);
        }
    }
    Ok(res)
}

/// Marks `list`'s operations `deprecated: true` in `doc`, and declares the headers on each of
/// their own responses.
pub fn mark(doc: &mut utoipa::openapi::OpenApi, list: &[Deprecated]) {
    use utoipa::openapi::header::HeaderBuilder;
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    use utoipa::openapi::RefOr;
    let header = |description: &str| {
        HeaderBuilder::new()
            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
            .description(Some(description))
            .build()
    };
    for item in doc.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            let Some(d) = list
                .iter()
                .find(|d| op.operation_id.as_deref() == Some(d.operation_id))
            else {
                continue;
            };
            op.deprecated = Some(utoipa::openapi::Deprecated::True);
            for response in op.responses.responses.values_mut() {
                if let RefOr::T(r) = response {
                    r.headers
                        .insert("Deprecation".into(), header(d.since).into());
                    r.headers.insert("Sunset".into(), header(d.sunset).into());
                    r.headers.insert("Link".into(), header(d.link).into());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RETIRED: Deprecated = Deprecated {
        operation_id: "getRegion",
        since: "2027-01-01T00:00:00Z",
        sunset: "2027-07-01T00:00:00+07:00",
        link: "https://jalin.example/changes#regions",
    };

    #[test]
    fn a_notice_speaks_rfc_9745_and_rfc_8594() {
        let n = Notice::of(&RETIRED).unwrap();
        assert_eq!(n.deprecation, "@1798761600");
        assert_eq!(n.sunset, "Wed, 30 Jun 2027 17:00:00 GMT");
        assert_eq!(
            n.link,
            "<https://jalin.example/changes#regions>; rel=\"deprecation\"; type=\"text/html\""
        );
        let backwards = Deprecated {
            sunset: "2026-01-01T00:00:00Z",
            ..RETIRED
        };
        assert!(Notice::of(&backwards).is_err());
        let undated = Deprecated {
            since: "soon",
            ..RETIRED
        };
        assert!(Notice::of(&undated).is_err());
    }

    #[test]
    fn an_operation_id_resolves_to_its_route_and_marks_the_contract() {
        let mut doc = crate::routes::paths();
        let found = Deprecations::resolve(&[RETIRED], &doc).unwrap();
        let n = found
            .get(&Method::GET, "/v1/regions/{code}")
            .expect("the route");
        assert_eq!(n.deprecation, "@1798761600");
        assert!(
            found.get(&Method::HEAD, "/v1/regions/{code}").is_some(),
            "HEAD as GET"
        );
        assert!(found.get(&Method::GET, "/v1/regions").is_none());
        let typo = Deprecated {
            operation_id: "getRegionn",
            ..RETIRED
        };
        assert!(Deprecations::resolve(&[typo], &doc).is_err());

        mark(&mut doc, &[RETIRED]);
        let op = doc.paths.paths["/v1/regions/{code}"].get.as_ref().unwrap();
        assert!(matches!(
            op.deprecated,
            Some(utoipa::openapi::Deprecated::True)
        ));
        let json = serde_json::to_value(op).unwrap();
        assert_eq!(json["deprecated"], true);
        assert!(
            json["responses"]["200"]["headers"]["Sunset"].is_object(),
            "{json}"
        );
        let other = doc.paths.paths["/v1/regions"].get.as_ref().unwrap();
        assert!(!matches!(
            other.deprecated,
            Some(utoipa::openapi::Deprecated::True)
        ));
    }

    #[test]
    fn nothing_is_deprecated_today() {
        assert!(in_force().is_empty());
    }
}
