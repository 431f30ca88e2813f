//! 告警机器人: an alert posted to a group chat through the group's custom robot
//! (自定义机器人) — DingTalk (钉钉), Feishu/Lark (飞书) or WeCom (企业微信) — as
//! `shared/specs/integrations.md` §8 says.
//!
//! The merchant pastes the webhook URL exactly as the robot's settings page shows it, and
//! the signing secret (加签) when the robot has one; [`RobotTarget::parse`] checks both
//! and names the field that is wrong. The URL is kept as given (less a `timestamp` and
//! `sign` a pasted test URL may carry), so a simulator or a proxy is used by pasting its
//! URL: there is no separate base URL.
//!
//! | robot | request | signature | success |
//! |---|---|---|---|
//! | 钉钉 | `POST …/robot/send?access_token=X[&timestamp=<ms>&sign=<s>]`, markdown | [`dingtalk::sign`], in the query | `{"errcode":0}` |
//! | 飞书 | `POST …/open-apis/bot/v2/hook/<token>`, text, `timestamp` and `sign` in the body | [`feishu::sign`] | `{"code":0}` |
//! | 企业微信 | `POST …/cgi-bin/webhook/send?key=K`, markdown ≤ 4096 bytes | none | `{"errcode":0}` |
//!
//! Errors are [`ChannelError`]s: a refused token, signature or security setting is
//! `Unauthorized`; the per-minute limits (and HTTP 429) `RateLimited` (retryable); 5xx
//! and transport trouble `Network` (retryable); any other code `Platform` with the code
//! and message as sent; a body that is not the documented JSON `Malformed`, body kept.
//! Each robot's module has its table of codes. The webhook URL holds the robot's token:
//! it never appears in an error or in `Debug` output ([`RobotTarget::masked_url`]).

pub mod dingtalk;
pub mod feishu;
pub mod wecom;

use jxc_core::FieldError;
use reqwest::Url;
use serde_json::Value;

use crate::http::Http;
use crate::{ChannelError, Options};

/// The form field of the webhook URL, as [`FieldError::field`] names it.
pub const URL_FIELD: &str = "webhook_url";
/// The form field of the signing secret.
pub const SECRET_FIELD: &str = "secret";
/// The form field of the robot's kind.
pub const KIND_FIELD: &str = "kind";

/// Which chat the robot belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RobotKind {
    /// 钉钉
    DingTalk,
    /// 飞书 (and Lark, its international version: same API)
    Feishu,
    /// 企业微信
    WeCom,
}

/// kind, code, label, the path its webhook URLs have, an example URL.
const KINDS: [(RobotKind, &str, &str, &str, &str); 3] = [
    (
        RobotKind::DingTalk,
        "dingtalk",
        "钉钉",
        "/robot/send",
        "https://oapi.dingtalk.com/robot/send?access_token=…",
    ),
    (
        RobotKind::Feishu,
        "feishu",
        "飞书",
        "/open-apis/bot/v2/hook/",
        "https://open.feishu.cn/open-apis/bot/v2/hook/…",
    ),
    (
        RobotKind::WeCom,
        "wecom",
        "企业微信",
        "/cgi-bin/webhook/send",
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…",
    ),
];

impl RobotKind {
    pub const ALL: [RobotKind; 3] = [RobotKind::DingTalk, RobotKind::Feishu, RobotKind::WeCom];

    fn row(
        self,
    ) -> &'static (
        RobotKind,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    ) {
        KINDS
            .iter()
            .find(|r| r.0 == self)
            .expect("every kind has its row")
    }

    /// `dingtalk`, `feishu`, `wecom`: how the kind is stored.
    pub fn code(self) -> &'static str {
        self.row().1
    }

    /// 钉钉, 飞书, 企业微信.
    pub fn label_zh(self) -> &'static str {
        self.row().2
    }

    /// A code or a name as a person may write it (`钉钉`, `lark`, `企微`, `wework`, …).
    pub fn parse(field: &str, s: &str) -> Result<RobotKind, FieldError> {
        let t = s.trim().to_ascii_lowercase();
        let kind = match t.as_str() {
            "dingtalk" | "dingding" | "钉钉" => RobotKind::DingTalk,
            "feishu" | "lark" | "飞书" => RobotKind::Feishu,
            "wecom" | "wework" | "qywx" | "企业微信" | "企微" => RobotKind::WeCom,
            "" => {
                return Err(FieldError::new(
                    field,
                    "请选择机器人类型 / choose the kind of robot",
                ));
            }
            _ => {
                return Err(FieldError::new(
                    field,
                    format!(
                        "未知的机器人类型 {} (应为 dingtalk、feishu 或 wecom) / unknown kind of robot",
                        s.trim()
                    ),
                ));
            }
        };
        Ok(kind)
    }

    /// The kind whose webhook URLs have `path`.
    fn of_path(path: &str) -> Option<RobotKind> {
        KINDS.iter().find_map(|(k, _, _, p, _)| {
            let matches = match k {
                RobotKind::Feishu => path.contains(p),
                _ => path.ends_with(p),
            };
            matches.then_some(*k)
        })
    }
}

/// What a merchant pasted, checked: the robot's kind, its webhook URL (a credential: it
/// holds the robot's token) and its signing secret.
#[derive(Clone, PartialEq, Eq)]
pub struct RobotTarget {
    kind: RobotKind,
    /// The webhook URL as pasted, less `timestamp`, `sign` and any `#fragment`.
    url: Url,
    /// The robot's token (`access_token`, the hook's last segment, `key`).
    token: String,
    secret: Option<String>,
}

impl std::fmt::Debug for RobotTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RobotTarget")
            .field("kind", &self.kind)
            .field("url", &self.masked_url())
            .field("secret", &self.secret.as_ref().map(|_| "***"))
            .finish()
    }
}

impl RobotTarget {
    /// Checks what the merchant pasted: the webhook URL of a robot of `kind` (https; http
    /// only to this machine, for a simulator) and the optional secret (empty = none).
    /// DingTalk and Feishu robots may or may not sign (a DingTalk secret starts with
    /// `SEC`); WeCom robots never do. The error names [`URL_FIELD`] or [`SECRET_FIELD`].
    pub fn parse(
        kind: RobotKind,
        url: &str,
        secret: Option<&str>,
    ) -> Result<RobotTarget, FieldError> {
        let (url, token) = parse_url(kind, url)?;
        let secret = parse_secret(kind, secret)?;
        Ok(RobotTarget {
            kind,
            url,
            token,
            secret,
        })
    }

    pub fn kind(&self) -> RobotKind {
        self.kind
    }

    /// The webhook URL, token included: store it as a credential, never log it.
    pub fn url(&self) -> &str {
        self.url.as_str()
    }

    /// The webhook URL with the token shortened to its ends (`abcd…wxyz`), for pages and logs.
    pub fn masked_url(&self) -> String {
        self.url
            .as_str()
            .replacen(&self.token, &mask(&self.token), 1)
    }

    pub fn secret(&self) -> Option<&str> {
        self.secret.as_deref()
    }

    /// The request that posts `alert` at `now_ms` (Unix milliseconds; the signature's
    /// timestamp).
    pub fn request(&self, alert: &Alert, now_ms: i64) -> RobotRequest {
        match self.kind {
            RobotKind::DingTalk => dingtalk::request(self, alert, now_ms),
            RobotKind::Feishu => feishu::request(self, alert, now_ms),
            RobotKind::WeCom => wecom::request(self, alert),
        }
    }

    /// `e` with the token in its message replaced by its masked form (reqwest puts the
    /// URL into transport errors).
    fn redact(&self, e: ChannelError) -> ChannelError {
        let hide = |s: String| s.replace(&self.token, &mask(&self.token));
        match e {
            ChannelError::Network(m) => ChannelError::Network(hide(m)),
            ChannelError::Unauthorized(m) => ChannelError::Unauthorized(hide(m)),
            other => other,
        }
    }
}

fn url_error(reason: impl Into<String>) -> FieldError {
    FieldError::new(URL_FIELD, reason)
}

/// The webhook URL (without `timestamp`, `sign`, fragment) and the robot's token.
fn parse_url(kind: RobotKind, text: &str) -> Result<(Url, String), FieldError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(url_error(
            "请粘贴机器人的 Webhook 地址 / paste the robot's webhook URL",
        ));
    }
    let mut url = Url::parse(text).map_err(|e| {
        url_error(format!(
            "不是有效的网址 / not a valid URL ({e}); 应形如 {}",
            kind.row().4
        ))
    })?;
    let local = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    if !(url.scheme() == "https" || (url.scheme() == "http" && local)) {
        return Err(url_error(
            "须为 https:// 开头的地址 / must be an https:// URL",
        ));
    }
    match RobotKind::of_path(url.path()) {
        Some(k) if k == kind => {}
        Some(other) => {
            return Err(url_error(format!(
                "这是{}机器人的地址，不是{}的 / this is a {} robot's URL, not a {} one",
                other.label_zh(),
                kind.label_zh(),
                other.code(),
                kind.code()
            )));
        }
        None => {
            return Err(url_error(format!(
                "不是{}机器人的 Webhook 地址，应形如 {} / not a {} robot webhook URL",
                kind.label_zh(),
                kind.row().4,
                kind.code()
            )));
        }
    }
    url.set_fragment(None);
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "timestamp" && k != "sign")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.set_query(None);
    if !kept.is_empty() {
        url.query_pairs_mut().extend_pairs(&kept);
    }
    let query = |name: &str| kept.iter().find(|(k, _)| k == name).map(|p| p.1.clone());
    let (token, name) = match kind {
        RobotKind::DingTalk => (query("access_token"), "access_token"),
        RobotKind::WeCom => (query("key"), "key"),
        RobotKind::Feishu => {
            let path = url.path();
            let after = path
                .find(kind.row().3)
                .map(|i| &path[i + kind.row().3.len()..]);
            (after.map(str::to_string), "hook token")
        }
    };
    let token = token.unwrap_or_default();
    if token.is_empty() {
        return Err(url_error(format!(
            "地址缺少 {name}，请复制完整的 Webhook 地址 / the URL lacks the {name}: copy the whole webhook URL"
        )));
    }
    if !token
        .chars()
        .all(|c| c.is_ascii_graphic() && !matches!(c, '/' | '?' | '#' | '&'))
    {
        return Err(url_error(format!(
            "地址中的 {name} 含有无效字符 / the {name} in the URL has characters a robot token never has"
        )));
    }
    Ok((url, token))
}

fn parse_secret(kind: RobotKind, secret: Option<&str>) -> Result<Option<String>, FieldError> {
    let Some(s) = secret.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let bad = |reason: &str| Err(FieldError::new(SECRET_FIELD, reason));
    if kind == RobotKind::WeCom {
        return bad(
            "企业微信群机器人没有加签密钥，请留空 / WeCom group robots have no signing secret: leave it empty",
        );
    }
    if !s.chars().all(|c| c.is_ascii_graphic()) {
        return bad(
            "密钥只含字母、数字和符号，不含空格或中文 / a secret has no spaces or Chinese characters",
        );
    }
    if kind == RobotKind::DingTalk && !s.starts_with("SEC") {
        return bad(
            "钉钉的加签密钥以 SEC 开头（机器人安全设置「加签」下）/ DingTalk signing secrets start with SEC",
        );
    }
    Ok(Some(s.to_string()))
}

/// `abcd…wxyz`; a short token is hidden whole.
fn mask(token: &str) -> String {
    let chars: Vec<char> = token.chars().collect();
    if chars.len() <= 12 {
        return "***".to_string();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

/// An alert, as the app words it; each robot renders it its own way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// One line: what happened (`库存预警：3 个 SKU 低于安全库存`).
    pub title: String,
    /// A few lines of detail, `\n` between them.
    pub text: String,
    /// The jxc page where it is fixed (an absolute URL), when there is one.
    pub link: Option<String>,
}

/// What a link is called in the robots' markdown.
const LINK_LABEL: &str = "在 jxc 中处理";

impl Alert {
    /// The link made safe inside markdown `(…)`: spaces, brackets and parentheses escaped.
    fn markdown_link(&self) -> Option<String> {
        let link = self
            .link
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())?;
        let mut out = String::with_capacity(link.len());
        for c in link.chars() {
            match c {
                ' ' => out.push_str("%20"),
                '(' => out.push_str("%28"),
                ')' => out.push_str("%29"),
                '<' => out.push_str("%3C"),
                '>' => out.push_str("%3E"),
                c => out.push(c),
            }
        }
        Some(format!("[{LINK_LABEL}]({out})"))
    }

    /// The detail lines, trimmed, blank ones dropped.
    fn lines(&self) -> impl Iterator<Item = &str> {
        self.text
            .lines()
            .map(str::trim_end)
            .filter(|l| !l.trim().is_empty())
    }
}

/// One request to a robot. `url` holds the robot's token: do not log it.
#[derive(Clone, PartialEq)]
pub struct RobotRequest {
    pub url: Url,
    pub body: Value,
}

/// `head + body + tail` in at most `max` bytes: the body is cut on a character boundary
/// and ends with `…` when it must be; only when `head + tail` alone are too long is the
/// whole cut instead.
pub(crate) fn fit(head: &str, body: &str, tail: &str, max: usize) -> String {
    let whole = format!("{head}{body}{tail}");
    if whole.len() <= max {
        return whole;
    }
    let room = max.saturating_sub(head.len() + tail.len());
    if room >= ELLIPSIS.len() {
        return format!("{head}{}{tail}", cut(body, room));
    }
    cut(&whole, max)
}

const ELLIPSIS: &str = "…";

/// `s` in at most `max` bytes, ending with `…` when cut (when there is room for it).
fn cut(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mark = if max >= ELLIPSIS.len() { ELLIPSIS } else { "" };
    let mut end = max - mark.len();
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{mark}", &s[..end])
}

/// A number or text field of a reply as text (`errcode` comes either way).
fn text_of(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The robot of one chat group.
pub struct Robot {
    target: RobotTarget,
    http: Http,
}

impl Robot {
    pub fn new(target: RobotTarget, options: &Options) -> Result<Robot, ChannelError> {
        Ok(Robot {
            target,
            http: Http::new(options)?,
        })
    }

    pub fn target(&self) -> &RobotTarget {
        &self.target
    }

    /// Posts `alert` now. `Ok` once the robot said it took it.
    pub async fn send(&self, alert: &Alert) -> Result<(), ChannelError> {
        self.send_at(alert, chrono::Utc::now().timestamp_millis())
            .await
    }

    /// Posts `alert` signed with the timestamp `now_ms` (tests use a skewed clock).
    pub async fn send_at(&self, alert: &Alert, now_ms: i64) -> Result<(), ChannelError> {
        let r = self.target.request(alert, now_ms);
        let req = self.http.client().post(r.url).json(&r.body);
        let resp = self
            .http
            .send(req)
            .await
            .map_err(|e| self.target.redact(e))?;
        let v = Http::json(&resp.body)?;
        match self.target.kind {
            RobotKind::DingTalk => dingtalk::read_reply(&v, &resp.body),
            RobotKind::Feishu => feishu::read_reply(&v, &resp.body),
            RobotKind::WeCom => wecom::read_reply(&v, &resp.body),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(kind: RobotKind, url: &str, secret: Option<&str>) -> Result<RobotTarget, FieldError> {
        RobotTarget::parse(kind, url, secret)
    }

    #[test]
    fn kinds_parse_from_codes_and_names() {
        for k in RobotKind::ALL {
            assert_eq!(RobotKind::parse("kind", k.code()), Ok(k));
            assert_eq!(RobotKind::parse("kind", k.label_zh()), Ok(k));
        }
        assert_eq!(RobotKind::parse("kind", " Lark "), Ok(RobotKind::Feishu));
        assert_eq!(RobotKind::parse("kind", "企微"), Ok(RobotKind::WeCom));
        let e = RobotKind::parse("kind", "slack").unwrap_err();
        assert_eq!(e.field, "kind");
        assert!(e.reason.contains("slack"), "{e}");
        assert_eq!(RobotKind::parse("kind", " ").unwrap_err().field, "kind");
    }

    #[test]
    fn the_urls_a_merchant_copies_parse() {
        let t = parse(
            RobotKind::DingTalk,
            " https://oapi.dingtalk.com/robot/send?access_token=abc123 ",
            Some(" SECtest "),
        )
        .unwrap();
        assert_eq!(
            t.url(),
            "https://oapi.dingtalk.com/robot/send?access_token=abc123"
        );
        assert_eq!(t.secret(), Some("SECtest"));
        let t = parse(
            RobotKind::Feishu,
            "https://open.feishu.cn/open-apis/bot/v2/hook/xyz-1",
            Some(""),
        )
        .unwrap();
        assert_eq!(t.token, "xyz-1");
        assert_eq!(t.secret(), None);
        let t = parse(
            RobotKind::WeCom,
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
            None,
        )
        .unwrap();
        assert_eq!(t.token, "k");
        // A simulator on this machine, and a signed test URL pasted whole.
        let t = parse(
            RobotKind::DingTalk,
            "http://127.0.0.1:8080/robot/send?access_token=t&timestamp=1&sign=x#top",
            None,
        )
        .unwrap();
        assert_eq!(t.url(), "http://127.0.0.1:8080/robot/send?access_token=t");
    }

    #[test]
    fn a_bad_url_names_the_field_and_says_why() {
        let cases = [
            (RobotKind::DingTalk, "", "paste"),
            (
                RobotKind::DingTalk,
                "oapi.dingtalk.com/robot/send",
                "not a valid URL",
            ),
            (
                RobotKind::DingTalk,
                "http://oapi.dingtalk.com/robot/send?access_token=a",
                "https",
            ),
            (
                RobotKind::DingTalk,
                "https://oapi.dingtalk.com/robot/send",
                "access_token",
            ),
            (
                RobotKind::DingTalk,
                "https://oapi.dingtalk.com/robot/send?access_token=",
                "access_token",
            ),
            (
                RobotKind::DingTalk,
                "https://open.feishu.cn/open-apis/bot/v2/hook/x",
                "飞书",
            ),
            (
                RobotKind::Feishu,
                "https://open.feishu.cn/open-apis/bot/v2/hook/",
                "token",
            ),
            (
                RobotKind::Feishu,
                "https://example.com/hooks/x",
                "not a feishu robot",
            ),
            (
                RobotKind::WeCom,
                "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=a%20b",
                "characters",
            ),
            (
                RobotKind::WeCom,
                "https://oapi.dingtalk.com/robot/send?access_token=a",
                "钉钉",
            ),
        ];
        for (kind, url, why) in cases {
            let e = parse(kind, url, None).unwrap_err();
            assert_eq!(e.field, URL_FIELD, "{url}");
            assert!(e.reason.contains(why), "{url}: {e}");
        }
    }

    #[test]
    fn a_bad_secret_names_the_field() {
        let ding = "https://oapi.dingtalk.com/robot/send?access_token=a";
        let wecom = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k";
        for (kind, url, secret, why) in [
            (RobotKind::DingTalk, ding, "abc", "SEC"),
            (RobotKind::DingTalk, ding, "SEC abc", "spaces"),
            (RobotKind::WeCom, wecom, "anything", "leave it empty"),
        ] {
            let e = parse(kind, url, Some(secret)).unwrap_err();
            assert_eq!(e.field, SECRET_FIELD);
            assert!(e.reason.contains(why), "{e}");
        }
    }

    #[test]
    fn the_token_never_shows_in_debug_or_the_masked_url() {
        let token = "0123456789abcdef0123456789abcdef";
        let t = parse(
            RobotKind::DingTalk,
            &format!("https://oapi.dingtalk.com/robot/send?access_token={token}"),
            Some("SECsecret"),
        )
        .unwrap();
        assert_eq!(
            t.masked_url(),
            "https://oapi.dingtalk.com/robot/send?access_token=0123…cdef"
        );
        let dbg = format!("{t:?}");
        assert!(!dbg.contains(token) && !dbg.contains("SECsecret"), "{dbg}");
        let e = t.redact(ChannelError::Network(format!(
            "error sending request for url ({})",
            t.url()
        )));
        assert!(!e.to_string().contains(token), "{e}");
    }

    #[test]
    fn fit_cuts_the_body_on_a_char_boundary_and_keeps_head_and_tail() {
        assert_eq!(fit("H", "body", "T", 100), "HbodyT");
        // "库存" is 6 bytes; "…" is 3.
        let s = fit("[", "库存库存库存", "]", 11);
        assert_eq!(s, "[库存…]");
        assert!(s.len() <= 11);
        let s = fit("[", "库存库存库存", "]", 10);
        assert_eq!(s, "[库…]");
        // Head and tail too long on their own: the whole is cut.
        let s = fit("标题标题", "x", "尾巴", 9);
        assert_eq!(s, "标题…");
        assert_eq!(cut("abcd", 3), "…");
        assert_eq!(cut("abc", 2), "ab");
        assert_eq!(cut("库", 2), "");
    }
}
