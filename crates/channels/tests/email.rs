//! Email alerts against the SMTP simulator (plain TCP, so security `none` to 127.0.0.1).

use std::time::Duration;

use jxc_channels::email::{EmailConfig, EmailInput, Mailer};
use jxc_channels::robots::Alert;
use jxc_channels::{ChannelError, Options};
use jxc_sim::smtp::{AuthMechanism, SmtpServer, SmtpState};

const USER: &str = "alerts@shop.example";
const PASSWORD: &str = "app-password-1";

fn input(server: &SmtpServer) -> EmailInput {
    EmailInput {
        host: server.host.clone(),
        port: server.port.to_string(),
        security: "none".into(),
        username: USER.into(),
        password: PASSWORD.into(),
        from: "小店库存告警 <alerts@shop.example>".into(),
        to: "boss@shop.example；stock@shop.example".into(),
    }
}

fn mailer(input: &EmailInput) -> Mailer {
    let options = Options {
        timeout: Duration::from_secs(10),
    };
    Mailer::new(EmailConfig::parse(input).unwrap(), &options).unwrap()
}

fn alert() -> Alert {
    Alert {
        title: "库存预警：2 个 SKU 低于安全库存".into(),
        text:
            "TS-BLK-L 纯棉T恤 黑色 L：可用 3，安全库存 10\nMUG-350 陶瓷马克杯：可用 0，安全库存 5"
                .into(),
        link: Some("http://127.0.0.1:8080/stock?below=safety".into()),
    }
}

#[tokio::test]
async fn an_alert_arrives_with_its_chinese_subject_and_body() {
    let server = jxc_sim::smtp::start(SmtpState::with_login(USER, PASSWORD))
        .await
        .unwrap();
    mailer(&input(&server)).send(&alert()).await.unwrap();
    let got = server.state.messages();
    assert_eq!(got.len(), 1);
    let m = &got[0];
    assert_eq!(m.user.as_deref(), Some(USER));
    assert_eq!(m.mail_from, "alerts@shop.example");
    assert_eq!(m.rcpt_to, ["boss@shop.example", "stock@shop.example"]);
    assert!(m.data.is_ascii(), "the message is 7-bit on the wire");
    assert_eq!(
        m.subject().as_deref(),
        Some("库存预警：2 个 SKU 低于安全库存")
    );
    assert_eq!(
        m.body_text().as_deref(),
        Some(
            "TS-BLK-L 纯棉T恤 黑色 L：可用 3，安全库存 10\nMUG-350 陶瓷马克杯：可用 0，安全库存 5\n\nhttp://127.0.0.1:8080/stock?below=safety\n"
        )
    );
    let content_type = m.header("Content-Type").unwrap();
    assert!(content_type.contains("charset=utf-8"), "{content_type}");
    let to = m.header("To").unwrap();
    assert!(
        to.contains("boss@shop.example") && to.contains("stock@shop.example"),
        "{to}"
    );
    assert!(m.header("From").unwrap().contains("alerts@shop.example"));
}

#[tokio::test]
async fn auth_login_works_where_plain_is_not_offered() {
    let server = jxc_sim::smtp::start(
        SmtpState::with_login(USER, PASSWORD).offering(&[AuthMechanism::Login]),
    )
    .await
    .unwrap();
    mailer(&input(&server)).send(&alert()).await.unwrap();
    assert_eq!(server.state.messages()[0].user.as_deref(), Some(USER));
}

#[tokio::test]
async fn a_wrong_password_is_a_clear_unauthorized_error() {
    let server = jxc_sim::smtp::start(SmtpState::with_login(USER, PASSWORD))
        .await
        .unwrap();
    let e = mailer(&EmailInput {
        password: "wrong".into(),
        ..input(&server)
    })
    .send(&alert())
    .await
    .unwrap_err();
    match &e {
        ChannelError::Unauthorized(m) => {
            assert!(m.contains("535"), "{m}");
            assert!(m.contains("授权码"), "{m}");
        }
        other => panic!("expected Unauthorized, got {other:?}"),
    }
    assert!(!e.retryable());
    assert!(server.state.messages().is_empty());
    assert_eq!(server.state.stats().auth_failures, 1);
}

#[tokio::test]
async fn a_server_that_wants_a_login_refuses_mail_without_one() {
    let server = jxc_sim::smtp::start(SmtpState::with_login(USER, PASSWORD))
        .await
        .unwrap();
    let e = mailer(&EmailInput {
        username: "".into(),
        password: "".into(),
        ..input(&server)
    })
    .send(&alert())
    .await
    .unwrap_err();
    assert!(
        matches!(&e, ChannelError::Unauthorized(m) if m.contains("530")),
        "{e:?}"
    );
}

#[tokio::test]
async fn an_open_relay_takes_mail_without_a_login() {
    let server = jxc_sim::smtp::start(SmtpState::open()).await.unwrap();
    mailer(&EmailInput {
        username: "".into(),
        password: "".into(),
        ..input(&server)
    })
    .send(&alert())
    .await
    .unwrap();
    assert_eq!(server.state.messages()[0].user, None);
}

#[tokio::test]
async fn a_deferred_message_is_retryable_and_goes_through_next_time() {
    let server = jxc_sim::smtp::start(SmtpState::with_login(USER, PASSWORD))
        .await
        .unwrap();
    server.state.fail_next(1);
    let m = mailer(&input(&server));
    let e = m.send(&alert()).await.unwrap_err();
    assert!(
        matches!(&e, ChannelError::Network(msg) if msg.contains("451")),
        "{e:?}"
    );
    assert!(e.retryable());
    m.send(&alert()).await.unwrap();
    assert_eq!(server.state.messages().len(), 1);
    assert_eq!(server.state.stats().deferred, 1);
}

#[tokio::test]
async fn starttls_required_refuses_a_server_without_it_before_logging_in() {
    let server = jxc_sim::smtp::start(SmtpState::with_login(USER, PASSWORD))
        .await
        .unwrap();
    let e = mailer(&EmailInput {
        security: "starttls".into(),
        ..input(&server)
    })
    .send(&alert())
    .await
    .unwrap_err();
    assert!(!e.retryable(), "{e:?}");
    assert!(matches!(e, ChannelError::Platform { .. }), "{e:?}");
    // No password crossed the wire in plain text.
    assert_eq!(server.state.stats().auth_failures, 0);
    assert!(server.state.messages().is_empty());
}

#[tokio::test]
async fn nobody_listening_is_a_network_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let e = mailer(&EmailInput {
        host: "127.0.0.1".into(),
        port: port.to_string(),
        security: "none".into(),
        username: "".into(),
        password: "".into(),
        from: USER.into(),
        to: "boss@shop.example".into(),
    })
    .send(&alert())
    .await
    .unwrap_err();
    assert!(matches!(e, ChannelError::Network(_)), "{e:?}");
    assert!(e.retryable());
}

#[test]
fn config_errors_name_the_field() {
    let e = EmailConfig::parse(&EmailInput {
        host: "".into(),
        port: "abc".into(),
        security: "none".into(),
        username: "".into(),
        password: "".into(),
        from: "alerts".into(),
        to: "".into(),
    })
    .unwrap_err();
    let jxc_core::Error::Invalid(errors) = e else {
        panic!("expected field errors, got {e:?}");
    };
    let fields: Vec<&str> = errors.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["host", "port", "from", "to"]);
    assert!(errors.iter().all(|f| !f.reason.is_empty()));
}
