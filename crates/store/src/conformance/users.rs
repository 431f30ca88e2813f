//! Conformance: users, sessions and API tokens.

use jxc_core::ids::{ApiTokenId, UserId};
use jxc_core::users::{NewUser, Role, UserInput};

use super::{Shared, actor, page};
use crate::{ListFilter, NewSession, StoreError};

fn user(name: &str, roles: &[&str]) -> NewUser {
    NewUser::parse(
        &UserInput {
            username: Some(name.into()),
            roles: Some(roles.iter().map(|r| r.to_string()).collect()),
            ..Default::default()
        },
        None,
    )
    .unwrap()
}

fn session(id_hash: &str, user: UserId, expires_at: i64) -> NewSession {
    NewSession {
        id_hash: id_hash.into(),
        user_id: user,
        csrf: format!("csrf-{id_hash}"),
        created_at: 1_000,
        expires_at,
    }
}

pub async fn users_have_unique_login_names_without_regard_to_case(s: Shared) {
    let u = s
        .create_user(&user("Zhang.San", &["仓库", "viewer"]), "hash-1", &actor())
        .await
        .unwrap();
    assert_eq!(u.fields.roles, vec![Role::Warehouse, Role::Viewer]);
    let (found, hash) = s.get_user_for_login("zhang.san").await.unwrap().unwrap();
    assert_eq!((found.id, hash.as_str()), (u.id, "hash-1"));
    let Err(StoreError::Conflict(f)) = s
        .create_user(&user("ZHANG.SAN", &["admin"]), "hash-2", &actor())
        .await
    else {
        panic!("a login name differing only in case is taken")
    };
    assert_eq!(f.field, "username");
    assert_eq!(s.count_users().await.unwrap(), 1);
    let mut limited = user("li.si", &["客服"]);
    limited.warehouse_ids = vec![jxc_core::ids::WarehouseId(3), jxc_core::ids::WarehouseId(9)];
    let l = s.create_user(&limited, "h", &actor()).await.unwrap();
    assert_eq!(s.get_user(l.id).await.unwrap().unwrap().fields, limited);
    let listed = s
        .list_users(&ListFilter::default(), &page(10))
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 2);
}

pub async fn sessions_expire_and_end_with_a_new_password_or_a_disabled_user(s: Shared) {
    let u = s
        .create_user(&user("wang", &["admin"]), "h", &actor())
        .await
        .unwrap();
    s.create_session(&session("a", u.id, 5_000)).await.unwrap();
    s.create_session(&session("b", u.id, 5_000)).await.unwrap();
    let (sess, who) = s.get_session("a", 4_999).await.unwrap().unwrap();
    assert_eq!((sess.csrf.as_str(), who.id), ("csrf-a", u.id));
    assert_eq!(
        s.get_user(u.id).await.unwrap().unwrap().last_login_at,
        Some(1_000)
    );
    assert!(
        s.get_session("a", 5_000).await.unwrap().is_none(),
        "expired"
    );
    s.extend_session("a", 9_000).await.unwrap();
    assert!(
        s.get_session("a", 5_000).await.unwrap().is_some(),
        "extended"
    );
    s.delete_session("b").await.unwrap();
    assert!(s.get_session("b", 0).await.unwrap().is_none(), "signed out");
    s.set_password(u.id, "h2", &actor()).await.unwrap();
    assert!(
        s.get_session("a", 0).await.unwrap().is_none(),
        "a new password ends sessions"
    );
    assert_eq!(s.get_user_for_login("wang").await.unwrap().unwrap().1, "h2");

    s.create_session(&session("c", u.id, 9_000)).await.unwrap();
    let mut off = u.fields.clone();
    off.active = false;
    s.update_user(u.id, &off, &actor()).await.unwrap();
    assert!(
        s.get_session("c", 0).await.unwrap().is_none(),
        "disabling ends sessions"
    );
    s.create_session(&session("d", u.id, 100)).await.unwrap();
    assert_eq!(s.purge_sessions(100).await.unwrap(), 1);
}

pub async fn api_tokens_are_found_by_hash_until_revoked(s: Shared) {
    let u = s
        .create_user(&user("api.bot", &["viewer"]), "h", &actor())
        .await
        .unwrap();
    let other = s
        .create_user(&user("other", &["viewer"]), "h", &actor())
        .await
        .unwrap();
    let t = s
        .create_api_token(u.id, "ERP 同步", "hash-t", "jxc_ab12", &actor())
        .await
        .unwrap();
    let (found, who) = s.use_api_token("hash-t").await.unwrap().unwrap();
    assert_eq!((found.id, who.id), (t.id, u.id));
    assert!(s.use_api_token("hash-x").await.unwrap().is_none());
    let Err(StoreError::NotFound { .. }) = s.revoke_api_token(other.id, t.id, &actor()).await
    else {
        panic!("one user cannot revoke another's token")
    };
    s.revoke_api_token(u.id, t.id, &actor()).await.unwrap();
    assert!(s.use_api_token("hash-t").await.unwrap().is_none());
    let listed = s.list_api_tokens(u.id).await.unwrap();
    assert!(listed[0].revoked_at.is_some());
    assert!(
        s.revoke_api_token(u.id, ApiTokenId(t.id.0), &actor())
            .await
            .is_err(),
        "revoking twice is not found"
    );
    let audit = s
        .list_audit(
            &crate::AuditFilter {
                entity: Some("api_token".into()),
                ..Default::default()
            },
            &page(10),
        )
        .await
        .unwrap();
    assert_eq!(audit.items.len(), 2, "created and revoked are audited");
    assert!(
        !audit.items.iter().any(|a| a
            .after
            .as_ref()
            .is_some_and(|v| v.to_string().contains("hash-t"))),
        "the token hash is never in the audit log"
    );
}

pub async fn lists_can_be_limited_to_a_users_shops_and_warehouses(s: Shared) {
    use jxc_core::partners::{NewShop, ShopInput};
    use jxc_core::warehouses::{NewWarehouse, WarehouseInput};
    let mut shops = Vec::new();
    for code in ["TB1", "JD1", "PDD1"] {
        let input = ShopInput {
            code: Some(code.into()),
            name: Some(format!("店铺 {code}")),
            platform: Some("taobao".into()),
            ..Default::default()
        };
        let new = NewShop::merge(None, &input).unwrap();
        shops.push(s.create_shop(&new, &actor()).await.unwrap().id);
    }
    let mine = ListFilter::default().within(&[shops[0], shops[2]]);
    let listed: Vec<_> = s
        .list_shops(&mine, &page(10))
        .await
        .unwrap()
        .items
        .iter()
        .map(|x| x.id)
        .collect();
    assert_eq!(listed.len(), 2);
    assert!(!listed.contains(&shops[1]));
    let all = s
        .list_shops(&ListFilter::default(), &page(10))
        .await
        .unwrap();
    assert_eq!(all.items.len(), 3, "an empty limit is no limit");

    let mut warehouses = Vec::new();
    for code in ["SH", "GZ"] {
        let input = WarehouseInput {
            code: Some(code.into()),
            name: Some(format!("{code} 仓")),
            ..Default::default()
        };
        let new = NewWarehouse::merge(None, &input).unwrap();
        warehouses.push(s.create_warehouse(&new, &actor()).await.unwrap().id);
    }
    let locs = s
        .list_locations(&ListFilter::default().under(&[warehouses[1]]), &page(10))
        .await
        .unwrap();
    assert!(!locs.items.is_empty());
    assert!(
        locs.items
            .iter()
            .all(|l| l.fields.warehouse_id == warehouses[1])
    );
}
