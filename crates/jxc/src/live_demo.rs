//! The live demo: `jxc serve --demo` starts a simulator for each of six platforms (Taobao,
//! JD, Pinduoduo, Douyin, Shopify, WooCommerce), points one demo shop at each, and turns
//! on its sync every 10 seconds. The simulated shops sell the demo catalog; their clocks
//! follow the wall clock, so new orders, payments, refunds and address edits arrive as
//! you watch. Shopify, WooCommerce and Douyin also push signed webhooks to
//! `/hooks/{shop}`. Nothing here is a fake path: the real adapters talk to simulators
//! that check signatures as the platforms do.

use std::time::Duration;

use anyhow::{Context, Result};
use jxc_app::App;
use jxc_core::ids::ShopId;
use jxc_core::paging::PageRequest;
use jxc_core::partners::ShopInput;
use jxc_sim::{SimCredentials, SimProduct, SimServer, SimState};
use jxc_store::{Actor, ListFilter, SkuFilter};

/// The running simulators (they stop when this is dropped).
pub struct LiveDemo {
    pub servers: Vec<(String, SimServer)>,
}

const SHOPS: [(&str, &str, &str); 6] = [
    ("TB01", "简初服饰淘宝店", "taobao"),
    ("JD01", "简初京东旗舰店", "jd"),
    ("PDD01", "简初拼多多旗舰店", "pdd"),
    ("DY01", "简初抖音官方旗舰店", "douyin"),
    ("SHOPIFY01", "Jianchu Shopify", "shopify"),
    ("WOO01", "简初独立站 WooCommerce", "woocommerce"),
];

/// Starts the simulators and points the demo shops at them. `public_base` is where this
/// server listens (for webhooks).
pub async fn start(app: &App, public_base: &str) -> Result<LiveDemo> {
    let actor = Actor::system("demo");
    let products = products(app).await?;
    let now = chrono::Utc::now().timestamp_millis() as u64;
    let mut servers = Vec::new();
    for (i, (code, name, platform)) in SHOPS.iter().enumerate() {
        let shop = shop_id(app, code, name, platform, &actor).await?;
        let world = jxc_sim::live_world(now ^ ((i as u64 + 1) << 40), products.clone(), 360);
        let state = SimState {
            world,
            credentials: SimCredentials::default(),
        };
        let server = jxc_sim::start(platform, state.clone())
            .await
            .with_context(|| format!("cannot start the {platform} simulator"))?;
        let credentials = state.credentials.for_shop(platform, &server.base_url);
        app.update_shop(
            shop,
            &ShopInput {
                credentials: Some(credentials),
                active: Some(true),
                ..Default::default()
            },
            &actor,
        )
        .await?;
        app.store.set_shop_sync(shop, true, 10, &actor).await?;
        let hook = format!("{public_base}/hooks/{}", shop.0);
        jxc_sim::spawn_webhooks(platform, state.clone(), hook, Duration::from_secs(5));
        servers.push((code.to_string(), server));
    }
    Ok(LiveDemo { servers })
}

/// The demo shop with `code`, created if missing.
async fn shop_id(
    app: &App,
    code: &str,
    name: &str,
    platform: &str,
    actor: &Actor,
) -> Result<ShopId> {
    let shops = app
        .shops(
            &ListFilter {
                q: Some(code.into()),
                ..Default::default()
            },
            &PageRequest::default(),
        )
        .await?;
    if let Some(s) = shops.items.iter().find(|s| s.fields.code == code) {
        return Ok(s.id);
    }
    Ok(app
        .create_shop(
            &ShopInput {
                code: Some(code.into()),
                name: Some(name.into()),
                platform: Some(platform.into()),
                active: Some(true),
                ..Default::default()
            },
            actor,
        )
        .await?
        .id)
}

/// What the simulated shops sell: the demo's active single SKUs (not bundles).
async fn products(app: &App) -> Result<Vec<SimProduct>> {
    let page = app
        .store
        .list_skus(
            &SkuFilter {
                list: ListFilter {
                    active: Some(true),
                    ..Default::default()
                },
                is_bundle: Some(false),
                ..Default::default()
            },
            &PageRequest {
                limit: 40,
                ..Default::default()
            },
        )
        .await?;
    let v: Vec<SimProduct> = page
        .items
        .iter()
        .filter(|s| s.fields.list_price.0 > 0)
        .map(|s| SimProduct {
            sku_code: s.fields.code.clone(),
            title: s.fields.name.clone(),
            spec: [s.fields.color.as_str(), s.fields.size.as_str()]
                .iter()
                .filter(|x| !x.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" "),
            price_fen: s.fields.list_price.0,
        })
        .collect();
    if v.is_empty() {
        anyhow::bail!("the demo catalog has no SKUs to sell");
    }
    Ok(v)
}
