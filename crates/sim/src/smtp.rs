//! A small SMTP server (RFC 5321) for tests and the demo: plain TCP, and every message it
//! accepts recorded ([`SmtpState::messages`]) with its envelope and raw data.
//!
//! - `EHLO` advertises `8BITMIME`, `SIZE` and, when a login is configured, `AUTH` with the
//!   configured mechanisms; `HELO` works too. `STARTTLS` is not offered.
//! - `AUTH PLAIN` and `AUTH LOGIN` (RFC 4954, initial response or not) are checked against
//!   the configured user and password: `235` or `535`. With a login configured, `MAIL` is
//!   refused (`530`) until the client has logged in.
//! - `MAIL FROM:<…>` (parameters ignored), `RCPT TO:<…>`, `DATA` (`354`, then lines until
//!   `.`, a leading dot removed from each line as RFC 5321 §4.5.2 says), `RSET`, `NOOP`,
//!   `QUIT`, `VRFY` (`252`). Out of order: `503`; unknown: `500`; a line over 64 KiB or a
//!   message over [`MAX_MESSAGE_BYTES`]: `500` / `552`.
//! - [`SmtpState::fail_next`] answers the next messages' end of data with `451` (try later)
//!   instead of taking them.
//!
//! [`ReceivedMail`] reads back what tests care about: a header, the subject with its
//! RFC 2047 encoded words decoded, and the body decoded from base64 or quoted-printable.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

/// The largest message taken (advertised as `SIZE`).
pub const MAX_MESSAGE_BYTES: usize = 10 * 1024 * 1024;
const MAX_LINE_BYTES: u64 = 64 * 1024;
const MAX_RECIPIENTS: usize = 100;
/// A client silent this long is disconnected.
const IDLE: Duration = Duration::from_secs(300);

/// A SASL mechanism the server offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMechanism {
    Plain,
    Login,
}

impl AuthMechanism {
    fn name(self) -> &'static str {
        match self {
            AuthMechanism::Plain => "PLAIN",
            AuthMechanism::Login => "LOGIN",
        }
    }
}

/// A message the server accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    /// What the client said in `EHLO`/`HELO`.
    pub helo: String,
    /// The user it logged in as.
    pub user: Option<String>,
    /// The envelope sender (`MAIL FROM`), empty for `<>`.
    pub mail_from: String,
    /// The envelope recipients (`RCPT TO`).
    pub rcpt_to: Vec<String>,
    /// The message as sent, dot-unstuffed, without the final `.` line.
    pub data: Vec<u8>,
}

/// What the server saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SmtpStats {
    pub connections: u64,
    pub auth_failures: u64,
    pub messages: u64,
    /// Messages answered `451` by [`SmtpState::fail_next`].
    pub deferred: u64,
}

#[derive(Debug, Default)]
struct Data {
    messages: Vec<ReceivedMail>,
    stats: SmtpStats,
    fail_next: usize,
}

/// The server's login and what it received. Clones share what was received.
#[derive(Debug, Clone)]
pub struct SmtpState {
    /// `(user, password)`; `None` = no login needed (and `AUTH` not offered).
    pub login: Option<(String, String)>,
    pub mechanisms: Vec<AuthMechanism>,
    data: Arc<Mutex<Data>>,
}

/// The login of [`SmtpState::demo`].
pub const DEMO_LOGIN: (&str, &str) = ("alerts@jxc-sim.test", "sim-smtp-password");

impl SmtpState {
    /// A server that takes mail from anyone.
    pub fn open() -> Self {
        SmtpState {
            login: None,
            mechanisms: Vec::new(),
            data: Arc::default(),
        }
    }

    /// A server that wants `user` and `password` (PLAIN or LOGIN) before any mail.
    pub fn with_login(user: &str, password: &str) -> Self {
        SmtpState {
            login: Some((user.into(), password.into())),
            mechanisms: vec![AuthMechanism::Plain, AuthMechanism::Login],
            ..SmtpState::open()
        }
    }

    /// The server of `jxc-sim`: [`DEMO_LOGIN`].
    pub fn demo() -> Self {
        SmtpState::with_login(DEMO_LOGIN.0, DEMO_LOGIN.1)
    }

    /// Offers only `mechanisms` (e.g. LOGIN alone, to test it).
    pub fn offering(mut self, mechanisms: &[AuthMechanism]) -> Self {
        self.mechanisms = mechanisms.to_vec();
        self
    }

    fn with<R>(&self, f: impl FnOnce(&mut Data) -> R) -> R {
        f(&mut self.data.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Every accepted message, oldest first.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.with(|d| d.messages.clone())
    }

    pub fn stats(&self) -> SmtpStats {
        self.with(|d| d.stats.clone())
    }

    /// The next `n` messages are answered `451` at the end of their data, and not kept.
    pub fn fail_next(&self, n: usize) {
        self.with(|d| d.fail_next += n);
    }
}

impl ReceivedMail {
    /// The head and the body of the data.
    fn parts(&self) -> (&[u8], &[u8]) {
        let d = &self.data[..];
        if let Some(i) = d.windows(4).position(|w| w == b"\r\n\r\n") {
            return (&d[..i], &d[i + 4..]);
        }
        match d.windows(2).position(|w| w == b"\n\n") {
            Some(i) => (&d[..i], &d[i + 2..]),
            None => (d, &[]),
        }
    }

    /// The first header named `name` (any case), folded lines joined, as sent.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = String::from_utf8_lossy(self.parts().0).into_owned();
        let mut unfolded: Vec<String> = Vec::new();
        for line in head.split('\n').map(|l| l.trim_end_matches('\r')) {
            match (line.starts_with([' ', '\t']), unfolded.last_mut()) {
                (true, Some(last)) => last.push_str(line),
                _ => unfolded.push(line.to_string()),
            }
        }
        unfolded.into_iter().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    }

    /// The subject, RFC 2047 encoded words (UTF-8, B or Q) decoded.
    pub fn subject(&self) -> Option<String> {
        self.header("Subject").map(|s| decode_words(&s))
    }

    /// The body decoded from its `Content-Transfer-Encoding` (base64, quoted-printable or
    /// none), line ends as `\n`; `None` when it is not UTF-8.
    pub fn body_text(&self) -> Option<String> {
        let body = self.parts().1;
        let cte = self
            .header("Content-Transfer-Encoding")
            .unwrap_or_default()
            .to_ascii_lowercase();
        let bytes = match cte.as_str() {
            "base64" => {
                let clean: Vec<u8> = body
                    .iter()
                    .copied()
                    .filter(|b| !b.is_ascii_whitespace())
                    .collect();
                base64::engine::general_purpose::STANDARD
                    .decode(clean)
                    .ok()?
            }
            "quoted-printable" => decode_quoted_printable(body),
            _ => body.to_vec(),
        };
        Some(String::from_utf8(bytes).ok()?.replace("\r\n", "\n"))
    }
}

fn hex_value(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Quoted-printable: `=XY` is a byte, `=` at a line end joins the lines.
fn decode_quoted_printable(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'=' {
            if s[i + 1..].starts_with(b"\r\n") {
                i += 3;
                continue;
            }
            if s[i + 1..].starts_with(b"\n") {
                i += 2;
                continue;
            }
            if let (Some(h), Some(l)) = (
                s.get(i + 1).copied().and_then(hex_value),
                s.get(i + 2).copied().and_then(hex_value),
            ) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(s[i]);
        i += 1;
    }
    out
}

/// Decodes RFC 2047 encoded words; white space between two of them is dropped.
fn decode_words(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    let mut after_word = false;
    while let Some(i) = rest.find("=?") {
        let (before, word) = (&rest[..i], &rest[i + 2..]);
        match decode_word(word) {
            Some((text, used)) => {
                if !(after_word && before.trim().is_empty()) {
                    out.push_str(before);
                }
                out.push_str(&text);
                rest = &word[used..];
                after_word = true;
            }
            None => {
                out.push_str(&rest[..i + 2]);
                rest = word;
                after_word = false;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `charset?enc?text?=` (after the `=?`): the text and the bytes used.
fn decode_word(s: &str) -> Option<(String, usize)> {
    let mut parts = s.splitn(3, '?');
    let (charset, enc, rest) = (parts.next()?, parts.next()?, parts.next()?);
    let end = rest.find("?=")?;
    let payload = &rest[..end];
    if !matches!(charset.to_ascii_lowercase().as_str(), "utf-8" | "us-ascii") {
        return None;
    }
    let bytes = match enc {
        "B" | "b" => base64::engine::general_purpose::STANDARD
            .decode(payload)
            .ok()?,
        "Q" | "q" => decode_quoted_printable(payload.replace('_', " ").as_bytes()),
        _ => return None,
    };
    let used = charset.len() + enc.len() + end + 4;
    Some((String::from_utf8(bytes).ok()?, used))
}

/// One client's state.
#[derive(Default)]
struct Session {
    helo: Option<String>,
    user: Option<String>,
    from: Option<String>,
    rcpt: Vec<String>,
}

impl Session {
    fn reset(&mut self) {
        self.from = None;
        self.rcpt.clear();
    }
}

async fn reply<W: AsyncWrite + Unpin>(w: &mut W, line: &str) -> std::io::Result<()> {
    w.write_all(format!("{line}\r\n").as_bytes()).await?;
    w.flush().await
}

/// One line without its line end; `None` at the end of the stream or when idle too long;
/// an error when longer than the limit.
async fn read_line<R: AsyncBufReadExt + Unpin>(r: &mut R) -> std::io::Result<Option<Vec<u8>>> {
    let mut buf = Vec::new();
    let mut limited = (&mut *r).take(MAX_LINE_BYTES);
    let read = tokio::time::timeout(IDLE, limited.read_until(b'\n', &mut buf));
    let Ok(n) = read.await else {
        return Ok(None);
    };
    if n? == 0 {
        return Ok(None);
    }
    if !buf.ends_with(b"\n") && buf.len() as u64 >= MAX_LINE_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "line too long",
        ));
    }
    while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        buf.pop();
    }
    Ok(Some(buf))
}

/// The address in `<…>` after `FROM:` / `TO:` (any case); `None` when malformed.
fn path_arg(arg: &str, keyword: &str) -> Option<String> {
    let head = arg.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = arg[keyword.len()..].trim_start();
    let inner = rest.strip_prefix('<')?;
    let end = inner.find('>')?;
    Some(inner[..end].trim().to_string())
}

fn b64(s: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .ok()?;
    String::from_utf8(bytes).ok()
}

async fn session(state: SmtpState, stream: TcpStream) -> std::io::Result<()> {
    state.with(|d| d.stats.connections += 1);
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    let mut s = Session::default();
    reply(&mut w, "220 jxc-sim ESMTP ready").await?;
    loop {
        let line = match read_line(&mut r).await {
            Ok(Some(l)) => String::from_utf8_lossy(&l).into_owned(),
            Ok(None) => return Ok(()),
            Err(_) => return reply(&mut w, "500 5.5.6 Line too long").await,
        };
        let (verb, arg) = line.split_once(' ').unwrap_or((&line, ""));
        let arg = arg.trim();
        match verb.to_ascii_uppercase().as_str() {
            "EHLO" | "HELO" if arg.is_empty() => {
                reply(&mut w, "501 5.5.4 Syntax: EHLO hostname").await?
            }
            "EHLO" => {
                s.helo = Some(arg.to_string());
                s.reset();
                let mut lines = vec![
                    format!("jxc-sim Hello {arg}"),
                    "8BITMIME".to_string(),
                    format!("SIZE {MAX_MESSAGE_BYTES}"),
                ];
                if state.login.is_some() && !state.mechanisms.is_empty() {
                    let names: Vec<&str> = state.mechanisms.iter().map(|m| m.name()).collect();
                    lines.push(format!("AUTH {}", names.join(" ")));
                }
                let last = lines.len() - 1;
                for (i, l) in lines.iter().enumerate() {
                    let sep = if i == last { ' ' } else { '-' };
                    w.write_all(format!("250{sep}{l}\r\n").as_bytes()).await?;
                }
                w.flush().await?;
            }
            "HELO" => {
                s.helo = Some(arg.to_string());
                s.reset();
                reply(&mut w, "250 jxc-sim").await?;
            }
            "AUTH" => auth(&state, &mut s, arg, &mut r, &mut w).await?,
            "MAIL" => {
                let answer = if s.helo.is_none() {
                    "503 5.5.1 Say EHLO first"
                } else if state.login.is_some() && s.user.is_none() {
                    "530 5.7.0 Authentication required"
                } else if s.from.is_some() {
                    "503 5.5.1 Nested MAIL command"
                } else if let Some(from) = path_arg(arg, "FROM:") {
                    s.from = Some(from);
                    "250 2.1.0 OK"
                } else {
                    "501 5.5.4 Syntax: MAIL FROM:<address>"
                };
                reply(&mut w, answer).await?;
            }
            "RCPT" => {
                let answer = if s.from.is_none() {
                    "503 5.5.1 Need MAIL before RCPT"
                } else if s.rcpt.len() >= MAX_RECIPIENTS {
                    "452 4.5.3 Too many recipients"
                } else {
                    match path_arg(arg, "TO:").filter(|a| !a.is_empty()) {
                        Some(to) => {
                            s.rcpt.push(to);
                            "250 2.1.5 OK"
                        }
                        None => "501 5.5.4 Syntax: RCPT TO:<address>",
                    }
                };
                reply(&mut w, answer).await?;
            }
            "DATA" if s.from.is_none() || s.rcpt.is_empty() => {
                reply(&mut w, "503 5.5.1 Need MAIL and RCPT before DATA").await?
            }
            "DATA" => {
                reply(&mut w, "354 End data with <CR><LF>.<CR><LF>").await?;
                let Some(data) = read_data(&mut r).await? else {
                    return Ok(());
                };
                let answer = match data {
                    Err(()) => "552 5.3.4 Message too big".to_string(),
                    Ok(data) => state.with(|d| {
                        if d.fail_next > 0 {
                            d.fail_next -= 1;
                            d.stats.deferred += 1;
                            return "451 4.3.0 Temporary failure, try again later".to_string();
                        }
                        d.stats.messages += 1;
                        d.messages.push(ReceivedMail {
                            helo: s.helo.clone().unwrap_or_default(),
                            user: s.user.clone(),
                            mail_from: s.from.clone().unwrap_or_default(),
                            rcpt_to: s.rcpt.clone(),
                            data,
                        });
                        format!("250 2.0.0 OK: queued as {}", d.stats.messages)
                    }),
                };
                s.reset();
                reply(&mut w, &answer).await?;
            }
            "RSET" => {
                s.reset();
                reply(&mut w, "250 2.0.0 OK").await?;
            }
            "NOOP" => reply(&mut w, "250 2.0.0 OK").await?,
            "VRFY" => reply(&mut w, "252 2.1.5 Cannot VRFY user").await?,
            "QUIT" => return reply(&mut w, "221 2.0.0 Bye").await,
            _ => reply(&mut w, "500 5.5.2 Command not recognized").await?,
        }
    }
}

/// The lines of a message up to `.`, dot-unstuffed, CRLF between them: `Err(())` when
/// over the size limit (read to its end all the same); `None` when the client left.
async fn read_data<R: AsyncBufReadExt + Unpin>(
    r: &mut R,
) -> std::io::Result<Option<Result<Vec<u8>, ()>>> {
    let mut data = Vec::new();
    let mut too_big = false;
    loop {
        let Some(line) = read_line(r).await? else {
            return Ok(None);
        };
        if line == b"." {
            return Ok(Some(if too_big { Err(()) } else { Ok(data) }));
        }
        let line = line.strip_prefix(b".").unwrap_or(&line);
        if data.len() + line.len() + 2 > MAX_MESSAGE_BYTES {
            too_big = true;
            data.clear();
        }
        if !too_big {
            data.extend_from_slice(line);
            data.extend_from_slice(b"\r\n");
        }
    }
}

async fn auth<R, W>(
    state: &SmtpState,
    s: &mut Session,
    arg: &str,
    r: &mut R,
    w: &mut W,
) -> std::io::Result<()>
where
    R: AsyncBufReadExt + Unpin,
    W: AsyncWrite + Unpin,
{
    let Some((user, password)) = &state.login else {
        return reply(w, "502 5.5.1 AUTH not available").await;
    };
    if s.helo.is_none() || s.user.is_some() || s.from.is_some() {
        return reply(w, "503 5.5.1 Bad sequence of commands").await;
    }
    let (mech, initial) = arg.split_once(' ').unwrap_or((arg, ""));
    let offered = state
        .mechanisms
        .iter()
        .find(|m| m.name().eq_ignore_ascii_case(mech));
    // Reads the client's answer to a challenge; `None` when cancelled (`*`) or gone.
    async fn answer<R: AsyncBufReadExt + Unpin, W: AsyncWrite + Unpin>(
        r: &mut R,
        w: &mut W,
        challenge: &str,
    ) -> std::io::Result<Option<String>> {
        reply(w, &format!("334 {challenge}")).await?;
        Ok(read_line(r)
            .await?
            .map(|l| String::from_utf8_lossy(&l).trim().to_string())
            .filter(|l| l != "*"))
    }
    let given: Option<(String, String)> = match offered {
        None => return reply(w, "504 5.5.4 Unrecognized authentication type").await,
        Some(AuthMechanism::Plain) => {
            let token = match initial.trim() {
                "" => answer(r, w, "").await?,
                t => Some(t.to_string()),
            };
            token.and_then(|t| b64(&t)).and_then(|t| {
                let mut parts = t.split('\0');
                let (_authzid, u, p) = (parts.next()?, parts.next()?, parts.next()?);
                Some((u.to_string(), p.to_string()))
            })
        }
        Some(AuthMechanism::Login) => {
            let u = match initial.trim() {
                "" => answer(r, w, "VXNlcm5hbWU6").await?,
                t => Some(t.to_string()),
            };
            match u.and_then(|u| b64(&u)) {
                Some(u) => answer(r, w, "UGFzc3dvcmQ6")
                    .await?
                    .and_then(|p| b64(&p))
                    .map(|p| (u, p)),
                None => None,
            }
        }
    };
    match given {
        Some((u, p)) if u == *user && p == *password => {
            s.user = Some(u);
            reply(w, "235 2.7.0 Authentication successful").await
        }
        _ => {
            state.with(|d| d.stats.auth_failures += 1);
            reply(w, "535 5.7.8 Authentication credentials invalid").await
        }
    }
}

/// A running SMTP simulator. Dropping it stops accepting connections.
#[derive(Debug)]
pub struct SmtpServer {
    pub host: String,
    pub port: u16,
    pub addr: SocketAddr,
    pub state: SmtpState,
    stop: Option<oneshot::Sender<()>>,
}

impl SmtpServer {
    /// The settings to enter in jxc's email alerts to use this server (security `none`).
    pub fn settings(&self) -> Value {
        let (user, password) = self.state.login.clone().unwrap_or_default();
        json!({
            "host": self.host, "port": self.port, "security": "none",
            "username": user, "password": password,
        })
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

/// Serves the simulator on `addr` (port 0 = any free port).
pub async fn serve(state: SmtpState, addr: SocketAddr) -> std::io::Result<SmtpServer> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let (stop, mut stopped) = oneshot::channel::<()>();
    let st = state.clone();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = &mut stopped => break,
                accepted = listener.accept() => match accepted {
                    Ok((sock, _)) => {
                        tokio::spawn(session(st.clone(), sock));
                    }
                    Err(e) => {
                        tracing::warn!("SMTP 模拟器接受连接失败 / sim accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                },
            }
        }
    });
    Ok(SmtpServer {
        host: addr.ip().to_string(),
        port: addr.port(),
        addr,
        state,
        stop: Some(stop),
    })
}

/// Serves the simulator on a free local port.
pub async fn start(state: SmtpState) -> std::io::Result<SmtpServer> {
    serve(state, ([127, 0, 0, 1], 0).into()).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    /// One reply, all its lines.
    async fn read_reply<R: AsyncBufReadExt + Unpin>(r: &mut R) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            let l = String::from_utf8(read_line(r).await.unwrap().unwrap()).unwrap();
            let done = l.as_bytes().get(3) != Some(&b'-');
            lines.push(l);
            if done {
                return lines;
            }
        }
    }

    /// A scripted client: sends each line, returns every reply line (none are awaited
    /// for the lines of a message).
    async fn talk(server: &SmtpServer, lines: &[&str]) -> Vec<String> {
        let sock = TcpStream::connect(server.addr).await.unwrap();
        let (r, mut w) = sock.into_split();
        let mut r = BufReader::new(r);
        let mut replies = read_reply(&mut r).await;
        let mut in_data = false;
        for line in lines {
            w.write_all(format!("{line}\r\n").as_bytes()).await.unwrap();
            if in_data && *line != "." {
                continue;
            }
            let got = read_reply(&mut r).await;
            in_data = *line == "DATA" && got[0].starts_with("354");
            replies.extend(got);
        }
        replies
    }

    #[tokio::test]
    async fn a_session_with_auth_login_and_dot_stuffing() {
        let server = start(SmtpState::with_login("u", "p")).await.unwrap();
        let u = base64::engine::general_purpose::STANDARD.encode("u");
        let p = base64::engine::general_purpose::STANDARD.encode("p");
        let replies = talk(
            &server,
            &[
                "EHLO client",
                "MAIL FROM:<a@x.test>",
                "AUTH LOGIN",
                &u,
                &p,
                "MAIL FROM:<a@x.test> BODY=8BITMIME",
                "RCPT TO:<b@y.test>",
                "DATA",
                "Subject: =?utf-8?b?5bqT5a2Y?= =?utf-8?b?6aKE6K2m?=",
                "",
                "..leading dot",
                ".",
                "QUIT",
            ],
        )
        .await;
        let codes: Vec<&str> = replies.iter().map(|l| &l[..3]).collect();
        assert_eq!(
            codes,
            [
                "220", "250", "250", "250", "250", "530", "334", "334", "235", "250", "250", "354",
                "250", "221"
            ]
        );
        assert!(
            replies.iter().any(|l| l == "250 AUTH PLAIN LOGIN"),
            "{replies:?}"
        );
        let m = &server.state.messages()[0];
        assert_eq!(
            (m.mail_from.as_str(), m.rcpt_to.as_slice()),
            ("a@x.test", &["b@y.test".to_string()][..])
        );
        assert_eq!(m.user.as_deref(), Some("u"));
        assert_eq!(m.subject().as_deref(), Some("库存预警"));
        assert_eq!(m.body_text().as_deref(), Some(".leading dot\n"));
    }

    #[tokio::test]
    async fn a_wrong_password_and_commands_out_of_order_are_refused() {
        let server = start(SmtpState::with_login("u", "p")).await.unwrap();
        let bad = base64::engine::general_purpose::STANDARD.encode("\0u\0wrong");
        let replies = talk(
            &server,
            &[
                "RCPT TO:<b@y.test>",
                "HELO c",
                &format!("AUTH PLAIN {bad}"),
                "DATA",
                "RSET",
                "NOOP",
                "BOGUS",
            ],
        )
        .await;
        let codes: Vec<&str> = replies.iter().map(|l| &l[..3]).collect();
        assert_eq!(
            codes,
            ["220", "503", "250", "535", "503", "250", "250", "500"]
        );
        assert_eq!(server.state.stats().auth_failures, 1);
        assert!(server.state.messages().is_empty());
    }

    #[test]
    fn encoded_words_and_quoted_printable() {
        assert_eq!(
            decode_words("=?UTF-8?Q?=E5=BA=93=E5=AD=98_ok?= x"),
            "库存 ok x"
        );
        assert_eq!(
            decode_words("a =?utf-8?b?5bqT?=\t=?utf-8?b?5a2Y?= b"),
            "a 库存 b"
        );
        assert_eq!(decode_words("=?gbk?b?xxxx?= =?bad"), "=?gbk?b?xxxx?= =?bad");
        assert_eq!(decode_quoted_printable(b"a=3Db=\r\nc=ZZ="), b"a=bc=ZZ=");
    }
}
