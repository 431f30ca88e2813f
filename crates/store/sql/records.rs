//! Generic create/update/get/list for master-data tables (shops, partners, listings,
//! warehouses, locations, the SKU row). Each table says once how its columns map to
//! values; every list gets the same filters and keyset paging.

use jxc_core::paging::{Cursor, Page, PageRequest};
use jxc_store::{Actor, ListFilter, Result, Sort, StoreError};
use serde::Serialize;

use super::util::*;

pub(crate) trait Record: Sized {
    /// What a create or update writes.
    type New: Serialize;
    const TABLE: &'static str;
    /// The entity name in errors and the audit log.
    const ENTITY: &'static str;
    /// The columns written from `New`, in the order of [`Record::values`].
    const COLUMNS: &'static [&'static str];
    /// The columns `Sort::Code` and `Sort::Name` order by (and `q` searches).
    const CODE: &'static str = "code";
    const NAME: &'static str = "name";
    /// The column `ListFilter::parent_id` matches.
    const PARENT: &'static str = "";
    fn values(new: &Self::New) -> Vec<Val>;
    fn from_row(r: &Row) -> Result<Self>;
    fn new_of(&self) -> &Self::New;
}

/// An extra `column = value` every statement of a table carries (partners' `kind`).
#[derive(Clone, Default)]
pub(crate) struct Scope(pub Option<(&'static str, Val)>);

impl Scope {
    fn push_where(&self, sql: &mut Sql) {
        if let Some((col, v)) = &self.0 {
            sql.push(" AND ").push(col).push(" = ").bind(v.clone());
        }
    }
}

pub(crate) async fn insert<R: Record>(
    c: &mut Conn,
    new: &R::New,
    scope: &Scope,
    actor: &Actor,
) -> Result<i64> {
    let mut cols: Vec<&str> = R::COLUMNS.to_vec();
    let mut vals = R::values(new);
    if let Some((col, v)) = &scope.0 {
        cols.push(col);
        vals.push(v.clone());
    }
    let now = now_ms();
    cols.extend(["created_at", "updated_at"]);
    vals.extend([Val::I(now), Val::I(now)]);
    let mut sql = Sql::new(&format!(
        "INSERT INTO {} ({}) VALUES ",
        R::TABLE,
        cols.join(", ")
    ));
    sql.tuple(vals).push(" RETURNING id");
    let id: i64 = col(&sql.fetch_one(c).await?, "id")?;
    audit(
        c,
        actor,
        "create",
        R::ENTITY,
        id,
        None,
        serde_json::to_value(new).ok(),
    )
    .await?;
    Ok(id)
}

pub(crate) async fn update<R: Record>(
    c: &mut Conn,
    id: i64,
    new: &R::New,
    scope: &Scope,
    actor: &Actor,
) -> Result<()> {
    let before = get::<R>(c, id, scope)
        .await?
        .ok_or_else(|| StoreError::not_found(R::ENTITY, id))?;
    let mut sql = Sql::new(&format!("UPDATE {} SET ", R::TABLE));
    for (col, v) in R::COLUMNS.iter().zip(R::values(new)) {
        sql.push(col).push(" = ").bind(v).push(", ");
    }
    sql.push("updated_at = ")
        .bind(now_ms())
        .push(" WHERE id = ")
        .bind(id);
    scope.push_where(&mut sql);
    sql.execute(c).await?;
    audit(
        c,
        actor,
        "update",
        R::ENTITY,
        id,
        serde_json::to_value(before.new_of()).ok(),
        serde_json::to_value(new).ok(),
    )
    .await
}

pub(crate) async fn get<R: Record>(c: &mut Conn, id: i64, scope: &Scope) -> Result<Option<R>> {
    get_by::<R>(c, "id", Val::I(id), scope).await
}

pub(crate) async fn get_by<R: Record>(
    c: &mut Conn,
    column: &str,
    v: Val,
    scope: &Scope,
) -> Result<Option<R>> {
    let mut sql = Sql::new(&format!("SELECT * FROM {} WHERE {column} = ", R::TABLE));
    sql.bind(v);
    scope.push_where(&mut sql);
    sql.fetch_optional(c)
        .await?
        .map(|r| R::from_row(&r))
        .transpose()
}

/// The column a sort orders by.
pub(crate) fn sort_column<R: Record>(sort: Sort) -> &'static str {
    match sort {
        Sort::Code => R::CODE,
        Sort::Name => R::NAME,
        Sort::Id => "id",
    }
}

/// Appends the keyset condition and ORDER BY/LIMIT for `page` sorted on `col` then `id`.
/// `col` is `id` for an id sort. `alias` prefixes `id` (e.g. `b.` in a join).
pub(crate) fn push_keyset(sql: &mut Sql, col: &str, id_col: &str, page: &PageRequest) {
    let (cmp, dir) = if page.desc {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    if let Some(after) = &page.after {
        if col == id_col {
            sql.push(" AND ")
                .push(id_col)
                .push(&format!(" {cmp} "))
                .bind(after.id);
        } else {
            sql.push(&format!(" AND ({col}, {id_col}) {cmp} ("));
            sql.bind(after.key.clone())
                .push(", ")
                .bind(after.id)
                .push(")");
        }
    }
    if col == id_col {
        sql.push(&format!(" ORDER BY {id_col} {dir}"));
    } else {
        sql.push(&format!(" ORDER BY {col} {dir}, {id_col} {dir}"));
    }
    sql.push(" LIMIT ").bind(page.limit as i64 + 1);
}

pub(crate) async fn list<R: Record>(
    c: &mut Conn,
    filter: &ListFilter,
    scope: &Scope,
    page: &PageRequest,
    extra: impl FnOnce(&mut Sql),
) -> Result<Page<R>> {
    let sort = sort_column::<R>(filter.sort);
    let mut sql = Sql::new(&format!(
        "SELECT *, {sort} AS sort_key FROM {} WHERE 1 = 1",
        R::TABLE
    ));
    scope.push_where(&mut sql);
    if let Some(q) = filter.q.as_deref().filter(|q| !q.trim().is_empty()) {
        let p = like_pattern(q);
        sql.push(&format!(" AND (LOWER({}) LIKE ", R::CODE))
            .bind(p.clone());
        sql.push(&format!(" ESCAPE '\\' OR LOWER({}) LIKE ", R::NAME))
            .bind(p)
            .push(" ESCAPE '\\')");
    }
    if let Some(a) = filter.active {
        sql.push(" AND active = ").bind(a);
    }
    if let (Some(p), false) = (filter.parent_id, R::PARENT.is_empty()) {
        sql.push(&format!(" AND {} = ", R::PARENT)).bind(p);
    }
    if !filter.only_ids.is_empty() {
        sql.push(" AND ");
        push_in(&mut sql, "id", filter.only_ids.iter().map(|&i| Val::I(i)));
    }
    if !filter.only_parents.is_empty() && !R::PARENT.is_empty() {
        sql.push(" AND ");
        push_in(
            &mut sql,
            R::PARENT,
            filter.only_parents.iter().map(|&i| Val::I(i)),
        );
    }
    extra(&mut sql);
    push_keyset(&mut sql, sort, "id", page);
    let rows = sql.fetch_all(c).await?;
    let mut items = Vec::with_capacity(rows.len());
    for r in &rows {
        let key = if sort == "id" {
            String::new()
        } else {
            col::<String>(r, "sort_key")?
        };
        items.push((col::<i64>(r, "id")?, key, R::from_row(r)?));
    }
    let page = Page::from_rows(items, page.limit, |(id, key, _)| Cursor {
        key: key.clone(),
        id: *id,
    });
    Ok(Page {
        items: page.items.into_iter().map(|(_, _, r)| r).collect(),
        next: page.next,
    })
}

/// Creates a record in its own transaction and returns it as stored.
pub(crate) async fn create<R: Record>(
    pool: &sqlx::Pool<crate::Db>,
    new: &R::New,
    scope: &Scope,
    actor: &Actor,
) -> Result<R> {
    let mut tx = crate::dialect::begin_write(pool).await?;
    let id = insert::<R>(&mut tx, new, scope, actor).await?;
    let out = get::<R>(&mut tx, id, scope)
        .await?
        .ok_or_else(|| StoreError::not_found(R::ENTITY, id))?;
    tx.commit().await.db()?;
    Ok(out)
}

/// Updates a record in its own transaction and returns it as stored.
pub(crate) async fn modify<R: Record>(
    pool: &sqlx::Pool<crate::Db>,
    id: i64,
    new: &R::New,
    scope: &Scope,
    actor: &Actor,
) -> Result<R> {
    let mut tx = crate::dialect::begin_write(pool).await?;
    update::<R>(&mut tx, id, new, scope, actor).await?;
    let out = get::<R>(&mut tx, id, scope)
        .await?
        .ok_or_else(|| StoreError::not_found(R::ENTITY, id))?;
    tx.commit().await.db()?;
    Ok(out)
}
