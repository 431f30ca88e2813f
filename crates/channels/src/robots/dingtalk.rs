//! 钉钉 (DingTalk) group robot.
//!
//! `POST <webhook URL>&timestamp=<ms>&sign=<s>`: the URL carries the robot's
//! `access_token`; `timestamp` and `sign` are added only when the robot signs (加签), with
//! `s = urlencode(base64(HMAC-SHA256(key = secret, msg = timestamp + "\n" + secret)))`
//! ([`sign`] is the base64; the query encoding adds the URL-encoding). DingTalk refuses a
//! timestamp more than an hour away from its clock. A robot without a secret guards itself
//! with keywords (the title then has to contain one) or an IP allow-list instead.
//!
//! Body `{"msgtype":"markdown","markdown":{"title":"…","text":"…"}}`: the title is what
//! the notification shows, the text is the title as a heading, the detail lines as
//! paragraphs and the link as `[在 jxc 中处理](…)`.
//!
//! Replies `{"errcode":0,"errmsg":"ok"}`. The spec gives only 0; the other codes are from
//! DingTalk's public pages as we remember them, *unconfirmed*:
//!
//! | errcode | meaning | we return |
//! |---|---|---|
//! | 310000 | the robot's 安全设置 refused: sign not match, invalid timestamp, keywords not in content, ip not in whitelist | `Unauthorized` |
//! | 300001, 300005 | token is not exist (wrong URL, robot removed) | `Unauthorized` |
//! | 130101 | send too fast: over 20 a minute, after which the robot is muted for 10 minutes | `RateLimited` (retry after 10 min) |
//! | other | | `Platform`, code and message as sent |

use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};

use super::{Alert, RobotRequest, RobotTarget, cut, fit, text_of};
use crate::ChannelError;
use crate::sign::hmac_sha256;

/// Kept under the 20,000 bytes DingTalk takes in a message (*unconfirmed*).
const MAX_TEXT_BYTES: usize = 18_000;

/// How long DingTalk mutes a robot that sent too fast.
const MUTED_FOR: Duration = Duration::from_secs(600);

/// `base64(HMAC-SHA256(key = secret, msg = timestamp_ms + "\n" + secret))`, not yet
/// URL-encoded.
pub fn sign(secret: &str, timestamp_ms: i64) -> String {
    let msg = format!("{timestamp_ms}\n{secret}");
    base64::engine::general_purpose::STANDARD.encode(hmac_sha256(secret.as_bytes(), msg.as_bytes()))
}

pub(super) fn request(t: &RobotTarget, alert: &Alert, now_ms: i64) -> RobotRequest {
    let mut url = t.url.clone();
    if let Some(secret) = t.secret() {
        url.query_pairs_mut()
            .append_pair("timestamp", &now_ms.to_string())
            .append_pair("sign", &sign(secret, now_ms));
    }
    let title = cut(alert.title.trim(), 256);
    let head = format!("#### {title}\n\n");
    let lines: Vec<&str> = alert.lines().collect();
    let tail = alert
        .markdown_link()
        .map(|l| format!("\n\n{l}"))
        .unwrap_or_default();
    let text = fit(&head, &lines.join("\n\n"), &tail, MAX_TEXT_BYTES);
    RobotRequest {
        url,
        body: json!({"msgtype": "markdown", "markdown": {"title": title, "text": text}}),
    }
}

pub(super) fn read_reply(v: &Value, body: &str) -> Result<(), ChannelError> {
    let Some(code) = text_of(v, "errcode") else {
        return Err(ChannelError::malformed(
            "钉钉应答缺少 errcode / no errcode in DingTalk's answer",
            body,
        ));
    };
    let message = text_of(v, "errmsg").unwrap_or_default();
    match code.as_str() {
        "0" => Ok(()),
        "310000" | "300001" | "300005" => Err(ChannelError::Unauthorized(format!(
            "钉钉 {code} {message}（请核对 Webhook 地址、加签密钥和安全设置 / check the URL, the secret and the robot's security settings）"
        ))),
        "130101" => Err(ChannelError::RateLimited {
            message: format!("钉钉 {code} {message}"),
            retry_after: Some(MUTED_FOR),
        }),
        _ => Err(ChannelError::Platform { code, message }),
    }
}

#[cfg(test)]
mod tests {
    use super::super::RobotKind;
    use super::*;

    #[test]
    fn dingtalk_sign_vector() {
        // shared/specs/integrations.md §0.
        assert_eq!(
            sign("SECtest", 1_700_000_000_000),
            "aZLLrriXgn05YbwaGR7knYsLeJADjr9NwLaNNKpxh4g="
        );
    }

    fn alert() -> Alert {
        Alert {
            title: "库存预警：2 个 SKU 低于安全库存".into(),
            text: "TS-BLK-L 纯棉T恤 可用 3 < 10\n\nMUG-350 陶瓷马克杯 可用 0 < 5\n".into(),
            link: Some("https://jxc.example.com/stock?alert=low (1)".into()),
        }
    }

    #[test]
    fn a_signed_request_carries_timestamp_and_url_encoded_sign() {
        let t = RobotTarget::parse(
            RobotKind::DingTalk,
            "https://oapi.dingtalk.com/robot/send?access_token=abc",
            Some("SECtest"),
        )
        .unwrap();
        let r = t.request(&alert(), 1_700_000_000_000);
        assert_eq!(
            r.url.as_str(),
            "https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1700000000000&sign=aZLLrriXgn05YbwaGR7knYsLeJADjr9NwLaNNKpxh4g%3D"
        );
        assert_eq!(r.body["msgtype"], "markdown");
        assert_eq!(
            r.body["markdown"]["title"],
            "库存预警：2 个 SKU 低于安全库存"
        );
        assert_eq!(
            r.body["markdown"]["text"],
            "#### 库存预警：2 个 SKU 低于安全库存\n\nTS-BLK-L 纯棉T恤 可用 3 < 10\n\nMUG-350 陶瓷马克杯 可用 0 < 5\n\n[在 jxc 中处理](https://jxc.example.com/stock?alert=low%20%281%29)"
        );
    }

    #[test]
    fn an_unsigned_robot_gets_no_timestamp_or_sign() {
        let t = RobotTarget::parse(
            RobotKind::DingTalk,
            "https://oapi.dingtalk.com/robot/send?access_token=abc",
            None,
        )
        .unwrap();
        let r = t.request(&alert(), 1_700_000_000_000);
        assert_eq!(
            r.url.as_str(),
            "https://oapi.dingtalk.com/robot/send?access_token=abc"
        );
    }

    #[test]
    fn replies() {
        let read = |s: &str| read_reply(&serde_json::from_str(s).unwrap(), s);
        assert_eq!(read(r#"{"errcode":0,"errmsg":"ok"}"#), Ok(()));
        assert_eq!(read(r#"{"errcode":"0","errmsg":"ok"}"#), Ok(()));
        for s in [
            r#"{"errcode":310000,"errmsg":"sign not match"}"#,
            r#"{"errcode":300005,"errmsg":"token is not exist"}"#,
        ] {
            assert!(matches!(read(s), Err(ChannelError::Unauthorized(_))), "{s}");
        }
        let e = read(r#"{"errcode":130101,"errmsg":"send too fast"}"#).unwrap_err();
        assert!(e.retryable());
        assert!(
            matches!(e, ChannelError::RateLimited { retry_after: Some(d), .. } if d == MUTED_FOR)
        );
        assert_eq!(
            read(r#"{"errcode":40035,"errmsg":"缺少参数 json"}"#),
            Err(ChannelError::Platform {
                code: "40035".into(),
                message: "缺少参数 json".into()
            })
        );
        assert!(matches!(
            read(r#"{"ok":true}"#),
            Err(ChannelError::Malformed { raw, .. }) if raw == r#"{"ok":true}"#
        ));
    }
}
