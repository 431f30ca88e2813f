//! 企业微信 (WeCom) group robot (群机器人).
//!
//! `POST <webhook URL>` (`…/cgi-bin/webhook/send?key=K`), no signature: the key in the URL
//! is the robot's only secret. Body `{"msgtype":"markdown","markdown":{"content":"…"}}`,
//! content at most [`MAX_MARKDOWN_BYTES`] bytes of UTF-8: the title in bold, the detail
//! lines, and the link. Longer detail is cut on a character boundary and ends with `…`,
//! so the title and the link always arrive. A robot takes 20 messages a minute.
//!
//! Replies `{"errcode":0,"errmsg":"ok"}`. The spec gives the limits; the codes are from
//! WeCom's public pages as we remember them, *unconfirmed*:
//!
//! | errcode | meaning | we return |
//! |---|---|---|
//! | 93000 | invalid webhook url (wrong key, robot removed) | `Unauthorized` |
//! | 45009 | api freq out of limit (over 20 a minute) | `RateLimited` (retry after a minute) |
//! | other (40008 invalid message type, 44004 empty content, …) | | `Platform`, code and message as sent |

use std::time::Duration;

use serde_json::{Value, json};

use super::{Alert, RobotRequest, RobotTarget, fit, text_of};
use crate::ChannelError;

/// The most a markdown message may hold (spec §8).
pub const MAX_MARKDOWN_BYTES: usize = 4096;

/// The window of WeCom's per-robot limit.
const LIMIT_WINDOW: Duration = Duration::from_secs(60);

pub(super) fn request(t: &RobotTarget, alert: &Alert) -> RobotRequest {
    let head = format!("**{}**\n", alert.title.trim());
    let lines: Vec<&str> = alert.lines().collect();
    let tail = alert
        .markdown_link()
        .map(|l| format!("\n{l}"))
        .unwrap_or_default();
    let content = fit(&head, &lines.join("\n"), &tail, MAX_MARKDOWN_BYTES);
    RobotRequest {
        url: t.url.clone(),
        body: json!({"msgtype": "markdown", "markdown": {"content": content}}),
    }
}

pub(super) fn read_reply(v: &Value, body: &str) -> Result<(), ChannelError> {
    let Some(code) = text_of(v, "errcode") else {
        return Err(ChannelError::malformed(
            "企业微信应答缺少 errcode / no errcode in WeCom's answer",
            body,
        ));
    };
    let message = text_of(v, "errmsg").unwrap_or_default();
    match code.as_str() {
        "0" => Ok(()),
        "93000" => Err(ChannelError::Unauthorized(format!(
            "企业微信 {code} {message}（Webhook 地址无效或机器人已被移除 / the webhook URL is wrong or the robot was removed）"
        ))),
        "45009" => Err(ChannelError::RateLimited {
            message: format!("企业微信 {code} {message}"),
            retry_after: Some(LIMIT_WINDOW),
        }),
        _ => Err(ChannelError::Platform { code, message }),
    }
}

#[cfg(test)]
mod tests {
    use super::super::RobotKind;
    use super::*;

    fn target() -> RobotTarget {
        RobotTarget::parse(
            RobotKind::WeCom,
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
            None,
        )
        .unwrap()
    }

    #[test]
    fn markdown_with_a_bold_title_and_the_link() {
        let r = target().request(
            &Alert {
                title: "库存预警".into(),
                text: "TS-BLK-L 可用 3\n\nMUG-350 可用 0".into(),
                link: Some("https://jxc.example.com/stock".into()),
            },
            0,
        );
        assert_eq!(
            r.url.as_str(),
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"
        );
        assert_eq!(
            r.body,
            json!({"msgtype": "markdown", "markdown": {"content":
                "**库存预警**\nTS-BLK-L 可用 3\nMUG-350 可用 0\n[在 jxc 中处理](https://jxc.example.com/stock)"}})
        );
    }

    #[test]
    fn a_long_message_is_cut_to_4096_bytes_keeping_title_and_link() {
        let link = "https://jxc.example.com/stock";
        let text: String = (0..1000)
            .map(|i| format!("SKU{i} 纯棉T恤 可用 0\n"))
            .collect();
        let r = target().request(
            &Alert {
                title: "库存预警".into(),
                text,
                link: Some(link.into()),
            },
            0,
        );
        let content = r.body["markdown"]["content"].as_str().unwrap();
        assert!(content.len() <= MAX_MARKDOWN_BYTES, "{}", content.len());
        assert!(content.len() > MAX_MARKDOWN_BYTES - 8, "{}", content.len());
        assert!(content.starts_with("**库存预警**\nSKU0 纯棉T恤"));
        assert!(
            content.ends_with(&format!("…\n[在 jxc 中处理]({link})")),
            "{content}"
        );
    }

    #[test]
    fn replies() {
        let read = |s: &str| read_reply(&serde_json::from_str(s).unwrap(), s);
        assert_eq!(read(r#"{"errcode":0,"errmsg":"ok"}"#), Ok(()));
        assert!(matches!(
            read(r#"{"errcode":93000,"errmsg":"invalid webhook url"}"#),
            Err(ChannelError::Unauthorized(_))
        ));
        let e = read(r#"{"errcode":45009,"errmsg":"api freq out of limit"}"#).unwrap_err();
        assert!(
            matches!(e, ChannelError::RateLimited { retry_after: Some(d), .. } if d == LIMIT_WINDOW)
        );
        assert!(matches!(
            read(r#"{"errcode":40008,"errmsg":"invalid message type"}"#),
            Err(ChannelError::Platform { code, .. }) if code == "40008"
        ));
    }
}
