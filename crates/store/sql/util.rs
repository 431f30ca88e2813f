//! Small tools every SQL module uses: a statement builder with typed values, error
//! mapping, time conversion, audit rows and multi-row writes.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use jxc_store::{Actor, Result, StoreError};
use sqlx::{AssertSqlSafe, Database};

use crate::Db;

pub(crate) type Conn = <Db as Database>::Connection;
pub(crate) type Row = <Db as Database>::Row;
pub(crate) type Query = sqlx::query::Query<'static, Db, <Db as Database>::Arguments>;
pub(crate) use sqlx::Row as _;

/// A value bound to a statement.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    I(i64),
    OI(Option<i64>),
    T(String),
    OT(Option<String>),
    B(bool),
}

impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::I(v)
    }
}
impl From<Option<i64>> for Val {
    fn from(v: Option<i64>) -> Val {
        Val::OI(v)
    }
}
impl From<bool> for Val {
    fn from(v: bool) -> Val {
        Val::B(v)
    }
}
impl From<String> for Val {
    fn from(v: String) -> Val {
        Val::T(v)
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Val {
        Val::T(v.to_string())
    }
}
impl From<Option<String>> for Val {
    fn from(v: Option<String>) -> Val {
        Val::OT(v)
    }
}

/// A boolean column read through [`Sql::fetch_tuples`]: SQLite's JSON has it as 0 or 1,
/// PostgreSQL's as false or true.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Flag(pub bool);

impl<'de> serde::Deserialize<'de> for Flag {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Flag, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Flag;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a boolean, 0 or 1")
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> std::result::Result<Flag, E> {
                Ok(Flag(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> std::result::Result<Flag, E> {
                Ok(Flag(v != 0))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<Flag, E> {
                Ok(Flag(v != 0))
            }
        }
        d.deserialize_any(V)
    }
}

/// Builds a statement: `push` adds SQL text (only ever our own constants), `bind` adds a
/// value and its `$n` placeholder. User input only ever goes through `bind`.
#[derive(Debug, Default, Clone)]
pub(crate) struct Sql {
    pub text: String,
    pub vals: Vec<Val>,
}

impl Sql {
    pub fn new(text: &str) -> Sql {
        Sql {
            text: text.to_string(),
            vals: Vec::new(),
        }
    }
    pub fn push(&mut self, s: &str) -> &mut Sql {
        self.text.push_str(s);
        self
    }
    pub fn bind(&mut self, v: impl Into<Val>) -> &mut Sql {
        self.vals.push(v.into());
        crate::dialect::push_placeholder(&mut self.text, self.vals.len());
        self
    }
    /// `(…, …, …)` of bound values.
    pub fn tuple(&mut self, vals: impl IntoIterator<Item = Val>) -> &mut Sql {
        self.push("(");
        for (i, v) in vals.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(v);
        }
        self.push(")")
    }
    /// The statement to run. Takes the text and values out of the builder (no copies:
    /// batch statements carry thousands of values).
    pub fn query(&mut self) -> Query {
        let Sql { text, vals } = std::mem::take(self);
        let mut q = sqlx::query(AssertSqlSafe(text));
        for v in vals {
            q = match v {
                Val::I(x) => q.bind(x),
                Val::OI(x) => q.bind(x),
                Val::T(x) => q.bind(x),
                Val::OT(x) => q.bind(x),
                Val::B(x) => q.bind(x),
            };
        }
        q
    }
    /// Runs this SELECT and reads its rows as one: the database folds the columns `cols`
    /// of every row into one JSON array of arrays, and each row decodes as `T` (a tuple,
    /// booleans as [`Flag`]). For reads of thousands of rows: sqlx-sqlite hands each
    /// result row from its connection's thread to the task separately, a few
    /// microseconds apiece (see BENCHMARKS.md); here the hand-over happens once.
    /// The rows come in no promised order.
    pub async fn fetch_tuples<T: serde::de::DeserializeOwned>(
        &mut self,
        c: &mut Conn,
        cols: &[&str],
    ) -> Result<Vec<T>> {
        let Sql { text, vals } = std::mem::take(self);
        let mut all = Sql {
            text: format!(
                "SELECT {} AS j FROM ({text}) t",
                crate::dialect::json_rows(cols)
            ),
            vals,
        };
        let row = all.fetch_one(c).await?;
        let json: String = col(&row, "j")?;
        serde_json::from_str(&json)
            .map_err(|e| StoreError::Database(format!("rows read as JSON: {e}")))
    }
    pub async fn execute(&mut self, c: &mut Conn) -> Result<u64> {
        Ok(self.query().execute(&mut *c).await.db()?.rows_affected())
    }
    pub async fn fetch_all(&mut self, c: &mut Conn) -> Result<Vec<Row>> {
        self.query().fetch_all(&mut *c).await.db()
    }
    pub async fn fetch_optional(&mut self, c: &mut Conn) -> Result<Option<Row>> {
        self.query().fetch_optional(&mut *c).await.db()
    }
    pub async fn fetch_one(&mut self, c: &mut Conn) -> Result<Row> {
        self.query().fetch_one(&mut *c).await.db()
    }
}

/// The most values one statement binds (SQLite allows 32766, PostgreSQL 65535).
const MAX_BINDS: usize = 30_000;

/// Inserts rows in as few statements as the bind limit allows. `suffix` follows the
/// VALUES list (e.g. an `ON CONFLICT` clause).
pub(crate) async fn insert_rows(
    c: &mut Conn,
    table: &str,
    cols: &[&str],
    rows: Vec<Vec<Val>>,
    suffix: &str,
) -> Result<()> {
    let per = (MAX_BINDS / cols.len()).clamp(1, 500);
    let head = format!("INSERT INTO {table} ({}) VALUES ", cols.join(", "));
    let mut sql = Sql::new(&head);
    let mut n = 0;
    for row in rows {
        debug_assert_eq!(row.len(), cols.len());
        if n > 0 {
            sql.push(", ");
        }
        sql.tuple(row);
        n += 1;
        if n == per {
            sql.push(suffix).execute(c).await?;
            sql = Sql::new(&head);
            n = 0;
        }
    }
    if n > 0 {
        sql.push(suffix).execute(c).await?;
    }
    Ok(())
}

/// [`insert_rows`] of rows made as they are needed: each statement's rows are made and
/// bound while the statement before runs (on SQLite, in its connection's thread).
pub(crate) async fn insert_rows_overlapped(
    c: &mut Conn,
    table: &str,
    cols: &[&str],
    mut rows: impl Iterator<Item = Vec<Val>> + Send,
    suffix: &str,
) -> Result<()> {
    let per = (MAX_BINDS / cols.len()).clamp(1, 500);
    let head = format!("INSERT INTO {table} ({}) VALUES ", cols.join(", "));
    let mut build = move || {
        let mut sql = Sql::new(&head);
        let mut n = 0;
        for row in rows.by_ref().take(per) {
            debug_assert_eq!(row.len(), cols.len());
            if n > 0 {
                sql.push(", ");
            }
            sql.tuple(row);
            n += 1;
        }
        (n > 0).then(|| sql.push(suffix).query())
    };
    let mut next = build();
    while let Some(q) = next {
        // `biased`: the statement is sent first, then the next one is built meanwhile.
        let (done, following) = tokio::join!(biased; q.execute(&mut *c), async { build() });
        done.db()?;
        next = following;
    }
    Ok(())
}

/// Updates rows by id from a list of new values, in as few statements as possible.
pub(crate) async fn update_rows(
    c: &mut Conn,
    table: &str,
    cols: &[&str],
    rows: Vec<(i64, Vec<Val>)>,
) -> Result<()> {
    let per = (MAX_BINDS / (cols.len() + 1)).clamp(1, 500);
    let set: Vec<String> = cols.iter().map(|c| format!("{c} = v.{c}")).collect();
    let head = format!("WITH v(id, {}) AS (VALUES ", cols.join(", "));
    let tail = format!(
        ") UPDATE {table} SET {} FROM v WHERE {table}.id = v.id",
        set.join(", ")
    );
    let mut sql = Sql::new(&head);
    let mut n = 0;
    for (id, mut vals) in rows {
        if n > 0 {
            sql.push(", ");
        }
        vals.insert(0, Val::I(id));
        sql.tuple(vals);
        n += 1;
        if n == per {
            sql.push(&tail).execute(c).await?;
            sql = Sql::new(&head);
            n = 0;
        }
    }
    if n > 0 {
        sql.push(&tail).execute(c).await?;
    }
    Ok(())
}

/// `col IN ($1, $2, …)`; with no values, a condition that is false.
pub(crate) fn push_in(sql: &mut Sql, col: &str, vals: impl IntoIterator<Item = Val>) {
    let vals: Vec<Val> = vals.into_iter().collect();
    if vals.is_empty() {
        sql.push("1 = 0");
        return;
    }
    sql.push(col).push(" IN ");
    sql.tuple(vals);
}

pub(crate) trait DbResult<T> {
    fn db(self) -> Result<T>;
}

impl<T> DbResult<T> for std::result::Result<T, sqlx::Error> {
    fn db(self) -> Result<T> {
        self.map_err(map_err)
    }
}

/// Unique constraints, by SQLite's `table.column` text and PostgreSQL's constraint name,
/// with the input field and the reason a person reads.
const UNIQUE: &[(&str, &str, &str, &str)] = &[
    (
        "skus.code",
        "skus_code_key",
        "code",
        "商家编码已存在 / this sku code already exists",
    ),
    (
        "sku_barcodes.barcode",
        "sku_barcodes_pkey",
        "barcodes",
        "条码已属于另一个商品 / barcode belongs to another sku",
    ),
    (
        "shops.code",
        "shops_code_key",
        "code",
        "店铺编码已存在 / shop code already exists",
    ),
    (
        "listings.shop_id",
        "listings_platform_key",
        "platform_sku_id",
        "该平台商品已匹配 / this platform item is already mapped",
    ),
    (
        "partners.kind",
        "partners_code_key",
        "code",
        "编码已存在 / code already exists",
    ),
    (
        "warehouses.code",
        "warehouses_code_key",
        "code",
        "仓库编码已存在 / warehouse code already exists",
    ),
    (
        "locations.warehouse_id",
        "locations_code_key",
        "code",
        "库位编码已存在 / location code already exists in this warehouse",
    ),
    (
        "users_username_key",
        "users_username_key",
        "username",
        "登录名已存在 / this login name is taken",
    ),
];

fn map_err(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(d) = &e {
        if d.is_unique_violation() {
            let constraint = d.constraint().unwrap_or("");
            let msg = d.message();
            if let Some((_, _, field, reason)) = UNIQUE
                .iter()
                .find(|(lite, pg, _, _)| *pg == constraint || msg.contains(lite))
            {
                return StoreError::conflict(*field, *reason);
            }
            return StoreError::conflict("", format!("重复的值 / duplicate value: {msg}"));
        }
    }
    StoreError::Database(e.to_string())
}

pub(crate) fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

pub(crate) fn ts(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

pub(crate) fn date(s: Option<String>) -> Option<NaiveDate> {
    s.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
}

pub(crate) fn date_text(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.format("%Y-%m-%d").to_string())
}

/// Reads a column, turning a decode failure into a database error (it means the schema
/// and the code disagree, which is a bug, not bad input).
pub(crate) fn col<T>(r: &Row, name: &str) -> Result<T>
where
    T: for<'r> sqlx::Decode<'r, Db> + sqlx::Type<Db>,
{
    r.try_get(name).db()
}

/// A document that cannot do `what` in its status: `盘点单 PD00000001 当前为已过账，不能作废`.
pub(crate) fn wrong_status(
    doc: &str,
    number: &str,
    status_zh: &str,
    status: &str,
    what: &str,
) -> StoreError {
    StoreError::conflict(
        "status",
        format!("{doc}{number} 当前为{status_zh}，不能{what} / it is {status}"),
    )
}

/// Writes an audit-log row (who, when, what, before, after) in the caller's transaction.
pub(crate) async fn audit(
    c: &mut Conn,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: impl ToString,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<()> {
    Sql::new("INSERT INTO audit_log (at, actor, action, entity, entity_id, before_json, after_json) VALUES ")
        .tuple([
            Val::I(now_ms()),
            actor.0.as_str().into(),
            action.into(),
            entity.into(),
            entity_id.to_string().into(),
            before.map(|v| v.to_string()).into(),
            after.map(|v| v.to_string()).into(),
        ])
        .execute(c)
        .await?;
    Ok(())
}

/// Audit-log rows of one action on many records of one entity: (id, before, after), the
/// before and after as JSON text.
pub(crate) async fn audit_many(
    c: &mut Conn,
    actor: &Actor,
    action: &str,
    entity: &str,
    rows: Vec<(String, Option<String>, Option<String>)>,
) -> Result<()> {
    audit_many_at(c, now_ms(), actor, action, entity, rows).await
}

/// [`audit_many`] at a given time (Unix ms), e.g. the posting time of the documents.
pub(crate) async fn audit_many_at(
    c: &mut Conn,
    now: i64,
    actor: &Actor,
    action: &str,
    entity: &str,
    rows: Vec<(String, Option<String>, Option<String>)>,
) -> Result<()> {
    let rows = rows.into_iter().map(|(id, before, after)| {
        vec![
            Val::I(now),
            actor.0.as_str().into(),
            action.into(),
            entity.into(),
            id.into(),
            Val::OT(before),
            Val::OT(after),
        ]
    });
    insert_rows(
        c,
        "audit_log",
        &[
            "at",
            "actor",
            "action",
            "entity",
            "entity_id",
            "before_json",
            "after_json",
        ],
        Vec::from_iter(rows),
        "",
    )
    .await
}

/// `%text%` for a LIKE on a lower-cased column, with LIKE's wildcards escaped.
pub(crate) fn like_pattern(q: &str) -> String {
    let mut p = String::from("%");
    for ch in q.trim().to_lowercase().chars() {
        if matches!(ch, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    p
}
