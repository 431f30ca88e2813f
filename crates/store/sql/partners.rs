//! 供应商, 客户 (one table, told apart by `kind`) and 店铺.

use async_trait::async_trait;
use jxc_core::ids::ShopId;
use jxc_core::paging::{Page, PageRequest};
use jxc_core::partners::{Credentials, NewPartner, NewShop, Partner, PartnerKind, Platform, Shop};
use jxc_store::{Actor, ListFilter, PartnerStore, Result, StoreError};

use super::SqlStore;
use super::records::{self, Record, Scope};
use super::util::*;

impl Record for Partner {
    type New = NewPartner;
    const TABLE: &'static str = "partners";
    const ENTITY: &'static str = "partner";
    const COLUMNS: &'static [&'static str] = &[
        "code", "name", "contact", "phone", "email", "address", "tax_id", "active",
    ];
    fn values(p: &NewPartner) -> Vec<Val> {
        vec![
            p.code.as_str().into(),
            p.name.as_str().into(),
            p.contact.as_str().into(),
            p.phone.as_str().into(),
            p.email.as_str().into(),
            p.address.as_str().into(),
            p.tax_id.as_str().into(),
            p.active.into(),
        ]
    }
    fn from_row(r: &Row) -> Result<Self> {
        let kind = match col::<String>(r, "kind")?.as_str() {
            "supplier" => PartnerKind::Supplier,
            _ => PartnerKind::Customer,
        };
        Ok(Partner {
            id: col(r, "id")?,
            kind,
            fields: NewPartner {
                code: col(r, "code")?,
                name: col(r, "name")?,
                contact: col(r, "contact")?,
                phone: col(r, "phone")?,
                email: col(r, "email")?,
                address: col(r, "address")?,
                tax_id: col(r, "tax_id")?,
                active: col(r, "active")?,
            },
        })
    }
    fn new_of(&self) -> &NewPartner {
        &self.fields
    }
}

fn kind_scope(kind: PartnerKind) -> Scope {
    Scope(Some(("kind", kind.as_str().into())))
}

impl Record for Shop {
    type New = NewShop;
    const TABLE: &'static str = "shops";
    const ENTITY: &'static str = "shop";
    const COLUMNS: &'static [&'static str] = &["code", "name", "platform", "credentials", "active"];
    fn values(s: &NewShop) -> Vec<Val> {
        vec![
            s.code.as_str().into(),
            s.name.as_str().into(),
            s.platform.as_str().into(),
            s.credentials.0.to_string().into(),
            s.active.into(),
        ]
    }
    fn from_row(r: &Row) -> Result<Self> {
        let platform = Platform::parse("platform", &col::<String>(r, "platform")?)
            .map_err(|_| StoreError::Database("stored shop has an invalid platform".into()))?;
        let credentials = Credentials(
            serde_json::from_str(&col::<String>(r, "credentials")?).unwrap_or_default(),
        );
        Ok(Shop {
            id: ShopId(col(r, "id")?),
            has_credentials: credentials.is_set(),
            fields: NewShop {
                code: col(r, "code")?,
                name: col(r, "name")?,
                platform,
                credentials,
                active: col(r, "active")?,
            },
        })
    }
    fn new_of(&self) -> &NewShop {
        &self.fields
    }
}

#[async_trait]
impl PartnerStore for SqlStore {
    async fn create_partner(
        &self,
        kind: PartnerKind,
        p: &NewPartner,
        actor: &Actor,
    ) -> Result<Partner> {
        records::create::<Partner>(&self.write, p, &kind_scope(kind), actor).await
    }

    async fn update_partner(
        &self,
        kind: PartnerKind,
        id: i64,
        p: &NewPartner,
        actor: &Actor,
    ) -> Result<Partner> {
        records::modify::<Partner>(&self.write, id, p, &kind_scope(kind), actor).await
    }

    async fn get_partner(&self, kind: PartnerKind, id: i64) -> Result<Option<Partner>> {
        records::get::<Partner>(&mut *self.read.acquire().await.db()?, id, &kind_scope(kind)).await
    }

    async fn list_partners(
        &self,
        kind: PartnerKind,
        f: &ListFilter,
        page: &PageRequest,
    ) -> Result<Page<Partner>> {
        records::list::<Partner>(
            &mut *self.read.acquire().await.db()?,
            f,
            &kind_scope(kind),
            page,
            |_| {},
        )
        .await
    }

    async fn create_shop(&self, s: &NewShop, actor: &Actor) -> Result<Shop> {
        records::create::<Shop>(&self.write, s, &Scope::default(), actor).await
    }

    async fn update_shop(&self, id: ShopId, s: &NewShop, actor: &Actor) -> Result<Shop> {
        records::modify::<Shop>(&self.write, id.0, s, &Scope::default(), actor).await
    }

    async fn get_shop(&self, id: ShopId) -> Result<Option<Shop>> {
        records::get::<Shop>(
            &mut *self.read.acquire().await.db()?,
            id.0,
            &Scope::default(),
        )
        .await
    }

    async fn list_shops(&self, f: &ListFilter, page: &PageRequest) -> Result<Page<Shop>> {
        records::list::<Shop>(
            &mut *self.read.acquire().await.db()?,
            f,
            &Scope::default(),
            page,
            |_| {},
        )
        .await
    }
}
