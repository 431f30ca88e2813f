//! 用户与角色: creating and changing users. Signing in is in [`crate::auth`].

use jxc_core::ids::UserId;
use jxc_core::paging::{Page, PageRequest};
use jxc_core::users::{self, NewUser, Role, User, UserInput};
use jxc_store::{ListFilter, Sort};

use crate::auth::hash_password;
use crate::{Actor, App, Error, Result};

impl App {
    pub async fn create_user(
        &self,
        input: &UserInput,
        password: &str,
        actor: &Actor,
    ) -> Result<User> {
        let new = NewUser::parse(input, None)?;
        self.check_limits(&new).await?;
        users::password("password", password, &new.username)?;
        let hash = hash_password(password).await?;
        Ok(self.store.create_user(&new, &hash, actor).await?)
    }

    /// Changes a user. The last active admin cannot be disabled or lose the admin role,
    /// so the system never locks itself out.
    pub async fn update_user(&self, id: UserId, input: &UserInput, actor: &Actor) -> Result<User> {
        let before = self.user(id).await?;
        let new = NewUser::parse(input, Some(&before.fields))?;
        self.check_limits(&new).await?;
        let was_admin = before.fields.active && before.has_role(Role::Admin);
        let stays_admin = new.active && new.roles.contains(&Role::Admin);
        if was_admin && !stays_admin && self.active_admins().await? <= 1 {
            return Err(Error::Rule(
                "这是最后一个启用的管理员，不能停用或取消管理员角色 / this is the last active admin: it cannot be disabled or lose the admin role".into(),
            ));
        }
        Ok(self.store.update_user(id, &new, actor).await?)
    }

    /// Sets a user's password (by an admin, or by the user with their current password:
    /// the caller checks which). Ends the user's sessions.
    pub async fn set_password(&self, id: UserId, password: &str, actor: &Actor) -> Result<()> {
        let u = self.user(id).await?;
        users::password("password", password, &u.fields.username)?;
        let hash = hash_password(password).await?;
        Ok(self.store.set_password(id, &hash, actor).await?)
    }

    /// Changes one's own password after checking the current one.
    pub async fn change_own_password(
        &self,
        me: &User,
        current: &str,
        new: &str,
        client: &str,
    ) -> Result<()> {
        self.login(&me.fields.username, current, client)
            .await
            .map_err(|e| match e {
                Error::Unauthorized => {
                    Error::invalid("current_password", "当前密码不对 / wrong current password")
                }
                e => e,
            })?;
        self.set_password(me.id, new, &Actor(me.fields.username.clone()))
            .await
    }

    pub async fn user(&self, id: UserId) -> Result<User> {
        self.store
            .get_user(id)
            .await?
            .ok_or_else(|| Error::not_found("user", id))
    }

    pub async fn user_by_name(&self, username: &str) -> Result<User> {
        Ok(self
            .store
            .get_user_for_login(username)
            .await?
            .ok_or_else(|| Error::not_found("user", username))?
            .0)
    }

    pub async fn users(&self, filter: &ListFilter, page: &PageRequest) -> Result<Page<User>> {
        Ok(self.store.list_users(filter, page).await?)
    }

    async fn active_admins(&self) -> Result<usize> {
        let mut n = 0;
        let mut page = PageRequest::new(Some(1000), None, false)?;
        let filter = ListFilter {
            active: Some(true),
            sort: Sort::Id,
            ..Default::default()
        };
        loop {
            let p = self.store.list_users(&filter, &page).await?;
            n += p.items.iter().filter(|u| u.has_role(Role::Admin)).count();
            match p.next {
                Some(next) => page = PageRequest::new(Some(1000), Some(&next), false)?,
                None => return Ok(n),
            }
        }
    }

    /// The warehouses and shops a user is limited to must exist.
    async fn check_limits(&self, u: &NewUser) -> Result<()> {
        for (i, w) in u.warehouse_ids.iter().enumerate() {
            if self.store.get_warehouse(*w).await?.is_none() {
                return Err(Error::invalid(
                    format!("warehouse_ids[{i}]"),
                    format!("仓库 {w} 不存在 / warehouse {w} does not exist"),
                ));
            }
        }
        for (i, s) in u.shop_ids.iter().enumerate() {
            if self.store.get_shop(*s).await?.is_none() {
                return Err(Error::invalid(
                    format!("shop_ids[{i}]"),
                    format!("店铺 {s} 不存在 / shop {s} does not exist"),
                ));
            }
        }
        Ok(())
    }
}
