//! 预警: evaluate the merchant's alert conditions (`jxc_core::alerts`) over the store's
//! facts, keep one open alert per cause (the store), and send each newly opened alert
//! once to the merchant's robots (钉钉, 飞书, 企业微信) and email. A failed send is
//! retried by the schedule, up to [`MAX_ATTEMPTS`] tries.
//!
//! Evaluated after every stock document and count (for the SKUs it touched), and by
//! the schedule for everything (plus `jxc check`'s mismatch, hourly).

use jxc_channels::Options;
use jxc_channels::email::{EmailConfig, EmailInput, Mailer};
use jxc_channels::robots::{Alert as Message, Robot, RobotKind, RobotTarget};
use jxc_core::alerts::{
    AlertKind, AlertSettings, Cause, ChannelKind, StockLevel, StockLevelInput, lot_causes,
    mismatch_cause, stock_causes,
};
use jxc_core::ids::{SkuId, WarehouseId};
use jxc_core::paging::{Page, PageRequest};
use jxc_core::users::User;
use jxc_core::{FieldError, text};
use jxc_store::{
    Actor, Alert, AlertChannel, AlertFilter, AlertSync, Delivery, NewAlertChannel,
    StockLevelFilter, StockLevelRow,
};
use serde::{Deserialize, Serialize};

use crate::china_day::DAY_MS;
use crate::inventory::require_warehouse;
use crate::{App, Error, Result};

/// A failed send is tried this many times in all.
pub const MAX_ATTEMPTS: i64 = 5;

/// The setting holding the address robots and emails link to (`https://erp.example.cn`).
pub const BASE_URL_KEY: &str = "alerts.base_url";

/// A channel as a person enters it. Secrets left blank on a change keep the stored ones.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ChannelInput {
    pub name: String,
    /// `dingtalk`, `feishu`, `wecom` or `email`.
    pub kind: String,
    /// Robots: the webhook URL as copied from the robot's settings.
    pub webhook_url: String,
    /// Robots: the 加签 secret (DingTalk, Feishu), if the robot signs.
    pub secret: String,
    /// Email: the SMTP server and the addresses.
    pub smtp_host: String,
    pub smtp_port: String,
    /// `none`, `starttls` or `tls`.
    pub smtp_security: String,
    pub smtp_username: String,
    pub smtp_password: String,
    pub mail_from: String,
    pub mail_to: String,
    /// Alert kinds it takes (`low_stock`, …); empty: every kind.
    pub kinds: Vec<String>,
    pub active: bool,
}

/// What is stored as a channel's config (secrets included: never shown back).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct StoredConfig {
    #[serde(default)]
    webhook_url: String,
    #[serde(default)]
    secret: String,
    #[serde(default)]
    smtp: Option<StoredSmtp>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct StoredSmtp {
    host: String,
    port: String,
    security: String,
    username: String,
    password: String,
    from: String,
    to: String,
}

impl StoredSmtp {
    fn input(&self) -> EmailInput {
        EmailInput {
            host: self.host.clone(),
            port: self.port.clone(),
            security: self.security.clone(),
            username: self.username.clone(),
            password: self.password.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
        }
    }
}

/// A channel as pages and the API show it: where it goes, masked, never its secrets.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelView {
    pub id: i64,
    pub name: String,
    pub kind: ChannelKind,
    /// The webhook URL with its token shortened, or the mail recipients.
    pub target: String,
    pub signed: bool,
    pub kinds: Vec<AlertKind>,
    pub active: bool,
}

fn robot_kind(k: ChannelKind) -> Option<RobotKind> {
    match k {
        ChannelKind::Dingtalk => Some(RobotKind::DingTalk),
        ChannelKind::Feishu => Some(RobotKind::Feishu),
        ChannelKind::Wecom => Some(RobotKind::WeCom),
        ChannelKind::Email => None,
    }
}

fn stored(ch: &AlertChannel) -> Result<StoredConfig> {
    serde_json::from_str(&ch.config)
        .map_err(|e| Error::Internal(format!("alert channel {} config: {e}", ch.id)))
}

fn view(ch: &AlertChannel) -> Result<ChannelView> {
    let c = stored(ch)?;
    let target = match (robot_kind(ch.kind), &c.smtp) {
        (Some(k), _) => RobotTarget::parse(k, &c.webhook_url, Some(&c.secret))
            .map(|t| t.masked_url())
            .unwrap_or_default(),
        (None, Some(s)) => s.to.clone(),
        (None, None) => String::new(),
    };
    Ok(ChannelView {
        id: ch.id,
        name: ch.name.clone(),
        kind: ch.kind,
        target,
        signed: !c.secret.is_empty(),
        kinds: ch.kinds.clone(),
        active: ch.active,
    })
}

/// A ready sender for one channel.
enum Sender {
    Robot(Robot),
    Mail(Mailer),
}

impl Sender {
    fn of(ch: &AlertChannel) -> Result<Sender> {
        let c = stored(ch)?;
        let opts = Options::default();
        Ok(match (robot_kind(ch.kind), c.smtp) {
            (Some(k), _) => {
                let secret = Some(c.secret.as_str()).filter(|s| !s.is_empty());
                let target = RobotTarget::parse(k, &c.webhook_url, secret)?;
                Sender::Robot(Robot::new(target, &opts)?)
            }
            (None, Some(s)) => Sender::Mail(Mailer::new(EmailConfig::parse(&s.input())?, &opts)?),
            (None, None) => {
                return Err(Error::Internal(format!("channel {} has no config", ch.id)));
            }
        })
    }

    async fn send(&self, m: &Message) -> Result<()> {
        match self {
            Sender::Robot(r) => r.send(m).await?,
            Sender::Mail(x) => x.send(m).await?,
        }
        Ok(())
    }
}

/// How an alert reads in a robot or an email; `base` is the address links start with
/// ('' leaves the link out).
fn message(a: &Alert, base: &str) -> Message {
    Message {
        title: format!("【jxc 预警·{}】{}", a.kind.label_zh(), a.title),
        text: a.detail.clone(),
        link: (!base.is_empty()).then(|| format!("{base}{}", a.link)),
    }
}

impl App {
    pub async fn alert_settings(&self) -> Result<AlertSettings> {
        Ok(match self.store.get_setting(AlertSettings::KEY).await? {
            Some(j) => serde_json::from_str(&j)
                .map_err(|e| Error::Internal(format!("alert settings: {e}")))?,
            None => AlertSettings::default(),
        })
    }

    pub async fn set_alert_settings(&self, s: &AlertSettings, actor: &Actor) -> Result<()> {
        s.validate()?;
        let j = serde_json::to_string(s).map_err(|e| Error::Internal(e.to_string()))?;
        Ok(self
            .store
            .set_setting(AlertSettings::KEY, &j, actor)
            .await?)
    }

    /// The address robots and emails link to; empty means links are left out.
    pub async fn alerts_base_url(&self) -> Result<String> {
        Ok(self
            .store
            .get_setting(BASE_URL_KEY)
            .await?
            .unwrap_or_default())
    }

    pub async fn set_alerts_base_url(&self, url: &str, actor: &Actor) -> Result<()> {
        let url = text::optional("base_url", url, 200)?;
        let url = url.trim_end_matches('/');
        if !url.is_empty() && !url.starts_with("https://") && !url.starts_with("http://") {
            return Err(Error::invalid(
                "base_url",
                "应以 http:// 或 https:// 开头 / must start with http:// or https://",
            ));
        }
        Ok(self.store.set_setting(BASE_URL_KEY, url, actor).await?)
    }

    pub async fn set_stock_level(
        &self,
        user: &User,
        input: &StockLevelInput,
        actor: &Actor,
    ) -> Result<StockLevel> {
        let level = StockLevel::parse(input)?;
        require_warehouse(user, level.warehouse_id)?;
        self.store
            .set_stock_levels(std::slice::from_ref(&level), actor)
            .await?;
        // The new limits may open or close an alert now.
        self.after_stock_change(&[level.sku_id]).await;
        Ok(level)
    }

    /// The inbox, kept to the user's warehouses.
    pub async fn alerts(
        &self,
        user: &User,
        mut filter: AlertFilter,
        page: &PageRequest,
    ) -> Result<Page<Alert>> {
        if let Some(w) = filter.warehouse_id {
            require_warehouse(user, w)?;
        }
        filter.warehouse_ids = user.fields.warehouse_ids.clone();
        Ok(self.store.list_alerts(&filter, page).await?)
    }

    /// One alert and where it was sent.
    pub async fn alert(&self, user: &User, id: i64) -> Result<(Alert, Vec<Delivery>)> {
        let a = self
            .store
            .get_alert(id)
            .await?
            .ok_or_else(|| Error::not_found("alert", id))?;
        if let Some(w) = a.warehouse_id {
            require_warehouse(user, w)?;
        }
        let d = self.store.alert_deliveries(id).await?;
        Ok((a, d))
    }

    pub async fn ack_alert(&self, user: &User, id: i64, actor: &Actor) -> Result<Alert> {
        self.alert(user, id).await?;
        Ok(self.store.ack_alert(id, actor).await?)
    }

    pub async fn close_alert(&self, user: &User, id: i64, actor: &Actor) -> Result<Alert> {
        self.alert(user, id).await?;
        Ok(self.store.close_alert(id, actor).await?)
    }

    pub async fn open_alert_count(&self, user: &User) -> Result<i64> {
        Ok(self
            .store
            .open_alert_count(&user.fields.warehouse_ids)
            .await?)
    }

    pub async fn stock_levels(
        &self,
        user: &User,
        mut filter: StockLevelFilter,
        page: &PageRequest,
    ) -> Result<Page<StockLevelRow>> {
        if let Some(w) = filter.warehouse_id {
            require_warehouse(user, w)?;
        }
        filter.warehouse_ids = user.fields.warehouse_ids.clone();
        Ok(self.store.list_stock_levels(&filter, page).await?)
    }

    pub async fn delete_stock_level(
        &self,
        user: &User,
        sku: SkuId,
        warehouse: WarehouseId,
        actor: &Actor,
    ) -> Result<bool> {
        require_warehouse(user, warehouse)?;
        let removed = self.store.delete_stock_level(sku, warehouse, actor).await?;
        if removed {
            self.after_stock_change(&[sku]).await;
        }
        Ok(removed)
    }

    /// Evaluates the stock conditions (of `skus`, or everything) and sends what opened.
    pub async fn evaluate_alerts(&self, skus: Option<&[SkuId]>) -> Result<AlertSync> {
        let settings = self.alert_settings().await?;
        let now = self.now_ms();
        let facts = self.store.pair_facts(skus, now - 30 * DAY_MS).await?;
        let mut causes = stock_causes(&facts, &settings, now);
        let today = self.today();
        let by = today + chrono::Days::new(settings.near_expiry_days.max(0) as u64);
        let lots = self.store.lot_facts(by, skus).await?;
        causes.extend(lot_causes(&lots, &settings, today));
        let sync = self
            .store
            .sync_alerts(&AlertKind::STOCK, skus, &causes)
            .await?;
        self.deliver(&sync.opened).await?;
        Ok(sync)
    }

    /// After stock moved: re-evaluates the SKUs it touched. An alert failing never fails
    /// the stock change; it is logged and the schedule evaluates again.
    pub async fn after_stock_change(&self, skus: &[SkuId]) {
        if skus.is_empty() {
            return;
        }
        if let Err(e) = self.evaluate_alerts(Some(skus)).await {
            tracing::warn!("alerts after a stock change: {e}");
        }
    }

    /// 账实不符: runs `jxc check` and keeps its alert open while differences remain.
    pub async fn check_alert(&self) -> Result<AlertSync> {
        let report = self.check().await?;
        let all: Vec<String> = report
            .differences
            .iter()
            .map(|d| d.to_string())
            .chain(report.allocation_problems.iter().cloned())
            .collect();
        let first: Vec<String> = all.iter().take(5).cloned().collect();
        let causes: Vec<Cause> = mismatch_cause(all.len(), &first).into_iter().collect();
        let sync = self
            .store
            .sync_alerts(&[AlertKind::StockMismatch], None, &causes)
            .await?;
        self.deliver(&sync.opened).await?;
        Ok(sync)
    }

    /// Opens an event alert (if not open) and sends it.
    pub async fn raise_alert(&self, cause: &Cause) -> Result<Option<Alert>> {
        let opened = self.store.open_alert(cause).await?;
        if let Some(a) = &opened {
            self.deliver(std::slice::from_ref(a)).await?;
        }
        Ok(opened)
    }

    /// Sends each alert to every active channel that takes its kind, recording each try.
    /// The link's base and each channel's sender are made once for the whole batch.
    async fn deliver(&self, alerts: &[Alert]) -> Result<()> {
        if alerts.is_empty() {
            return Ok(());
        }
        let base = self.alerts_base_url().await?;
        let channels = self.store.list_alert_channels().await?;
        let senders: Vec<(&AlertChannel, std::result::Result<Sender, String>)> = channels
            .iter()
            .map(|ch| (ch, Sender::of(ch).map_err(|e| e.to_string())))
            .collect();
        for a in alerts {
            for (ch, sender) in senders.iter().filter(|(c, _)| c.takes(a.kind)) {
                self.send_one(a, ch, sender, &base).await?;
            }
        }
        Ok(())
    }

    async fn send_one(
        &self,
        a: &Alert,
        ch: &AlertChannel,
        sender: &std::result::Result<Sender, String>,
        base: &str,
    ) -> Result<()> {
        let error = match sender {
            Ok(s) => s.send(&message(a, base)).await.err().map(|e| e.to_string()),
            Err(e) => Some(e.clone()),
        };
        if let Some(e) = &error {
            tracing::warn!("alert {} to channel {}: {e}", a.id, ch.name);
        }
        self.store
            .record_delivery(a.id, ch.id, error.as_deref())
            .await?;
        Ok(())
    }

    /// Tries the failed sends of open alerts again. Returns how many were tried.
    pub async fn retry_alert_deliveries(&self) -> Result<usize> {
        let failed = self.store.failed_deliveries(MAX_ATTEMPTS).await?;
        if failed.is_empty() {
            return Ok(0);
        }
        let base = self.alerts_base_url().await?;
        for (a, channel) in &failed {
            if let Some(ch) = self.store.get_alert_channel(*channel).await? {
                let sender = Sender::of(&ch).map_err(|e| e.to_string());
                self.send_one(a, &ch, &sender, &base).await?;
            }
        }
        Ok(failed.len())
    }

    pub async fn alert_channels(&self) -> Result<Vec<ChannelView>> {
        self.store
            .list_alert_channels()
            .await?
            .iter()
            .map(view)
            .collect()
    }

    /// Creates or changes a channel. On a change, blank secrets keep the stored ones.
    pub async fn save_alert_channel(
        &self,
        id: Option<i64>,
        input: &ChannelInput,
        actor: &Actor,
    ) -> Result<ChannelView> {
        let old = match id {
            Some(id) => Some(stored(
                &self
                    .store
                    .get_alert_channel(id)
                    .await?
                    .ok_or_else(|| Error::not_found("alert channel", id))?,
            )?),
            None => None,
        };
        let mut errors: Vec<FieldError> = Vec::new();
        let name = text::required("name", &input.name, 50)
            .map_err(|e| errors.push(e))
            .unwrap_or_default();
        let kind = ChannelKind::parse(input.kind.trim());
        if kind.is_none() {
            errors.push(FieldError::new(
                "kind",
                "只能是 dingtalk、feishu、wecom 或 email / unknown channel kind",
            ));
        }
        let mut kinds = Vec::new();
        for (i, k) in input.kinds.iter().enumerate() {
            match AlertKind::parse(k.trim()) {
                Some(k) => kinds.push(k),
                None => errors.push(FieldError::new(
                    format!("kinds[{i}]"),
                    "未知的预警类型 / unknown alert kind",
                )),
            }
        }
        let keep = |given: &str, old: Option<&str>| -> String {
            if given.is_empty() {
                old.unwrap_or_default().to_string()
            } else {
                given.to_string()
            }
        };
        let mut config = StoredConfig::default();
        match kind.map(|k| (k, robot_kind(k))) {
            Some((_, Some(rk))) => {
                let url = keep(
                    input.webhook_url.trim(),
                    old.as_ref().map(|o| o.webhook_url.as_str()),
                );
                let secret = keep(input.secret.trim(), old.as_ref().map(|o| o.secret.as_str()));
                let s = Some(secret.as_str()).filter(|s| !s.is_empty());
                match RobotTarget::parse(rk, &url, s) {
                    Ok(_) => {
                        config.webhook_url = url;
                        config.secret = secret;
                    }
                    Err(e) => errors.push(e),
                }
            }
            Some((_, None)) => {
                let old_smtp = old
                    .as_ref()
                    .and_then(|o| o.smtp.clone())
                    .unwrap_or_default();
                let smtp = StoredSmtp {
                    host: input.smtp_host.trim().to_string(),
                    port: input.smtp_port.trim().to_string(),
                    security: input.smtp_security.trim().to_string(),
                    username: input.smtp_username.trim().to_string(),
                    password: keep(&input.smtp_password, Some(&old_smtp.password)),
                    from: input.mail_from.trim().to_string(),
                    to: input.mail_to.trim().to_string(),
                };
                match EmailConfig::parse(&smtp.input()) {
                    Ok(_) => config.smtp = Some(smtp),
                    Err(jxc_core::Error::Invalid(v)) => errors.extend(v),
                    Err(e) => return Err(e.into()),
                }
            }
            None => {}
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        let ch = NewAlertChannel {
            name,
            kind: kind.expect("checked above"),
            config: serde_json::to_string(&config).map_err(|e| Error::Internal(e.to_string()))?,
            kinds,
            active: input.active,
        };
        view(&self.store.save_alert_channel(id, &ch, actor).await?)
    }

    /// Sends a test message through a channel now; the platform's refusal is the error.
    pub async fn test_alert_channel(&self, id: i64) -> Result<()> {
        let ch = self
            .store
            .get_alert_channel(id)
            .await?
            .ok_or_else(|| Error::not_found("alert channel", id))?;
        let base = self.alerts_base_url().await?;
        Sender::of(&ch)?
            .send(&Message {
                title: "【jxc 预警】测试消息 / test".into(),
                text: format!("“{}” 已接通 / this channel works", ch.name),
                link: (!base.is_empty()).then(|| format!("{base}/alerts")),
            })
            .await
    }
}
