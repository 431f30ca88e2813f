//! 物流跟踪: a shipment that ships is subscribed at 快递100 (when the merchant set an
//! account up); 快递100 calls back, signed with the salt, and the shipment moves on —
//! 已签收 when signed for; 物流异常 for 疑难, 退回, 退签, 拒签 and 清关异常; back in transit
//! when the parcel moves again. A shipment with no update for the setup's number of days
//! becomes an exception too (`flag_quiet_shipments`, run by the schedule and `jxc
//! tracking`). A person can refresh one shipment by asking 快递100 now.

/// What 快递100 must be answered once a callback is recorded.
pub use jxc_channels::kuaidi100::CALLBACK_OK;
use jxc_channels::kuaidi100::{self, Kuaidi100, Tracking, TrackingState};
use jxc_channels::{ChannelError, ShopCredentials};
use jxc_core::fulfillment::shipping::TrackingSetup;
use jxc_core::paging::PageRequest;
use jxc_core::users::User;
use jxc_store::{Actor, Shipment, ShipmentFilter, ShipmentStatus, TrackingUpdate};

use crate::{App, Error, Result};

/// What a parcel's tracking state means for its shipment: its status and, for an
/// exception, why.
pub fn verdict(state: &TrackingState, signed: bool) -> (ShipmentStatus, String) {
    if *state == TrackingState::Delivered || (signed && !state.needs_attention()) {
        (ShipmentStatus::Signed, String::new())
    } else if state.needs_attention() {
        (
            ShipmentStatus::Exception,
            format!("{} / {}", state.label_zh(), state.code()),
        )
    } else {
        (ShipmentStatus::Shipped, String::new())
    }
}

use crate::china_day::DAY_MS;

impl App {
    fn kuaidi100(&self, t: &TrackingSetup) -> std::result::Result<Kuaidi100, ChannelError> {
        let mut creds = serde_json::json!({"customer": t.customer, "key": t.key});
        if !t.base_url.is_empty() {
            creds["base_url"] = serde_json::json!(t.base_url);
        }
        let http = jxc_channels::http::Http::new(&jxc_channels::Options {
            timeout: self.sync.timeout,
        })?;
        Kuaidi100::new(&ShopCredentials::new(&creds), http)
    }

    /// Subscribes a shipment that shipped to its tracking, when a 快递100 account is set
    /// up and the carrier can be tracked; keeps the outcome on the shipment. '' when there
    /// is nothing to subscribe to.
    pub(crate) async fn subscribe_tracking(&self, s: &Shipment) -> Result<String> {
        let Some(t) = self.shipping_setup().await?.tracking else {
            return Ok(String::new());
        };
        let Some(com) = jxc_channels::carriers::kuaidi100_code(&s.carrier) else {
            return Ok(String::new());
        };
        let outcome = match self.kuaidi100(&t) {
            Ok(k) => match k
                .subscribe(com, &s.tracking_no, &t.callback_url, &t.salt)
                .await
            {
                Ok(()) => "ok".to_string(),
                Err(e) => e.to_string(),
            },
            Err(e) => e.to_string(),
        };
        self.store.set_subscribed(s.id, &outcome).await?;
        Ok(outcome)
    }

    /// 快递100's callback (`POST /hooks/tracking/kuaidi100`): checked against the salt
    /// before anything is read, then recorded on the shipment with that tracking number.
    /// A parcel we do not know is answered as received (快递100 would resend for ever).
    pub async fn receive_tracking_callback(&self, form_body: &[u8]) -> Result<()> {
        let Some(t) = self.shipping_setup().await?.tracking else {
            return Err(Error::not_found("tracking setup", "kuaidi100"));
        };
        let push = kuaidi100::read_callback(form_body, &t.salt).map_err(|e| match e {
            ChannelError::BadSignature | ChannelError::Unauthorized(_) => Error::Unauthorized,
            other => Error::invalid("param", other.to_string()),
        })?;
        let Some(s) = self
            .shipment_by_tracking(&push.tracking.tracking_no)
            .await?
        else {
            tracing::warn!(
                "快递100 pushed {} which no shipment has",
                push.tracking.tracking_no
            );
            return Ok(());
        };
        self.record(&s, &push.tracking).await?;
        Ok(())
    }

    /// 刷新物流: asks 快递100 for the shipment's trace now.
    pub async fn refresh_tracking(&self, user: &User, id: i64) -> Result<Shipment> {
        let s = self.out_shipment(user, id).await?;
        let t = self.shipping_setup().await?.tracking.ok_or_else(|| {
            Error::Rule("请先在发货设置中填写快递100账号 / set up 快递100 first".into())
        })?;
        let com = jxc_channels::carriers::kuaidi100_code(&s.carrier).ok_or_else(|| {
            Error::Rule(format!(
                "{} 无法跟踪 / {} cannot be tracked",
                s.carrier, s.carrier
            ))
        })?;
        let k = self
            .kuaidi100(&t)
            .map_err(|e| Error::Upstream(e.to_string()))?;
        match k.query(com, &s.tracking_no, None).await {
            Ok(tr) => self.record(&s, &tr).await,
            // Not scanned by the carrier yet: nothing to record.
            Err(e) if kuaidi100::is_no_result(&e) => Ok(s),
            Err(e) => Err(Error::Upstream(e.to_string())),
        }
    }

    async fn record(&self, s: &Shipment, t: &Tracking) -> Result<Shipment> {
        if !s.status.is_out() {
            return Err(Error::Rule(format!(
                "发货单 {} 未发货，物流推送被忽略 / shipment {} has not shipped",
                s.id, s.id
            )));
        }
        let (status, exception) = verdict(&t.state, t.signed);
        let at_ms = t
            .events
            .last()
            .map(|e| e.at_ms)
            .unwrap_or_else(|| self.now_ms());
        Ok(self
            .store
            .record_tracking(
                s.id,
                &TrackingUpdate {
                    state: t.state.code().to_string(),
                    at_ms,
                    status,
                    exception,
                },
                &Actor::system("kuaidi100"),
            )
            .await?)
    }

    async fn shipment_by_tracking(&self, no: &str) -> Result<Option<Shipment>> {
        Ok(self
            .store
            .list_shipments(
                &ShipmentFilter {
                    tracking_no: Some(no.trim().to_string()),
                    ..Default::default()
                },
                &PageRequest::default(),
            )
            .await?
            .items
            .into_iter()
            .next())
    }

    /// 无物流更新: every shipment out with no tracking update for the setup's
    /// `stale_days` becomes an exception. Returns how many.
    pub async fn flag_quiet_shipments(&self) -> Result<usize> {
        let setup = self.shipping_setup().await?;
        let since = self.now_ms() - setup.stale_days * DAY_MS;
        let mut n = 0;
        loop {
            let page = self
                .store
                .list_shipments(
                    &ShipmentFilter {
                        quiet_since: Some(since),
                        ..Default::default()
                    },
                    &PageRequest::default(),
                )
                .await?;
            if page.items.is_empty() {
                return Ok(n);
            }
            for s in page.items {
                self.store
                    .record_tracking(
                        s.id,
                        &TrackingUpdate {
                            state: s.tracking_state.clone(),
                            at_ms: s.tracking_at.or(s.shipped_at).unwrap_or(since),
                            status: ShipmentStatus::Exception,
                            exception: format!(
                                "{} 天无物流更新 / no tracking update for {} days",
                                setup.stale_days, setup.stale_days
                            ),
                        },
                        &Actor::system("tracking"),
                    )
                    .await?;
                n += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_is_signed_trouble_is_an_exception_and_the_rest_is_in_transit() {
        let v = |code: &str, signed| verdict(&TrackingState::from_code(code), signed);
        assert_eq!(v("3", true).0, ShipmentStatus::Signed);
        assert_eq!(v("0", false), (ShipmentStatus::Shipped, String::new()));
        assert_eq!(v("5", false).0, ShipmentStatus::Shipped);
        assert_eq!(
            v("2", false),
            (ShipmentStatus::Exception, "疑难 / 2".into())
        );
        assert_eq!(
            v("14", false),
            (ShipmentStatus::Exception, "拒签 / 14".into())
        );
        assert_eq!(v("6", false).0, ShipmentStatus::Exception);
        // 退签: the sender signed for its own parcel back: not a delivery.
        assert_eq!(v("4", true).0, ShipmentStatus::Exception);
    }
}
