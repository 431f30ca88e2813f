//! 飞书 (Feishu, and Lark: the same API) group robot (自定义机器人).
//!
//! `POST <webhook URL>` (`…/open-apis/bot/v2/hook/<token>`), body
//! `{"timestamp":"<s>","sign":"…","msg_type":"text","content":{"text":"…"}}`, where
//! `timestamp` (Unix seconds, as text) and `sign` are sent only when the robot signs
//! (签名校验): `sign = base64(HMAC-SHA256(key = timestamp + "\n" + secret, msg = ""))`
//! ([`sign`]; the roles of key and message are the reverse of DingTalk's). Feishu refuses
//! a timestamp more than an hour away from its clock.
//!
//! The text is the title, the detail lines, and the link on a line of its own (Feishu
//! makes URLs in text clickable).
//!
//! Replies `{"code":0,"msg":"success"}` (robots made long ago answer
//! `{"StatusCode":0,"StatusMessage":"success"}`; both are read). The spec pins 19021; the
//! other codes are from Feishu's public pages as we remember them, *unconfirmed*:
//!
//! | code | meaning | we return |
//! |---|---|---|
//! | 19021 | sign match fail, or the timestamp is not within an hour | `Unauthorized` |
//! | 19001 | param invalid: incoming webhook access token invalid | `Unauthorized` |
//! | 19022 | ip not allowed | `Unauthorized` |
//! | 19024 | key words not found | `Unauthorized` |
//! | 11232 | frequency limited (100 a minute, 5 a second) | `RateLimited` |
//! | other | | `Platform`, code and message as sent |

use base64::Engine;
use serde_json::{Value, json};

use super::{Alert, RobotRequest, RobotTarget, fit, text_of};
use crate::ChannelError;
use crate::sign::hmac_sha256;

/// Kept under the 20 KB Feishu takes in a request (*unconfirmed*).
const MAX_TEXT_BYTES: usize = 18_000;

/// `base64(HMAC-SHA256(key = timestamp_secs + "\n" + secret, msg = ""))`.
pub fn sign(secret: &str, timestamp_secs: i64) -> String {
    let key = format!("{timestamp_secs}\n{secret}");
    base64::engine::general_purpose::STANDARD.encode(hmac_sha256(key.as_bytes(), b""))
}

pub(super) fn request(t: &RobotTarget, alert: &Alert, now_ms: i64) -> RobotRequest {
    let head = format!("{}\n", alert.title.trim());
    let lines: Vec<&str> = alert.lines().collect();
    let tail = alert
        .link
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| format!("\n{l}"))
        .unwrap_or_default();
    let text = fit(&head, &lines.join("\n"), &tail, MAX_TEXT_BYTES);
    let mut body = json!({"msg_type": "text", "content": {"text": text}});
    if let Some(secret) = t.secret() {
        let ts = now_ms.div_euclid(1000);
        body["timestamp"] = ts.to_string().into();
        body["sign"] = sign(secret, ts).into();
    }
    RobotRequest {
        url: t.url.clone(),
        body,
    }
}

pub(super) fn read_reply(v: &Value, body: &str) -> Result<(), ChannelError> {
    let Some(code) = text_of(v, "code").or_else(|| text_of(v, "StatusCode")) else {
        return Err(ChannelError::malformed(
            "飞书应答缺少 code / no code in Feishu's answer",
            body,
        ));
    };
    let message = text_of(v, "msg")
        .or_else(|| text_of(v, "StatusMessage"))
        .unwrap_or_default();
    match code.as_str() {
        "0" => Ok(()),
        "19021" | "19001" | "19022" | "19024" => Err(ChannelError::Unauthorized(format!(
            "飞书 {code} {message}（请核对 Webhook 地址、签名密钥和安全设置 / check the URL, the secret and the robot's security settings）"
        ))),
        "11232" => Err(ChannelError::RateLimited {
            message: format!("飞书 {code} {message}"),
            retry_after: None,
        }),
        _ => Err(ChannelError::Platform { code, message }),
    }
}

#[cfg(test)]
mod tests {
    use super::super::RobotKind;
    use super::*;

    #[test]
    fn feishu_sign_vector() {
        // shared/specs/integrations.md §0.
        assert_eq!(
            sign("feishusecret", 1_700_000_000),
            "5Wc8F8b2vZlNjoVFpK6BAaovMobglP4Rm1FzmEq/rCU="
        );
    }

    fn alert() -> Alert {
        Alert {
            title: "库存预警".into(),
            text: "TS-BLK-L 可用 3\nMUG-350 可用 0".into(),
            link: Some("https://jxc.example.com/stock".into()),
        }
    }

    #[test]
    fn a_signed_request_has_timestamp_seconds_and_sign_in_the_body() {
        let t = RobotTarget::parse(
            RobotKind::Feishu,
            "https://open.feishu.cn/open-apis/bot/v2/hook/xyz",
            Some("feishusecret"),
        )
        .unwrap();
        let r = t.request(&alert(), 1_700_000_000_999);
        assert_eq!(
            r.url.as_str(),
            "https://open.feishu.cn/open-apis/bot/v2/hook/xyz"
        );
        assert_eq!(
            r.body,
            json!({
                "timestamp": "1700000000",
                "sign": "5Wc8F8b2vZlNjoVFpK6BAaovMobglP4Rm1FzmEq/rCU=",
                "msg_type": "text",
                "content": {"text": "库存预警\nTS-BLK-L 可用 3\nMUG-350 可用 0\nhttps://jxc.example.com/stock"},
            })
        );
        let unsigned = RobotTarget::parse(
            RobotKind::Feishu,
            "https://open.feishu.cn/open-apis/bot/v2/hook/xyz",
            None,
        )
        .unwrap()
        .request(&alert(), 1_700_000_000_999);
        assert!(unsigned.body.get("sign").is_none() && unsigned.body.get("timestamp").is_none());
    }

    #[test]
    fn replies() {
        let read = |s: &str| read_reply(&serde_json::from_str(s).unwrap(), s);
        assert_eq!(read(r#"{"code":0,"msg":"success","data":{}}"#), Ok(()));
        assert_eq!(
            read(r#"{"StatusCode":0,"StatusMessage":"success"}"#),
            Ok(())
        );
        let e = read(r#"{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time"}"#)
            .unwrap_err();
        assert!(
            matches!(&e, ChannelError::Unauthorized(m) if m.contains("19021")),
            "{e:?}"
        );
        assert!(
            read(r#"{"code":11232,"msg":"frequency limited"}"#)
                .unwrap_err()
                .retryable()
        );
        assert_eq!(
            read(r#"{"code":9499,"msg":"Bad Request"}"#),
            Err(ChannelError::Platform {
                code: "9499".into(),
                message: "Bad Request".into()
            })
        );
        assert!(matches!(read("{}"), Err(ChannelError::Malformed { .. })));
    }
}
