//! 邮件告警: an alert sent by SMTP (lettre, on tokio, TLS by rustls).
//!
//! The merchant fills in the outgoing server (发件服务器) of a mailbox: host, port,
//! security, the login (for QQ and 163 mail: the address and the 授权码 the mailbox's
//! settings give, not the web password), the sender and the recipients.
//! [`EmailConfig::parse`] checks every field and reports all the wrong ones at once, each
//! by its field name (`host`, `port`, `security`, `username`, `password`, `from`, `to`).
//!
//! [`Mailer::send`] sends one plain-text UTF-8 message to every recipient at once: the
//! subject is the alert's title (lettre encodes it per RFC 2047), the body the detail lines,
//! then the link on a line of its own.
//!
//! Security ([`Security`]): `tls` speaks TLS from the first byte (port 465, "SSL");
//! `starttls` upgrades a plain connection and refuses to go on if the server cannot (587);
//! `none` is plain text (25), for a relay on this machine or the LAN — with a login only
//! to this machine, since the password would otherwise cross the network readable.
//!
//! Errors ([`ChannelError`]): the server refusing the login (530, 534, 535, 538) is
//! `Unauthorized`; a 4xx answer ("try later"), a timeout or a refused connection is
//! `Network` (retryable); another 5xx is `Platform` with code `smtp-<code>`; a TLS failure
//! (an untrusted certificate, a server without STARTTLS) is `Platform` `smtp-tls` or
//! `smtp-client`, with lettre's words.

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};

use jxc_core::error::Errors;
use jxc_core::{Error, FieldError};
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::robots::Alert;
use crate::{ChannelError, Options};

/// At most this many recipients in one alert.
pub const MAX_RECIPIENTS: usize = 50;

/// How the connection to the server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Security {
    /// Plain text (不加密).
    None,
    /// Plain, then upgraded with STARTTLS; no upgrade, no mail.
    StartTls,
    /// TLS from the start (SSL/TLS, "SMTPS").
    Tls,
}

impl Security {
    /// `none`, `starttls`, `tls`: how it is stored.
    pub fn code(self) -> &'static str {
        match self {
            Security::None => "none",
            Security::StartTls => "starttls",
            Security::Tls => "tls",
        }
    }

    /// The usual port of the mode: 25, 587, 465.
    pub fn default_port(self) -> u16 {
        match self {
            Security::None => 25,
            Security::StartTls => 587,
            Security::Tls => 465,
        }
    }

    /// A code or a name as mail programs write it (`SSL`, `SSL/TLS`, `不加密`, …).
    pub fn parse(field: &str, s: &str) -> Result<Security, FieldError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" | "plain" | "无" | "不加密" => Ok(Security::None),
            "starttls" | "start_tls" | "start-tls" => Ok(Security::StartTls),
            "tls" | "ssl" | "ssl/tls" | "smtps" => Ok(Security::Tls),
            "" => Err(FieldError::new(
                field,
                "请选择加密方式 / choose the security (none, STARTTLS or TLS)",
            )),
            other => Err(FieldError::new(
                field,
                format!("未知的加密方式 {other} (应为 none、starttls 或 tls) / unknown security"),
            )),
        }
    }
}

/// The form as posted: every field as typed.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct EmailInput {
    pub host: String,
    /// Empty: the security mode's usual port.
    pub port: String,
    pub security: String,
    /// Empty with an empty password: the server takes mail without a login.
    pub username: String,
    pub password: String,
    /// `a@b.cn` or `名字 <a@b.cn>`.
    pub from: String,
    /// One or more addresses, separated by `,` `;` `，` `；` or new lines.
    pub to: String,
}

impl std::fmt::Debug for EmailInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailInput")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &"***")
            .field("from", &self.from)
            .field("to", &self.to)
            .finish()
    }
}

/// A checked SMTP setup.
#[derive(Clone, PartialEq, Eq)]
pub struct EmailConfig {
    host: String,
    port: u16,
    security: Security,
    login: Option<(String, String)>,
    from: Mailbox,
    to: Vec<Mailbox>,
}

impl std::fmt::Debug for EmailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username())
            .field("from", &self.from())
            .field("to", &self.to())
            .finish()
    }
}

impl EmailConfig {
    /// Checks every field; the error lists each wrong one (`Error::Invalid`).
    pub fn parse(input: &EmailInput) -> Result<EmailConfig, Error> {
        let mut errs = Errors::default();
        let host = errs.take(parse_host(&input.host));
        let security = errs.take(Security::parse("security", &input.security));
        let port = match input.port.trim() {
            "" => security.map(Security::default_port),
            p => errs.take(p.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| {
                FieldError::new(
                    "port",
                    "端口应为 1–65535 的整数 / the port is a whole number from 1 to 65535",
                )
            })),
        };
        let (user, pass) = (input.username.trim(), input.password.as_str());
        let login = match (user.is_empty(), pass.is_empty()) {
            (true, true) => None,
            (false, false) => Some((user.to_string(), pass.to_string())),
            (false, true) => {
                errs.push(
                    "password",
                    "请填写密码或授权码 / enter the password (授权码)",
                );
                None
            }
            (true, false) => {
                errs.push(
                    "username",
                    "有密码时请填写用户名 / enter the user name for the password",
                );
                None
            }
        };
        if security == Some(Security::None)
            && login.is_some()
            && host.as_deref().is_some_and(|h| !is_loopback(h))
        {
            errs.push(
                "security",
                "不加密时密码会明文传输，请选择 STARTTLS 或 TLS / a password is never sent unencrypted: choose STARTTLS or TLS",
            );
        }
        let from = errs.take(parse_mailbox("from", input.from.trim()).and_then(|m| {
            m.ok_or_else(|| {
                FieldError::new("from", "请填写发件人地址 / enter the sender's address")
            })
        }));
        let to = errs.take(parse_recipients(&input.to));
        errs.into_result()?;
        match (host, security, port, from, to) {
            (Some(host), Some(security), Some(port), Some(from), Some(to)) => Ok(EmailConfig {
                host,
                port,
                security,
                login,
                from,
                to,
            }),
            // Every `None` above recorded its error.
            _ => Err(Error::Rule(
                "邮件设置不完整 / incomplete email setup".into(),
            )),
        }
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn security(&self) -> Security {
        self.security
    }

    pub fn username(&self) -> Option<&str> {
        self.login.as_ref().map(|l| l.0.as_str())
    }

    /// The sender as written in the `From` header.
    pub fn from(&self) -> String {
        self.from.to_string()
    }

    /// The recipients' addresses.
    pub fn to(&self) -> Vec<String> {
        self.to.iter().map(|m| m.email.to_string()).collect()
    }

    /// A new `<…@sender's domain>` (some servers refuse mail without a Message-ID): the
    /// time, the process and a counter make it unique.
    fn message_id(&self) -> String {
        static SENT: AtomicU64 = AtomicU64::new(0);
        let nanos = chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default();
        format!(
            "<jxc.{nanos}.{}.{}@{}>",
            std::process::id(),
            SENT.fetch_add(1, Ordering::Relaxed),
            self.from.email.domain()
        )
    }

    /// The message of `alert`: subject its title (one line), body its lines, then the link.
    pub fn message(&self, alert: &Alert) -> Result<Message, ChannelError> {
        let subject: String = alert
            .title
            .trim()
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let mut body = alert.text.trim_end().to_string();
        if let Some(link) = alert
            .link
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
        {
            body.push_str("\n\n");
            body.push_str(link);
        }
        body.push('\n');
        let mut b = Message::builder()
            .from(self.from.clone())
            .subject(subject)
            .date_now()
            .message_id(Some(self.message_id()))
            .header(ContentType::TEXT_PLAIN);
        for to in &self.to {
            b = b.to(to.clone());
        }
        b.body(body).map_err(|e| ChannelError::Platform {
            code: "jxc.bad-email".into(),
            message: format!("邮件无法生成 / the message could not be built: {e}"),
        })
    }
}

fn is_loopback(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "::1")
}

fn parse_host(s: &str) -> Result<String, FieldError> {
    let h = s.trim().trim_end_matches('.');
    if h.is_empty() {
        return Err(FieldError::new(
            "host",
            "请填写发件服务器，如 smtp.qq.com / enter the SMTP server, e.g. smtp.qq.com",
        ));
    }
    let ok = h.len() <= 253
        && h.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        || h == "::1";
    if !ok {
        return Err(FieldError::new(
            "host",
            format!(
                "{h} 不是有效的主机名（只填主机，如 smtp.qq.com）/ not a host name (the host only, e.g. smtp.qq.com)"
            ),
        ));
    }
    Ok(h.to_ascii_lowercase())
}

/// A mailbox (`a@b.cn` or `名字 <a@b.cn>`), `None` when empty. Addresses must be ASCII:
/// few servers take others (SMTPUTF8).
fn parse_mailbox(field: &str, s: &str) -> Result<Option<Mailbox>, FieldError> {
    if s.is_empty() {
        return Ok(None);
    }
    let bad = || {
        FieldError::new(
            field,
            format!("{s} 不是有效的邮箱地址 / not an email address"),
        )
    };
    let m = Mailbox::from_str(s).map_err(|_| bad())?;
    // The parser stops at the first mailbox: refuse anything after it.
    let addr = m.email.to_string();
    if !addr.is_ascii() || !s.contains(&addr) || s.matches('@').count() != 1 {
        return Err(bad());
    }
    Ok(Some(m))
}

fn parse_recipients(s: &str) -> Result<Vec<Mailbox>, FieldError> {
    let mut out: Vec<Mailbox> = Vec::new();
    for part in s.split([',', ';', '，', '；', '\n']) {
        let Some(m) = parse_mailbox("to", part.trim())? else {
            continue;
        };
        if !out.iter().any(|o| o.email == m.email) {
            out.push(m);
        }
    }
    if out.is_empty() {
        return Err(FieldError::new(
            "to",
            "请填写至少一个收件人 / enter at least one recipient",
        ));
    }
    if out.len() > MAX_RECIPIENTS {
        return Err(FieldError::new(
            "to",
            format!("收件人最多 {MAX_RECIPIENTS} 个 / at most {MAX_RECIPIENTS} recipients"),
        ));
    }
    Ok(out)
}

/// Sends alerts through one SMTP setup. A connection per message (alerts are few).
pub struct Mailer {
    config: EmailConfig,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl Mailer {
    pub fn new(config: EmailConfig, options: &Options) -> Result<Mailer, ChannelError> {
        let tls = |host: &str| {
            TlsParameters::new(host.to_string()).map_err(|e| ChannelError::Platform {
                code: "smtp-tls".into(),
                message: e.to_string(),
            })
        };
        let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(config.host.as_str())
            .port(config.port)
            .timeout(Some(options.timeout))
            .tls(match config.security {
                Security::None => Tls::None,
                Security::StartTls => Tls::Required(tls(&config.host)?),
                Security::Tls => Tls::Wrapper(tls(&config.host)?),
            });
        if let Some((user, pass)) = &config.login {
            b = b.credentials(Credentials::new(user.clone(), pass.clone()));
        }
        Ok(Mailer {
            transport: b.build(),
            config,
        })
    }

    pub fn config(&self) -> &EmailConfig {
        &self.config
    }

    /// Sends `alert` to every recipient. `Ok` once the server queued it.
    pub async fn send(&self, alert: &Alert) -> Result<(), ChannelError> {
        let message = self.config.message(alert)?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(smtp_error)
    }
}

fn smtp_error(e: lettre::transport::smtp::Error) -> ChannelError {
    let text = e.to_string();
    if let Some(code) = e.status() {
        let code = code.to_string();
        return if matches!(code.as_str(), "530" | "534" | "535" | "538") {
            ChannelError::Unauthorized(format!(
                "SMTP {text}（请核对用户名和密码/授权码 / check the user name and password）"
            ))
        } else if e.is_transient() {
            ChannelError::Network(format!("SMTP {text}"))
        } else {
            ChannelError::Platform {
                code: format!("smtp-{code}"),
                message: text,
            }
        };
    }
    if e.is_tls() {
        ChannelError::Platform {
            code: "smtp-tls".into(),
            message: text,
        }
    } else if e.is_client() {
        ChannelError::Platform {
            code: "smtp-client".into(),
            message: text,
        }
    } else if e.is_response() {
        ChannelError::malformed(format!("SMTP 应答无法解析 / unreadable answer: {text}"), "")
    } else {
        ChannelError::Network(format!("SMTP {text}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> EmailInput {
        EmailInput {
            host: " smtp.qq.com ".into(),
            port: "".into(),
            security: "SSL".into(),
            username: "shop@qq.com".into(),
            password: "abcdefgh".into(),
            from: "小店告警 <shop@qq.com>".into(),
            to: "a@example.com；b@example.com,\n a@example.com".into(),
        }
    }

    fn fields(e: Error) -> Vec<String> {
        match e {
            Error::Invalid(v) => v.into_iter().map(|f| f.field).collect(),
            other => panic!("expected field errors, got {other:?}"),
        }
    }

    #[test]
    fn a_filled_form_parses_with_the_usual_port() {
        let c = EmailConfig::parse(&input()).unwrap();
        assert_eq!(
            (c.host(), c.port(), c.security()),
            ("smtp.qq.com", 465, Security::Tls)
        );
        assert_eq!(c.username(), Some("shop@qq.com"));
        assert_eq!(c.to(), ["a@example.com", "b@example.com"]);
        assert!(c.from().contains("shop@qq.com"));
        assert!(!format!("{c:?} {:?}", input()).contains("abcdefgh"));
        for (s, port) in [("starttls", 587), ("none", 25)] {
            let c = EmailConfig::parse(&EmailInput {
                security: s.into(),
                host: "127.0.0.1".into(),
                ..input()
            })
            .unwrap();
            assert_eq!(c.port(), port);
        }
    }

    #[test]
    fn every_wrong_field_is_named_at_once() {
        let e = EmailConfig::parse(&EmailInput {
            host: "smtp://smtp.qq.com".into(),
            port: "70000".into(),
            security: "rot13".into(),
            username: "".into(),
            password: "x".into(),
            from: "not an address".into(),
            to: "a@example.com, nope".into(),
        })
        .unwrap_err();
        assert_eq!(
            fields(e),
            ["host", "security", "port", "username", "from", "to"]
        );
        let e = EmailConfig::parse(&EmailInput {
            password: "".into(),
            from: "".into(),
            to: " ; ".into(),
            ..input()
        })
        .unwrap_err();
        assert_eq!(fields(e), ["password", "from", "to"]);
    }

    #[test]
    fn a_password_is_never_sent_in_plain_text_across_the_network() {
        let e = EmailConfig::parse(&EmailInput {
            security: "none".into(),
            ..input()
        })
        .unwrap_err();
        assert_eq!(fields(e), ["security"]);
        // Without a login, or to this machine, plain text is allowed.
        let open = EmailInput {
            security: "none".into(),
            username: "".into(),
            password: "".into(),
            ..input()
        };
        assert!(EmailConfig::parse(&open).is_ok());
        assert!(
            EmailConfig::parse(&EmailInput {
                security: "none".into(),
                host: "localhost".into(),
                ..input()
            })
            .is_ok()
        );
    }

    #[test]
    fn the_message_has_the_title_as_subject_and_the_link_last() {
        let c = EmailConfig::parse(&input()).unwrap();
        let m = c
            .message(&Alert {
                title: "库存预警\r\nBcc: x@evil.example".into(),
                text: "TS-BLK-L 可用 3\n".into(),
                link: Some("https://jxc.example.com/stock".into()),
            })
            .unwrap();
        let raw = String::from_utf8(m.formatted()).unwrap();
        assert!(raw.contains("Subject: =?utf-8?b?"), "{raw}");
        assert!(!raw.lines().any(|l| l.starts_with("Bcc:")), "{raw}");
        assert!(
            raw.contains("Content-Type: text/plain; charset=utf-8"),
            "{raw}"
        );
        assert!(raw.contains("To: a@example.com, b@example.com"), "{raw}");
        assert!(raw.is_ascii(), "{raw}");
        assert!(raw.contains("Message-ID: <jxc."), "{raw}");
        assert!(raw.contains("@qq.com>"), "{raw}");
    }
}
