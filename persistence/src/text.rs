//! One conversion for everything jalin stores as TEXT on both backends: domain enums and codes
//! by their stable code ([`Stored`]), JSON documents ([`Json`]/[`JsonText`], nullable:
//! [`JsonOpt`]/[`JsonTextOpt`]) and short lists ([`Joined`]). Row structs derive `Queryable`/`Selectable`/`Insertable`/`AsChangeset` and name
//! these types in `deserialize_as`/`serialize_as`, so a column is read and written by its name
//! and type, never by its position.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{Nullable, Text};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A value stored by its stable text code.
pub trait Code: Sized {
    /// What the stored value is, for the error when it cannot be read back.
    const WHAT: &'static str;
    fn code(&self) -> &str;
    fn from_code(code: &str) -> Option<Self>;
}

/// Declares domain types with `as_str`/`parse` as stored by their code. Each persistence module
/// declares the types of its own tables: `crate::text::stored_by_code! { TravelStage => "travel stage" }`.
macro_rules! stored_by_code {
    ($($ty:ty => $what:literal),+ $(,)?) => {
        $(impl $crate::text::Code for $ty {
            const WHAT: &'static str = $what;
            fn code(&self) -> &str {
                self.as_str()
            }
            fn from_code(code: &str) -> Option<Self> {
                <$ty>::parse(code).ok_or(()).ok()
            }
        })+
    };
}
pub(crate) use stored_by_code;

mod codes {
    use super::Code;
    use jalin_domain::agreement::{
        AgreementKind, AgreementStatus, CooperationObject, Instrument, PartnerKind, PartnerLevel,
        Subtype,
    };
    use jalin_domain::{AuditAction, RecordKind};

    super::stored_by_code! {
        AgreementKind => "agreement kind",
        AgreementStatus => "agreement status",
        CooperationObject => "cooperation object",
        Instrument => "instrument",
        PartnerKind => "partner kind",
        PartnerLevel => "partner level",
        Subtype => "subtype",
        AuditAction => "audit action",
        RecordKind => "record kind",
    }

    impl Code for jalin_domain::RegionCode {
        const WHAT: &'static str = "region code";
        fn code(&self) -> &str {
            self.as_str()
        }
        fn from_code(code: &str) -> Option<Self> {
            jalin_domain::RegionCode::parse(code).ok()
        }
    }
}

/// `T` stored as its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub struct Stored<T>(pub T);

impl<T: Code + std::fmt::Debug, DB: Backend> FromSql<Text, DB> for Stored<T>
where
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let s = String::from_sql(bytes)?;
        T::from_code(&s)
            .map(Stored)
            .ok_or_else(|| format!("stored {} `{s}` is not valid", T::WHAT).into())
    }
}

impl<T: Code + std::fmt::Debug, DB: Backend> ToSql<Text, DB> for Stored<T>
where
    str: ToSql<Text, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        <str as ToSql<Text, DB>>::to_sql(self.0.code(), out)
    }
}

impl<T> From<T> for Stored<T> {
    fn from(v: T) -> Self {
        Stored(v)
    }
}

impl<T> Stored<T> {
    /// Unwraps a value read with `deserialize_as` (diesel calls `.try_into()` on it).
    #[allow(clippy::should_implement_trait)]
    pub fn try_into(self) -> Result<T, std::convert::Infallible> {
        Ok(self.0)
    }
}

/// An optional `T` stored as its code or NULL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, AsExpression, FromSqlRow)]
#[diesel(sql_type = Nullable<Text>)]
pub struct StoredOpt<T>(pub Option<T>);

impl<T: Code + std::fmt::Debug, DB: Backend> FromSql<Nullable<Text>, DB> for StoredOpt<T>
where
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        <Stored<T> as FromSql<Text, DB>>::from_sql(bytes).map(|s| StoredOpt(Some(s.0)))
    }

    fn from_nullable_sql(bytes: Option<DB::RawValue<'_>>) -> deserialize::Result<Self> {
        match bytes {
            Some(b) => Self::from_sql(b),
            None => Ok(StoredOpt(None)),
        }
    }
}

impl<T: Code + std::fmt::Debug, DB: Backend> ToSql<Nullable<Text>, DB> for StoredOpt<T>
where
    str: ToSql<Text, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        match &self.0 {
            Some(v) => <str as ToSql<Text, DB>>::to_sql(v.code(), out),
            None => Ok(serialize::IsNull::Yes),
        }
    }
}

impl<T> From<Option<T>> for StoredOpt<T> {
    fn from(v: Option<T>) -> Self {
        StoredOpt(v)
    }
}

impl<T> StoredOpt<T> {
    /// Unwraps a value read with `deserialize_as` (diesel calls `.try_into()` on it).
    #[allow(clippy::should_implement_trait)]
    pub fn try_into(self) -> Result<Option<T>, std::convert::Infallible> {
        Ok(self.0)
    }
}

/// A JSON document read from TEXT.
#[derive(Debug, Clone, PartialEq, FromSqlRow)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, DB: Backend> FromSql<Text, DB> for Json<T>
where
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let s = String::from_sql(bytes)?;
        Ok(Json(serde_json::from_str(&s)?))
    }
}

impl<T> Json<T> {
    /// Unwraps a value read with `deserialize_as` (diesel calls `.try_into()` on it).
    #[allow(clippy::should_implement_trait)]
    pub fn try_into(self) -> Result<T, std::convert::Infallible> {
        Ok(self.0)
    }
}

/// A JSON document written as TEXT: serialized when converted, so it is written borrowed.
#[derive(Debug, Clone, PartialEq, Eq, AsExpression)]
#[diesel(sql_type = Text)]
pub struct JsonText(pub String);

impl JsonText {
    pub fn of<T: Serialize + ?Sized>(v: &T) -> Self {
        // Serializing plain data (no maps with non-string keys) cannot fail.
        JsonText(serde_json::to_string(v).unwrap_or_else(|_| "null".into()))
    }
}

impl From<serde_json::Value> for JsonText {
    fn from(v: serde_json::Value) -> Self {
        JsonText(v.to_string())
    }
}

/// A typed list is written as a JSON array (read back with `Json<Vec<T>>`).
impl<T: Serialize> From<Vec<T>> for JsonText {
    fn from(items: Vec<T>) -> Self {
        JsonText::of(&items)
    }
}

impl<DB: Backend> ToSql<Text, DB> for JsonText
where
    str: ToSql<Text, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        <str as ToSql<Text, DB>>::to_sql(&self.0, out)
    }
}

/// An optional JSON document read from nullable TEXT: NULL is `None`; text that is not JSON is an
/// error, never silently nothing.
#[derive(Debug, Clone, PartialEq, FromSqlRow)]
pub struct JsonOpt<T>(pub Option<T>);

impl<T: DeserializeOwned, DB: Backend> FromSql<Nullable<Text>, DB> for JsonOpt<T>
where
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        <Json<T> as FromSql<Text, DB>>::from_sql(bytes).map(|j| JsonOpt(Some(j.0)))
    }

    fn from_nullable_sql(bytes: Option<DB::RawValue<'_>>) -> deserialize::Result<Self> {
        bytes.map_or(Ok(JsonOpt(None)), Self::from_sql)
    }
}

impl<T> JsonOpt<T> {
    /// Unwraps a value read with `deserialize_as` (diesel calls `.try_into()` on it).
    #[allow(clippy::should_implement_trait)]
    pub fn try_into(self) -> Result<Option<T>, std::convert::Infallible> {
        Ok(self.0)
    }
}

/// An optional JSON document written as nullable TEXT (`None`: NULL).
#[derive(Debug, Clone, PartialEq, Eq, AsExpression)]
#[diesel(sql_type = Nullable<Text>)]
pub struct JsonTextOpt(pub Option<String>);

impl<T: Serialize> From<Option<T>> for JsonTextOpt {
    fn from(v: Option<T>) -> Self {
        JsonTextOpt(v.map(|v| JsonText::of(&v).0))
    }
}

impl<DB: Backend> ToSql<Nullable<Text>, DB> for JsonTextOpt
where
    str: ToSql<Text, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        match &self.0 {
            Some(text) => <str as ToSql<Text, DB>>::to_sql(text, out),
            None => Ok(serialize::IsNull::Yes),
        }
    }
}

/// A short list read from `,a,b,` (so one value matches `LIKE '%,a,%'` on both backends).
#[derive(Debug, Clone, PartialEq, Eq, FromSqlRow)]
pub struct Joined<T>(pub Vec<T>);

impl<T: Code, DB: Backend> FromSql<Text, DB> for Joined<T>
where
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let s = String::from_sql(bytes)?;
        s.split(',')
            .filter(|x| !x.is_empty())
            .map(|x| {
                T::from_code(x).ok_or_else(|| format!("stored {} `{x}` is not valid", T::WHAT))
            })
            .collect::<Result<Vec<T>, String>>()
            .map(Joined)
            .map_err(Into::into)
    }
}

impl<T> Joined<T> {
    /// Unwraps a value read with `deserialize_as` (diesel calls `.try_into()` on it).
    #[allow(clippy::should_implement_trait)]
    pub fn try_into(self) -> Result<Vec<T>, std::convert::Infallible> {
        Ok(self.0)
    }
}

/// A short list written as `,a,b,` (empty: ``).
#[derive(Debug, Clone, PartialEq, Eq, AsExpression)]
#[diesel(sql_type = Text)]
pub struct JoinedText(pub String);

impl<T: Code> From<Vec<T>> for JoinedText {
    fn from(v: Vec<T>) -> Self {
        JoinedText(joined(v.iter().map(Code::code)))
    }
}

impl<DB: Backend> ToSql<Text, DB> for JoinedText
where
    str: ToSql<Text, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        <str as ToSql<Text, DB>>::to_sql(&self.0, out)
    }
}

/// Free text items (sectors, languages) are stored joined like codes.
impl Code for String {
    const WHAT: &'static str = "text";
    fn code(&self) -> &str {
        self
    }
    fn from_code(code: &str) -> Option<Self> {
        Some(code.to_owned())
    }
}

/// `,a,b,` for a non-empty list, `` for an empty one.
pub fn joined<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let items: Vec<&str> = items.into_iter().collect();
    if items.is_empty() {
        String::new()
    } else {
        format!(",{},", items.join(","))
    }
}
