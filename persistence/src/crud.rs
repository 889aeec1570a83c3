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
use diesel::sql_types::{Nullable, SqlType, Text};
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
/// | `all_by(col, order)` | `(conn, value: &str) -> Vec<$row>` (e.g. the rows of one parent) |
/// | `find_visible` | `(conn, key: &str, vis: &Visibility) -> Option<$row>` (by the table's `province_code`/`region_code`) |
/// | `page()` | `(conn, after: Option<&str>, limit: i64) -> Vec<$row>` (keyset on `$key`) |
/// | `page(F[, col[ -> Out]])` | `(conn, f: &F, after, limit) -> Vec<Out>` (`F:` [`Filter`]; keyset on `col`, default `$key`; `Out: From<$row>`, default `$row`) |
/// | `page_visible(…)` | the same with `vis: &Visibility` after `conn` |
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
     $($op:ident $(($($arg:tt)*))? $(as $name:ident)?),+ $(,)?) => {
        $($crate::crud::crud!(@fn $op [$($name)? $op] ($($($arg)*)?) $row, $t, $key, $also);)+
    };

    (@fn find [$name:ident $($rest:ident)*] () $row:ident, $t:ident, $key:ident, $also:tt) => {
        $crate::crud::crud!(@fn find_by [$name] ($key) $row, $t, $key, $also);
    };
    (@fn find_by [$name:ident $($rest:ident)*] ($col:ident) $row:ident, $t:ident, $key:ident, $also:tt) => {
        $crate::crud::crud!(@by $name, Option<$row>, $row, $t, $col, |q, conn| q.first(conn).optional()?,
            concat!("The ", stringify!($row), " whose `", stringify!($col), "` is `value`."));
    };
    (@fn all_by [$name:ident $($rest:ident)*] ($col:ident, $order:expr) $row:ident, $t:ident, $key:ident, $also:tt) => {
        $crate::crud::crud!(@by $name, Vec<$row>, $row, $t, $col, |q, conn| q.order($order).load(conn)?,
            concat!("Every ", stringify!($row), " whose `", stringify!($col), "` is `value`, in `", stringify!($order), "` order."));
    };
    // A function of the rows whose `$col` is `value`: `$load` loads them from the query `$q`.
    (@by $name:ident, $out:ty, $row:ident, $t:ident, $col:ident, |$q:ident, $conn:ident| $load:expr, $doc:expr) => {
        #[doc = $doc]
        pub fn $name($conn: &mut $crate::DbConnection, value: &str) -> Result<$out, $crate::DbError> {
            use diesel::prelude::*;
            let $q = $t::table.select($row::as_select()).filter($t::$col.eq(value));
            Ok($load)
        }
    };
    (@fn find_visible [$name:ident $($rest:ident)*] () $row:ident, $t:ident, $key:ident, $also:tt) => {
        #[doc = concat!("The ", stringify!($row), " with this `", stringify!($key), "`, if `vis` sees its region.")]
        pub fn $name(
            conn: &mut $crate::DbConnection,
            key: &str,
            vis: &::jalin_domain::access::Visibility,
        ) -> Result<Option<$row>, $crate::DbError> {
            use $crate::crud::Narrow;
            use diesel::prelude::*;
            Ok($t::table
                .select($row::as_select())
                .filter($t::$key.eq(key.to_owned()))
                .into_boxed()
                .visible_to(vis, $t::province_code, $t::region_code)
                .first(conn)
                .optional()?)
        }
    };
    (@fn page [$name:ident $($rest:ident)*] ($($arg:tt)*) $row:ident, $t:ident, $key:ident, $also:tt) => {
        $crate::crud::crud!(@page $name [] ($($arg)*) $row, $t, $key);
    };
    (@fn page_visible [$name:ident $($rest:ident)*] ($($arg:tt)*) $row:ident, $t:ident, $key:ident, $also:tt) => {
        $crate::crud::crud!(@page $name [vis] ($($arg)*) $row, $t, $key);
    };
    // A page's arguments: the filter (none: every row), the keyset column (default: the key) and
    // what each row is returned as (default: the row).
    (@page $name:ident $vis:tt () $row:ident, $t:ident, $key:ident) => {
        $crate::crud::crud!(@list $name $vis [] $key $row; $row, $t);
    };
    (@page $name:ident $vis:tt ($filter:ty) $row:ident, $t:ident, $key:ident) => {
        $crate::crud::crud!(@list $name $vis [$filter] $key $row; $row, $t);
    };
    (@page $name:ident $vis:tt ($filter:ty, $by:ident) $row:ident, $t:ident, $key:ident) => {
        $crate::crud::crud!(@list $name $vis [$filter] $by $row; $row, $t);
    };
    (@page $name:ident $vis:tt ($filter:ty, $by:ident -> $out:ty) $row:ident, $t:ident, $key:ident) => {
        $crate::crud::crud!(@list $name $vis [$filter] $by $out; $row, $t);
    };
    (@list $name:ident [$($vis:ident)?] [$($filter:ty)?] $by:ident $out:ty; $row:ident, $t:ident) => {
        #[doc = concat!(
            "A page of ", stringify!($out), " in `", stringify!($by), "` order after `after`"
            $(, ", within `", stringify!($vis), "`")? $(, ", as `f` (", stringify!($filter), ") asks")?,
            "."
        )]
        pub fn $name(
            conn: &mut $crate::DbConnection,
            $($vis: &::jalin_domain::access::Visibility,)?
            $(f: &$filter,)?
            after: Option<&str>,
            limit: i64,
        ) -> Result<Vec<$out>, $crate::DbError> {
            use diesel::prelude::*;
            let q = $crate::crud::Page::page_after(
                $t::table.select($row::as_select()).into_boxed(),
                $t::$by,
                after,
                limit,
            );
            $(let q = $crate::crud::Narrow::visible_to(q, $vis, $t::province_code, $t::region_code);)?
            $(let q = <$filter as $crate::crud::Filter<_>>::apply(f, q);)?
            let rows: Vec<$row> = q.load(conn)?;
            Ok(rows.into_iter().map(<$out>::from).collect())
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

/// The backend of [`crate::DbConnection`].
pub type Db = <crate::DbConnection as diesel::Connection>::Backend;

/// The boxed query of table `T` that loads `Row`s: what a list's [`Filter`] narrows.
pub type Rows<'a, T, Row> = dsl::IntoBoxed<'a, dsl::Select<T, dsl::AsSelect<Row, Db>>, Db>;

/// What a list asks for beyond its page and its caller's visibility (its query string's
/// filters), applied to the list's query `Q` (a [`Rows`]).
pub trait Filter<Q> {
    fn apply(&self, q: Q) -> Q;
}

/// An insert's outcome, with a taken unique key as `false` rather than an error.
pub fn inserted(result: QueryResult<usize>) -> Result<bool, DbError> {
    match result {
        Ok(_) => Ok(true),
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Which rows of a regional table a query keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    /// A province with its regencies/cities.
    Province(String),
    Region(String),
}

impl Scope {
    /// What `vis` sees.
    pub fn of(vis: &Visibility) -> Scope {
        match vis {
            Visibility::All => Scope::All,
            Visibility::Province(p) => Scope::Province(p.to_string()),
            Visibility::Region(r) => Scope::Region(r.to_string()),
        }
    }

    /// One region, when given: a province includes its regencies/cities.
    pub fn within(region: Option<&RegionCode>) -> Scope {
        match region {
            None => Scope::All,
            Some(r) if r.is_province() => Scope::Province(r.to_string()),
            Some(r) => Scope::Region(r.to_string()),
        }
    }
}

/// A query narrowed in SQL by its province column `P` and region column `R`: region isolation
/// happens in the database, never after loading.
pub trait Narrow<P, R>: Sized {
    fn narrow(self, scope: Scope, province: P, region: R) -> Self;

    /// Only what `vis` sees.
    fn visible_to(self, vis: &Visibility, province: P, region: R) -> Self {
        self.narrow(Scope::of(vis), province, region)
    }

    /// Only `region`, when given (a province includes its regencies/cities).
    fn within(self, region: Option<&RegionCode>, province: P, region_col: R) -> Self {
        self.narrow(Scope::within(region), province, region_col)
    }
}

impl<Q, P, R> Narrow<P, R> for Q
where
    P: ExpressionMethods,
    R: ExpressionMethods,
    P::SqlType: SqlType,
    R::SqlType: SqlType,
    String: AsExpression<P::SqlType> + AsExpression<R::SqlType>,
    Q: FilterDsl<dsl::Eq<P, String>, Output = Q> + FilterDsl<dsl::Eq<R, String>, Output = Q>,
{
    fn narrow(self, scope: Scope, province: P, region: R) -> Self {
        match scope {
            Scope::All => self,
            Scope::Province(p) => FilterDsl::filter(self, province.eq(p)),
            Scope::Region(r) => FilterDsl::filter(self, region.eq(r)),
        }
    }
}

/// A query narrowed by its region-code column `C` alone (a table without a province column): a
/// province sees its own code and those of its regencies/cities (`{province}.…`).
pub trait NarrowByCode<C>: Sized {
    fn visible_by_code(self, vis: &Visibility, code: C) -> Self;
}

impl<Q, C> NarrowByCode<C> for Q
where
    C: Column<SqlType = Nullable<Text>> + Copy,
    Q: FilterDsl<dsl::Eq<C, String>, Output = Q>
        + FilterDsl<dsl::Or<dsl::Eq<C, String>, dsl::Like<C, String>>, Output = Q>,
{
    fn visible_by_code(self, vis: &Visibility, code: C) -> Self {
        match vis {
            Visibility::All => self,
            Visibility::Province(p) => {
                FilterDsl::filter(self, code.eq(p.to_string()).or(code.like(format!("{p}.%"))))
            }
            Visibility::Region(r) => FilterDsl::filter(self, code.eq(r.to_string())),
        }
    }
}

/// A query cut into keyset pages on its column `K` with cursor values `V`: the cursor is the
/// last key served, so a page never shifts when rows are added before it.
pub trait Page<K, V>: Sized {
    /// At most `limit` rows in ascending `key` order, after `after`.
    fn page_after(self, key: K, after: Option<V>, limit: i64) -> Self;

    /// At most `limit` rows in descending `key` order, before `before` (newest first).
    fn page_before(self, key: K, before: Option<V>, limit: i64) -> Self;
}

impl<Q, K, V> Page<K, V> for Q
where
    K: ExpressionMethods + Copy,
    K::SqlType: SqlType,
    V: AsExpression<K::SqlType>,
    Q: OrderDsl<dsl::Asc<K>, Output = Q>
        + OrderDsl<dsl::Desc<K>, Output = Q>
        + LimitDsl<Output = Q>
        + FilterDsl<dsl::Gt<K, V>, Output = Q>
        + FilterDsl<dsl::Lt<K, V>, Output = Q>,
{
    fn page_after(self, key: K, after: Option<V>, limit: i64) -> Self {
        let q = LimitDsl::limit(OrderDsl::order(self, key.asc()), limit);
        match after {
            Some(a) => FilterDsl::filter(q, key.gt(a)),
            None => q,
        }
    }

    fn page_before(self, key: K, before: Option<V>, limit: i64) -> Self {
        let q = LimitDsl::limit(OrderDsl::order(self, key.desc()), limit);
        match before {
            Some(b) => FilterDsl::filter(q, key.lt(b)),
            None => q,
        }
    }
}
