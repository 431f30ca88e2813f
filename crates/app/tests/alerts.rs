//! 预警 end to end, on SQLite and PostgreSQL: a SKU falls under its safety stock and one
//! signed message reaches each chat robot simulator (钉钉, 飞书, 企业微信) and the SMTP
//! simulator — once, however often the alerts are evaluated while the cause persists.
//! Restocking closes the alert; falling again tells them again. A robot that is down is
//! retried by the schedule; a count whose variance is over the threshold raises its own
//! alert.

use jxc_app::alerts::ChannelInput;
use jxc_app::{Actor, App};
use jxc_core::alerts::{AlertKind, AlertSettings, StockLevelInput};
use jxc_core::catalog::SkuInput;
use jxc_core::inventory::{DocumentInput, DocumentKind, LineInput};
use jxc_core::users::{NewUser, Role, User, UserInput};
use jxc_core::warehouses::WarehouseInput;
use jxc_sim::robots::{RobotFault, RobotPlatform, RobotsState};
use jxc_sim::smtp::SmtpState;
use jxc_store::AlertFilter;

fn actor() -> Actor {
    Actor::system("test")
}

fn admin() -> User {
    User {
        id: jxc_core::ids::UserId(1),
        fields: NewUser::parse(
            &UserInput {
                username: Some("tester".into()),
                roles: Some(vec![Role::Admin.as_str().into()]),
                ..Default::default()
            },
            None,
        )
        .unwrap(),
        last_login_at: None,
    }
}

async fn sqlite() -> (App, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("a.db").display());
    (App::open(&url).await.unwrap(), dir)
}

async fn postgres() -> (App, tempfile::TempDir) {
    let base = std::env::var("JXC_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let schema = format!(
        "jxc_alerts_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    let url = jxc_app::fresh_postgres_schema(&base, &schema)
        .await
        .unwrap();
    (App::open(&url).await.unwrap(), tempfile::tempdir().unwrap())
}

async fn post(app: &App, kind: DocumentKind, wh: i64, sku: i64, qty: i64) {
    app.post_document(
        kind,
        &DocumentInput {
            warehouse_id: wh,
            lines: vec![LineInput {
                sku_id: sku,
                qty,
                unit_cost: (kind == DocumentKind::Receipt).then_some(1200),
                ..Default::default()
            }],
            ..Default::default()
        },
        &actor(),
    )
    .await
    .unwrap();
}

async fn open_alerts(app: &App) -> Vec<jxc_store::Alert> {
    app.store
        .list_alerts(
            &AlertFilter {
                open: Some(true),
                ..Default::default()
            },
            &Default::default(),
        )
        .await
        .unwrap()
        .items
}

async fn low_stock_reaches_every_robot_once(app: App) {
    let robots = RobotsState::new();
    robots.add_robot(
        RobotPlatform::DingTalk,
        "ding-token",
        Some("SECding-secret"),
    );
    robots.add_robot(RobotPlatform::Feishu, "feishu-token", Some("feishu-secret"));
    robots.add_robot(RobotPlatform::WeCom, "wecom-key", None);
    let server = jxc_sim::robots::start(robots.clone()).await.unwrap();
    let smtp = jxc_sim::smtp::start(SmtpState::with_login("alerts", "mail-pass"))
        .await
        .unwrap();
    for (kind, platform, token, secret) in [
        (
            "dingtalk",
            RobotPlatform::DingTalk,
            "ding-token",
            "SECding-secret",
        ),
        (
            "feishu",
            RobotPlatform::Feishu,
            "feishu-token",
            "feishu-secret",
        ),
        ("wecom", RobotPlatform::WeCom, "wecom-key", ""),
    ] {
        app.save_alert_channel(
            None,
            &ChannelInput {
                name: format!("{kind} 仓库群"),
                kind: kind.into(),
                webhook_url: server.webhook_url(platform, token),
                secret: secret.into(),
                kinds: vec!["low_stock".into()],
                active: true,
                ..Default::default()
            },
            &actor(),
        )
        .await
        .unwrap();
    }
    app.save_alert_channel(
        None,
        &ChannelInput {
            name: "采购邮件".into(),
            kind: "email".into(),
            smtp_host: smtp.host.clone(),
            smtp_port: smtp.port.to_string(),
            smtp_security: "none".into(),
            smtp_username: "alerts".into(),
            smtp_password: "mail-pass".into(),
            mail_from: "jxc <alerts@shop.example.cn>".into(),
            mail_to: "buyer@shop.example.cn".into(),
            active: true,
            ..Default::default()
        },
        &actor(),
    )
    .await
    .unwrap();
    app.set_alerts_base_url("https://erp.shop.example.cn/", &actor())
        .await
        .unwrap();
    // Secrets are never shown back.
    let views = app.alert_channels().await.unwrap();
    assert_eq!(views.len(), 4);
    assert!(views.iter().all(|v| !v.target.contains("ding-token")));

    let wh = app
        .create_warehouse(
            &WarehouseInput {
                code: Some("HZ".into()),
                name: Some("杭州仓".into()),
                ..Default::default()
            },
            &actor(),
        )
        .await
        .unwrap()
        .id
        .0;
    let tee = app
        .create_sku(
            &SkuInput {
                code: Some("TEE".into()),
                name: Some("T恤".into()),
                ..Default::default()
            },
            &actor(),
        )
        .await
        .unwrap()
        .id
        .0;
    post(&app, DocumentKind::Receipt, wh, tee, 20).await;
    app.set_stock_level(
        &admin(),
        &StockLevelInput {
            sku_id: tee,
            warehouse_id: wh,
            min_qty: Some(10),
            ..Default::default()
        },
        &actor(),
    )
    .await
    .unwrap();
    assert!(open_alerts(&app).await.is_empty());

    // A sale takes it under 10: the stock change itself raises the alert and sends it.
    post(&app, DocumentKind::Issue, wh, tee, 12).await;
    let open = open_alerts(&app).await;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].kind, AlertKind::LowStock);
    for token in ["ding-token", "feishu-token", "wecom-key"] {
        let got = robots.received_by(token);
        assert_eq!(got.len(), 1, "{token}: {got:?}");
        assert!(got[0].text.contains("TEE"), "{token}: {}", got[0].text);
        assert!(
            got[0]
                .text
                .contains("https://erp.shop.example.cn/stock?q=TEE"),
            "{token} links to the page that fixes it: {}",
            got[0].text
        );
    }
    assert_eq!(robots.stats().bad_signatures, 0);
    let mails = smtp.state.messages();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].subject().unwrap().contains("低于安全库存"));

    // Evaluated again and again while it persists: nobody is told twice.
    for _ in 0..3 {
        let s = app.evaluate_alerts(None).await.unwrap();
        assert_eq!((s.opened.len(), s.still_open), (0, 1));
    }
    post(&app, DocumentKind::Issue, wh, tee, 1).await;
    assert_eq!(robots.received().len(), 3);

    // Restocked: closed. Low again, with WeCom down: told again, WeCom on a retry.
    post(&app, DocumentKind::Receipt, wh, tee, 10).await;
    assert!(open_alerts(&app).await.is_empty());
    robots.inject(RobotFault::ServerError, 1);
    post(&app, DocumentKind::Issue, wh, tee, 10).await;
    let told: usize = ["ding-token", "feishu-token", "wecom-key"]
        .iter()
        .map(|t| robots.received_by(t).len())
        .sum();
    assert_eq!(told, 5, "one of the three failed");
    assert_eq!(app.retry_alert_deliveries().await.unwrap(), 1);
    for token in ["ding-token", "feishu-token", "wecom-key"] {
        assert_eq!(robots.received_by(token).len(), 2, "{token}");
    }
    assert_eq!(app.retry_alert_deliveries().await.unwrap(), 0);

    // 账实不符: a clean ledger raises nothing.
    assert!(app.check_alert().await.unwrap().opened.is_empty());
    assert!(app.check().await.unwrap().differences.is_empty());
}

#[tokio::test]
async fn low_stock_reaches_every_robot_once_on_sqlite() {
    let (app, _dir) = sqlite().await;
    low_stock_reaches_every_robot_once(app).await;
}

#[tokio::test]
async fn low_stock_reaches_every_robot_once_on_postgres() {
    let (app, _dir) = postgres().await;
    low_stock_reaches_every_robot_once(app).await;
}

#[tokio::test]
async fn settings_and_channels_refuse_bad_input_by_field() {
    let (app, _dir) = sqlite().await;
    let e = app
        .set_alert_settings(
            &AlertSettings {
                near_expiry_days: -1,
                ..Default::default()
            },
            &actor(),
        )
        .await
        .unwrap_err();
    assert!(matches!(&e, jxc_app::Error::Invalid(v) if v[0].field == "near_expiry_days"));
    let e = app
        .save_alert_channel(
            None,
            &ChannelInput {
                name: "群".into(),
                kind: "dingtalk".into(),
                webhook_url: "https://open.feishu.cn/open-apis/bot/v2/hook/x".into(),
                ..Default::default()
            },
            &actor(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&e, jxc_app::Error::Invalid(v) if v[0].field == "webhook_url"),
        "{e}"
    );
    let e = app
        .save_alert_channel(None, &ChannelInput::default(), &actor())
        .await
        .unwrap_err();
    let jxc_app::Error::Invalid(v) = e else {
        panic!()
    };
    let fields: Vec<&str> = v.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, vec!["name", "kind"]);
}
