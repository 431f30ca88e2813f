//! The alert robots (钉钉, 飞书, 企业微信) against the robot simulator, which checks
//! signatures with its own reading of the spec and records what arrived.

use std::time::Duration;

use jxc_channels::robots::{Alert, Robot, RobotKind, RobotTarget, SECRET_FIELD, URL_FIELD, wecom};
use jxc_channels::{ChannelError, Options};
use jxc_sim::robots::{RobotFault, RobotPlatform, RobotsServer, RobotsState};

const DING: &str = "ding0123456789abcdef0123456789abcdef";
const DING_SECRET: &str = "SEC0123456789abcdef";
const FEISHU: &str = "6f1c2a3b-0000-4000-8000-feishu000001";
const FEISHU_SECRET: &str = "feishu-secret-1";
const WECOM: &str = "693a91f6-0000-4000-8000-wecom0000001";
const HOUR_MS: i64 = 3_600_000;

async fn sim() -> RobotsServer {
    let state = RobotsState::new();
    state.add_robot(RobotPlatform::DingTalk, DING, Some(DING_SECRET));
    state.add_robot(RobotPlatform::Feishu, FEISHU, Some(FEISHU_SECRET));
    state.add_robot(RobotPlatform::WeCom, WECOM, None);
    jxc_sim::robots::start(state).await.unwrap()
}

fn platform(kind: RobotKind) -> RobotPlatform {
    match kind {
        RobotKind::DingTalk => RobotPlatform::DingTalk,
        RobotKind::Feishu => RobotPlatform::Feishu,
        RobotKind::WeCom => RobotPlatform::WeCom,
    }
}

/// The token and secret of the sim's robot of `kind`.
fn account(kind: RobotKind) -> (&'static str, Option<&'static str>) {
    match kind {
        RobotKind::DingTalk => (DING, Some(DING_SECRET)),
        RobotKind::Feishu => (FEISHU, Some(FEISHU_SECRET)),
        RobotKind::WeCom => (WECOM, None),
    }
}

/// The robot of `kind` as a merchant sets it up: the sim's webhook URL, `secret`.
fn robot_with(server: &RobotsServer, kind: RobotKind, token: &str, secret: Option<&str>) -> Robot {
    let url = server.webhook_url(platform(kind), token);
    let target = RobotTarget::parse(kind, &url, secret).unwrap();
    Robot::new(target, &Options::default()).unwrap()
}

fn robot(server: &RobotsServer, kind: RobotKind) -> Robot {
    let (token, secret) = account(kind);
    robot_with(server, kind, token, secret)
}

const LINK: &str = "http://127.0.0.1:8080/stock?below=safety";

fn alert() -> Alert {
    Alert {
        title: "库存预警：2 个 SKU 低于安全库存".into(),
        text:
            "TS-BLK-L 纯棉T恤 黑色 L：可用 3，安全库存 10\nMUG-350 陶瓷马克杯：可用 0，安全库存 5"
                .into(),
        link: Some(LINK.into()),
    }
}

#[tokio::test]
async fn each_robot_delivers_the_alert_once_with_its_link() {
    let server = sim().await;
    for kind in RobotKind::ALL {
        robot(&server, kind).send(&alert()).await.unwrap();
        let (token, _) = account(kind);
        let got = server.state.received_by(token);
        assert_eq!(got.len(), 1, "{kind:?}");
        let m = &got[0];
        assert!(
            m.text.contains("库存预警：2 个 SKU 低于安全库存"),
            "{kind:?}: {}",
            m.text
        );
        assert!(
            m.text.contains("MUG-350 陶瓷马克杯：可用 0"),
            "{kind:?}: {}",
            m.text
        );
        match kind {
            RobotKind::DingTalk => {
                assert_eq!(m.msg_type, "markdown");
                assert_eq!(m.title.as_deref(), Some("库存预警：2 个 SKU 低于安全库存"));
                assert!(
                    m.text.contains(&format!("[在 jxc 中处理]({LINK})")),
                    "{}",
                    m.text
                );
            }
            RobotKind::Feishu => {
                assert_eq!(m.msg_type, "text");
                assert!(m.text.ends_with(&format!("\n{LINK}")), "{}", m.text);
            }
            RobotKind::WeCom => {
                assert_eq!(m.msg_type, "markdown");
                assert!(m.text.starts_with("**库存预警"), "{}", m.text);
                assert!(
                    m.text.contains(&format!("[在 jxc 中处理]({LINK})")),
                    "{}",
                    m.text
                );
            }
        }
    }
    let stats = server.state.stats();
    assert_eq!(
        (stats.requests, stats.accepted, stats.bad_signatures),
        (3, 3, 0)
    );
}

#[tokio::test]
async fn robots_without_a_secret_send_unsigned() {
    let server = sim().await;
    server
        .state
        .add_robot(RobotPlatform::DingTalk, "ding-keywords-only", None);
    server
        .state
        .add_robot(RobotPlatform::Feishu, "feishu-open", None);
    robot_with(&server, RobotKind::DingTalk, "ding-keywords-only", None)
        .send(&alert())
        .await
        .unwrap();
    robot_with(&server, RobotKind::Feishu, "feishu-open", None)
        .send(&alert())
        .await
        .unwrap();
    assert_eq!(server.state.received().len(), 2);
    // A robot that signs refuses an unsigned message.
    let e = robot_with(&server, RobotKind::DingTalk, DING, None)
        .send(&alert())
        .await
        .unwrap_err();
    assert!(matches!(e, ChannelError::Unauthorized(_)), "{e:?}");
}

#[tokio::test]
async fn a_wrong_secret_is_unauthorized_and_nothing_arrives() {
    let server = sim().await;
    for (kind, wrong) in [
        (RobotKind::DingTalk, "SECwrong"),
        (RobotKind::Feishu, "wrong-secret"),
    ] {
        let (token, _) = account(kind);
        let e = robot_with(&server, kind, token, Some(wrong))
            .send(&alert())
            .await
            .unwrap_err();
        match &e {
            ChannelError::Unauthorized(m) => {
                let code = if kind == RobotKind::DingTalk {
                    "310000"
                } else {
                    "19021"
                };
                assert!(m.contains(code), "{m}");
            }
            other => panic!("{kind:?}: expected Unauthorized, got {other:?}"),
        }
        assert!(!e.retryable());
    }
    assert!(server.state.received().is_empty());
    assert_eq!(server.state.stats().bad_signatures, 2);
}

#[tokio::test]
async fn a_timestamp_over_an_hour_off_is_refused() {
    let server = sim().await;
    let now = chrono::Utc::now().timestamp_millis();
    for kind in [RobotKind::DingTalk, RobotKind::Feishu] {
        let r = robot(&server, kind);
        let e = r
            .send_at(&alert(), now - HOUR_MS - 60_000)
            .await
            .unwrap_err();
        assert!(
            matches!(e, ChannelError::Unauthorized(_)),
            "{kind:?}: {e:?}"
        );
        // Within the hour is fine.
        r.send_at(&alert(), now - HOUR_MS + 60_000).await.unwrap();
    }
    assert_eq!(server.state.received().len(), 2);
}

#[tokio::test]
async fn an_unknown_token_is_unauthorized_and_never_shown_in_the_error() {
    let server = sim().await;
    let token = "0000aaaa1111bbbb2222cccc3333dddd";
    for (kind, code) in [
        (RobotKind::DingTalk, "300005"),
        (RobotKind::Feishu, "19001"),
        (RobotKind::WeCom, "93000"),
    ] {
        let e = robot_with(&server, kind, token, None)
            .send(&alert())
            .await
            .unwrap_err();
        let ChannelError::Unauthorized(m) = &e else {
            panic!("{kind:?}: expected Unauthorized, got {e:?}");
        };
        assert!(m.contains(code), "{m}");
        assert!(!m.contains(token), "{m}");
    }
    assert_eq!(server.state.stats().unknown_tokens, 3);
}

#[tokio::test]
async fn wecom_takes_20_a_minute_then_rate_limits() {
    let server = sim().await;
    let t0 = 1_700_000_000_000;
    server.state.set_clock(Some(t0));
    let r = robot(&server, RobotKind::WeCom);
    for _ in 0..20 {
        r.send(&alert()).await.unwrap();
    }
    let e = r.send(&alert()).await.unwrap_err();
    assert!(e.retryable());
    assert!(
        matches!(&e, ChannelError::RateLimited { message, retry_after: Some(d) }
            if message.contains("45009") && *d == Duration::from_secs(60)),
        "{e:?}"
    );
    assert_eq!(server.state.received_by(WECOM).len(), 20);
    // A minute later it takes messages again.
    server.state.set_clock(Some(t0 + 60_000));
    r.send(&alert()).await.unwrap();
    assert_eq!(server.state.received_by(WECOM).len(), 21);
}

#[tokio::test]
async fn injected_rate_limits_and_5xx_are_retryable() {
    let server = sim().await;
    for kind in RobotKind::ALL {
        let r = robot(&server, kind);
        for fault in [
            RobotFault::RateLimited,
            RobotFault::TooManyRequests,
            RobotFault::ServerError,
        ] {
            server.state.inject(fault, 1);
            let e = r.send(&alert()).await.unwrap_err();
            assert!(e.retryable(), "{kind:?} {fault:?}: {e:?}");
            let want_rate_limited = fault != RobotFault::ServerError;
            assert_eq!(
                matches!(e, ChannelError::RateLimited { .. }),
                want_rate_limited,
                "{kind:?} {fault:?}: {e:?}"
            );
        }
        // The fault is over: the next one arrives.
        r.send(&alert()).await.unwrap();
    }
    assert_eq!(server.state.received().len(), 3);
    assert_eq!(server.state.stats().faults, 9);
}

#[tokio::test]
async fn garbage_is_malformed_with_the_body_kept() {
    let server = sim().await;
    for kind in RobotKind::ALL {
        server.state.inject(RobotFault::Garbage, 1);
        match robot(&server, kind).send(&alert()).await {
            Err(ChannelError::Malformed { raw, .. }) => {
                assert!(raw.contains("502 Bad Gateway"), "{raw}")
            }
            other => panic!("{kind:?}: expected Malformed, got {other:?}"),
        }
    }
    assert!(server.state.received().is_empty());
}

#[tokio::test]
async fn a_long_wecom_alert_is_cut_to_fit_and_still_arrives() {
    let server = sim().await;
    let text: String = (0..500)
        .map(|i| format!("SKU-{i:03} 纯棉T恤 可用 0，安全库存 10\n"))
        .collect();
    robot(&server, RobotKind::WeCom)
        .send(&Alert { text, ..alert() })
        .await
        .unwrap();
    let m = &server.state.received_by(WECOM)[0];
    assert!(
        m.text.len() <= wecom::MAX_MARKDOWN_BYTES,
        "{}",
        m.text.len()
    );
    assert!(m.text.ends_with(&format!("…\n[在 jxc 中处理]({LINK})")));
}

#[tokio::test]
async fn config_errors_name_the_field() {
    let server = sim().await;
    let wecom_url = server.webhook_url(RobotPlatform::WeCom, WECOM);
    let e = RobotTarget::parse(RobotKind::WeCom, &wecom_url, Some("SECx")).unwrap_err();
    assert_eq!(e.field, SECRET_FIELD);
    let e = RobotTarget::parse(RobotKind::DingTalk, &wecom_url, None).unwrap_err();
    assert_eq!(e.field, URL_FIELD);
    assert!(e.reason.contains("企业微信"), "{e}");
    let ding_url = server.webhook_url(RobotPlatform::DingTalk, DING);
    let e = RobotTarget::parse(RobotKind::DingTalk, &ding_url, Some("not-SEC")).unwrap_err();
    assert_eq!(e.field, SECRET_FIELD);
    let e = RobotTarget::parse(
        RobotKind::DingTalk,
        &format!("{}/robot/send", server.base_url),
        None,
    )
    .unwrap_err();
    assert_eq!(e.field, URL_FIELD);
    assert!(e.reason.contains("access_token"), "{e}");
    // Another machine over plain http would expose the token.
    let e = RobotTarget::parse(
        RobotKind::DingTalk,
        "http://10.0.0.8/robot/send?access_token=a",
        None,
    )
    .unwrap_err();
    assert_eq!(e.field, URL_FIELD);
}
