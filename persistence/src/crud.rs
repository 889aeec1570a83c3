//! The queries every stored record shares, written once: find by key (within the caller's
//! visibility where the table has region columns), insert, save or delete while the stored
//! version still holds (optimistic locking: `update … where id = ? and version = ?`), and the
//! narrowing of a list query to a caller's visibility, to one region, or to one keyset page.
//!
//! A module declares the functions it offers for one of its derived row structs with [`crud!`];
//! anything a table does differently (a visibility of its own, a check before an insert, a
//! backend-specific claim) stays written out in the module.

use diesel::dsl;
use diesel::expression::AsExpression;
use diesel::prelude::*;
use diesel::query_dsl::methods::{FilterDsl, LimitDsl, OrderDsl};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::SqlType;
use jalin_domain::access::Visibility;
use jalin_domain::RegionCode;

use crate::db::DbError;

/// Declares a module's standard functions for the row struct `$row` of table `$t` (a
/// `crate::schema` alias) keyed by its column `$key`:
///
/// ```text
/// crud! { Activity in ac by id; insert, save, delete, find }
/// crud! { User in users by id, also |u: &User| users::province_code.eq(province(&u.region));
///         insert_new as insert_user, save as save_user, find_visible as find_user,
///         find_by(username) as find_user_by_username }
/// ```
///
/// Each operation defines a `pub fn` named after it, or as given after `as`:
///
/// | operation | signature |
/// | --- | --- |
/// | `find` | `(conn, key: &str) -> Option<$row>` |
/// | `find_by(col)` | `(conn, value: &str) -> Option<$row>` (a unique column) |
/// | `find_visible` | `(conn, key: &str, vis: &Visibility) -> Option<$row>` (by the table's `province_code`/`region_code`) |
/// | `insert` | `(conn, row: &$row) -> ()` |
/// | `insert_new` | `(conn, row: &$row) -> bool` (`false`: a unique key is taken) |
/// | `save` | `(conn, row: &$row, expected: i64) -> bool` (`false`: the version moved on) |
/// | `delete` | `(conn, key: &str, expected: i64) -> bool` (`false`: the version moved on) |
///
/// `also` names columns derived from the row on every write, as a closure from the row to
/// diesel assignments (`col.eq(…)`, or a tuple of them).
macro_rules! crud {
    ($row:ident in $t:ident by $key:ident $(, also $also:expr)?; $($ops:tt)+) => {
        $crate::crud::crud!(@ops $row, $t, $key, [$($also)?]; $($ops)+);
    };
    (@ops $row:ident, $t:ident, $key:ident, $also:tt;
     $($op:ident $(($col:ident))? $(as $name:ident)?),+ $(,)?) => {
        $($crate::crud::crud!(@fn $op [$($name)? $op] ($($col)?) $row, $t, $key, $also);)+
    };

    (@fn find [$name:ident $($rest:ident)*] () $row:ident, $t:ident, $key:ident, $also:tt) => {
        #[doc = concat!("The ", stringify!($row), " with this `", stringify!($key), "`.")]
        pub fn $name(
            conn: &mut $crate::DbConnection,
            key: &str,
        ) -> Result<Option<$row>, $crate::DbError> {
            $crate::crud::crud!(@find conn, $row, $t, $t::$key.eq(key))
        }
    };
    (@fn find_by [$name:ident $($rest:ident)*] ($col:ident) $row:ident, $t:ident, $key:ident, $also:tt) => {
        #[doc = concat!("The ", stringify!($row), " whose `", stringify!($col), "` is `value`.")]
        pub fn $name(
            conn: &mut $crate::DbConnection,
            value: &str,
        ) -> Result<Option<$row>, $crate::DbError> {
            $crate::crud::crud!(@find conn, $row, $t, $t::$col.eq(value))
        }
    };
    (@find $conn:ident, $row:ident, $t:ident, $filter:expr) => {{
        use diesel::prelude::*;
        Ok($t::table
            .select($row::as_select())
            .filter($filter)
            .first($conn)
            .optional()?)
    }};
    (@fn find_visible [$name:ident $($rest:ident)*] () $row:ident, $t:ident, $key:ident, $also:tt) => {
        #[doc = concat!("The ", stringify!($row), " with this `", stringify!($key), "`, if `vis` sees its region.")]
        pub fn $name(
            conn: &mut $crate::DbConnection,
            key: &str,
            vis: &::jalin_domain::access::Visibility,
        ) -> Result<Option<$row>, $crate::DbError> {
            use diesel::prelude::*;
            let q = $t::table
                .select($row::as_select())
                .filter($t::$key.eq(key.to_owned()))
                .into_boxed();
            Ok($crate::crud::visible(q, vis, $t::province_code, $t::region_code)
                .first(conn)
                .optional()?)
        }
    };
    (@fn insert [$name:ident $($rest:ident)*] () $row:ident, $t:ident, $key:ident, $also:tt) => {
        #[doc = concat!("Inserts the ", stringify!($row), ".")]
        pub fn $name(conn: &mut $crate::DbConnection, row: &$row) -> Result<(), $crate::DbError> {
            use diesel::prelude::*;
            diesel::insert_into($t::table)
                .values($crate::crud::crud!(@written row, $also))
                .execute(conn)?;
            Ok(())
        }
    };
    (@fn insert_new [$name:ident $($rest:ident)*] () $row:ident, $t:ident, $key:ident, $also:tt) => {
        #[doc = concat!("Inserts the ", stringify!($row), "; `false` when one of its unique keys is taken.")]
        pub fn $name(conn: &mut $crate::DbConnection, row: &$row) -> Result<bool, $crate::DbError> {
            use diesel::prelude::*;
            $crate::crud::inserted(
                diesel::insert_into($t::table)
                    .values($crate::crud::crud!(@written row, $also))
                    .execute(conn),
            )
        }
    };
    (@fn save [$name:ident $($rest:ident)*] () $row:ident, $t:ident, $key:ident, $also:tt) => {
        #[doc = concat!("Writes the ", stringify!($row), " if its stored version is still `expected`; ")]
        #[doc = "`false` when someone else changed it first."]
        pub fn $name(
            conn: &mut $crate::DbConnection,
            row: &$row,
            expected: i64,
        ) -> Result<bool, $crate::DbError> {
            use diesel::prelude::*;
            let n = diesel::update(
                $t::table
                    .filter($t::$key.eq(&row.$key))
                    .filter($t::version.eq(expected)),
            )
            .set($crate::crud::crud!(@written row, $also))
            .execute(conn)?;
            Ok(n == 1)
        }
    };
    (@fn delete [$name:ident $($rest:ident)*] () $row:ident, $t:ident, $key:ident, $also:tt) => {
        #[doc = concat!("Deletes the ", stringify!($row), " if its stored version is still `expected`.")]
        pub fn $name(
            conn: &mut $crate::DbConnection,
            key: &str,
            expected: i64,
        ) -> Result<bool, $crate::DbError> {
            use diesel::prelude::*;
            let n = diesel::delete(
                $t::table
                    .filter($t::$key.eq(key))
                    .filter($t::version.eq(expected)),
            )
            .execute(conn)?;
            Ok(n == 1)
        }
    };

    // What a write writes: the row (cloned: its `serialize_as` conversions take it by value),
    // with its derived columns.
    (@written $row:ident, []) => {
        $row.clone()
    };
    (@written $row:ident, [$also:expr]) => {
        ($row.clone(), ($also)($row))
    };
}
pub(crate) use crud;

/// An insert's outcome, with a taken unique key as `false` rather than an error.
pub fn inserted(result: QueryResult<usize>) -> Result<bool, DbError> {
    match result {
        Ok(_) => Ok(true),
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// `q` narrowed in SQL to what `vis` sees, by the query's province and region columns.
pub fn visible<Q, P, R>(q: Q, vis: &Visibility, province: P, region: R) -> Q
where
    P: ExpressionMethods,
    R: ExpressionMethods,
    P::SqlType: SqlType,
    R::SqlType: SqlType,
    String: AsExpression<P::SqlType> + AsExpression<R::SqlType>,
    Q: FilterDsl<dsl::Eq<P, String>, Output = Q> + FilterDsl<dsl::Eq<R, String>, Output = Q>,
{
    match vis {
        Visibility::All => q,
        Visibility::Province(p) => FilterDsl::filter(q, province.eq(p.to_string())),
        Visibility::Region(r) => FilterDsl::filter(q, region.eq(r.to_string())),
    }
}

/// `q` narrowed to one region, when given: a province includes its regencies/cities.
pub fn within<Q, P, R>(q: Q, region: Option<&RegionCode>, province_col: P, region_col: R) -> Q
where
    P: ExpressionMethods,
    R: ExpressionMethods,
    P::SqlType: SqlType,
    R::SqlType: SqlType,
    String: AsExpression<P::SqlType> + AsExpression<R::SqlType>,
    Q: FilterDsl<dsl::Eq<P, String>, Output = Q> + FilterDsl<dsl::Eq<R, String>, Output = Q>,
{
    match region {
        None => q,
        Some(r) if r.is_province() => FilterDsl::filter(q, province_col.eq(r.to_string())),
        Some(r) => FilterDsl::filter(q, region_col.eq(r.to_string())),
    }
}

/// One page of `q` in `key` order: at most `limit` rows after the key `after` (the cursor).
pub fn keyset<Q, K>(q: Q, key: K, after: Option<&str>, limit: i64) -> Q
where
    K: ExpressionMethods + Copy,
    K::SqlType: SqlType,
    String: AsExpression<K::SqlType>,
    Q: OrderDsl<dsl::Asc<K>, Output = Q>
        + LimitDsl<Output = Q>
        + FilterDsl<dsl::Gt<K, String>, Output = Q>,
{
    let q = LimitDsl::limit(OrderDsl::order(q, key.asc()), limit);
    match after {
        Some(a) => FilterDsl::filter(q, key.gt(a.to_owned())),
        None => q,
    }
}
