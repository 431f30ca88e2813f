//! 菜鸟电子面单 (Cainiao electronic waybills, `shared/specs/integrations.md` §7).
//!
//! - `cainiao.waybill.ii.get` is a TOP API: a form POST to `{base_url}/router/rest`
//!   (default `https://gw.api.taobao.com`), signed like every TOP call
//!   ([`crate::taobao::sign_request`]), with the one business parameter
//!   `param_waybill_cloud_print_apply_new_request` holding the request as JSON:
//!   `{cp_code, sender{name,mobile,phone?,address{province,city,district,detail}},
//!   trade_order_info_dtos[≤10]{object_id, order_info{order_channels_type,
//!   trade_order_list}, package_info{id,items[{name,count}],weight?}, recipient{…},
//!   template_url, user_id?}}`. See [`request_json`].
//! - The answer is `cainiao_waybill_ii_get_response.modules.waybill_cloud_print_response
//!   [{object_id, waybill_code, print_data, cp_code}]`. `print_data` is kept whole: when
//!   it comes as a JSON string (Cainiao writes the label's JSON as text) its text is kept,
//!   when it comes as an object its raw JSON text is kept. `modules` written as a bare
//!   list (TOP's simplified JSON) is read too.
//! - Errors are TOP's `error_response`, read as for Taobao: 7 = rate limited, 24–29 =
//!   refused credentials, anything else `Platform` with TOP's message; a body that is not
//!   JSON is `Malformed` with the body kept.
//! - [`print_command`] builds the command the Cainiao print component
//!   (`ws://localhost:13528`) prints from.
//!
//! Choices where the spec is silent: the shop credentials are Taobao's (`app_key`,
//! `app_secret`, `session`, optional `sign_method`, `base_url`) plus an optional
//! `user_id` (the seller's numeric id, sent as `user_id` when given); `weight` is in
//! grams; `package_info.id` is the parcel's `object_id`; a parcel without order ids
//! sends its `object_id` as the one trade order; a non-empty `town` is put in front of
//! `detail` (the address has no town field); `phone` is sent only when there is one.

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};

use crate::china_time;
use crate::http::Http;
use crate::taobao::{self, SignMethod};
use crate::waybill::{Parcel, Party, Waybill, WaybillRequest, Waybills};
use crate::wire::Text;
use crate::{ChannelError, ShopCredentials};

pub const DEFAULT_BASE_URL: &str = taobao::DEFAULT_BASE_URL;
pub const METHOD: &str = "cainiao.waybill.ii.get";
/// The business parameter holding the request.
pub const PARAM: &str = "param_waybill_cloud_print_apply_new_request";
/// The most parcels (`trade_order_info_dtos`) one call takes.
pub const MAX_PARCELS: usize = 10;
/// The `cp_code`s the spec has seen.
pub const CP_CODES: [&str; 8] = ["YTO", "SF", "YUNDA", "STO", "EMS", "HTKY", "POSTB", "ZJS"];

/// A seller's Cainiao waybill account (through its Taobao authorisation).
#[derive(Debug, Clone)]
pub struct Cainiao {
    app_key: String,
    app_secret: String,
    session: String,
    user_id: Option<String>,
    sign_method: SignMethod,
    endpoint: String,
    http: Http,
}

impl Cainiao {
    pub fn new(c: &ShopCredentials, http: Http) -> Result<Self, ChannelError> {
        let sign_method = match c.get("sign_method") {
            None => SignMethod::Md5,
            Some(m) => SignMethod::parse(m).ok_or(ChannelError::MissingCredential(
                "sign_method (md5 | hmac | hmac-sha256)",
            ))?,
        };
        Ok(Cainiao {
            app_key: c.require("app_key")?.to_string(),
            app_secret: c.require("app_secret")?.to_string(),
            session: c.require("session")?.to_string(),
            user_id: c.get("user_id").map(str::to_string),
            sign_method,
            endpoint: format!("{}/router/rest", c.base_url(DEFAULT_BASE_URL)),
            http,
        })
    }

    /// One signed TOP call of [`METHOD`] with `param` as the request; the answer's body.
    async fn call(&self, param: &str) -> Result<String, ChannelError> {
        let timestamp = china_time::now();
        let mut params: Vec<(&str, &str)> = vec![
            ("method", METHOD),
            ("app_key", &self.app_key),
            ("session", &self.session),
            ("timestamp", &timestamp),
            ("format", "json"),
            ("v", "2.0"),
            ("sign_method", self.sign_method.as_str()),
            (PARAM, param),
        ];
        let sign = taobao::sign_request(self.sign_method, &self.app_secret, &params);
        params.push(("sign", &sign));
        let req = self.http.client().post(&self.endpoint).form(&params);
        Ok(self.http.send(req).await?.body)
    }
}

#[async_trait]
impl Waybills for Cainiao {
    fn max_parcels(&self) -> usize {
        MAX_PARCELS
    }

    /// More than [`MAX_PARCELS`] parcels are refused before anything is sent (error code
    /// `too-many-parcels`): the caller cuts the batch and keeps each answer, so no issued
    /// waybill is lost to a later call's failure.
    async fn apply(&self, req: &WaybillRequest) -> Result<Vec<Waybill>, ChannelError> {
        if req.parcels.is_empty() {
            return Ok(Vec::new());
        }
        if req.parcels.len() > MAX_PARCELS {
            return Err(ChannelError::Platform {
                code: "too-many-parcels".into(),
                message: format!(
                    "一次最多 {MAX_PARCELS} 个包裹，收到 {} 个 / at most {MAX_PARCELS} parcels a call, got {}",
                    req.parcels.len(),
                    req.parcels.len()
                ),
            });
        }
        let param = request_json(req, self.user_id.as_deref()).to_string();
        let body = self.call(&param).await?;
        read_answer(&body, req)
    }
}

// ---- The request ---------------------------------------------------------------------

/// `param_waybill_cloud_print_apply_new_request` for `req` (spec §7).
pub fn request_json(req: &WaybillRequest, user_id: Option<&str>) -> Value {
    let dtos: Vec<Value> = req
        .parcels
        .iter()
        .map(|p| parcel_json(p, &req.template_url, user_id))
        .collect();
    json!({
        "cp_code": req.carrier_code.trim(),
        "sender": party_json(&req.sender),
        "trade_order_info_dtos": dtos,
    })
}

fn parcel_json(p: &Parcel, template_url: &str, user_id: Option<&str>) -> Value {
    let orders: Vec<&str> = match p.order_refs.iter().any(|r| !r.trim().is_empty()) {
        true => p
            .order_refs
            .iter()
            .map(|r| r.trim())
            .filter(|r| !r.is_empty())
            .collect(),
        false => vec![p.object_id.as_str()],
    };
    let items: Vec<Value> = p
        .items
        .iter()
        .map(|i| json!({ "name": i.name, "count": i.count }))
        .collect();
    let mut package = json!({ "id": p.object_id, "items": items });
    if let Some(w) = p.weight_g {
        package["weight"] = json!(w);
    }
    let mut dto = json!({
        "object_id": p.object_id,
        "order_info": {
            "order_channels_type": p.channel.cainiao_code(),
            "trade_order_list": orders,
        },
        "package_info": package,
        "recipient": party_json(&p.receiver),
        "template_url": template_url,
    });
    if let Some(id) = user_id {
        dto["user_id"] = match id.parse::<u64>() {
            Ok(n) => json!(n),
            Err(_) => json!(id),
        };
    }
    dto
}

fn party_json(p: &Party) -> Value {
    let (town, detail) = (p.town.trim(), p.detail.trim());
    let detail = if town.is_empty() || detail.starts_with(town) {
        detail.to_string()
    } else {
        format!("{town}{detail}")
    };
    let mut v = json!({
        "name": p.name.trim(),
        "mobile": p.mobile.trim(),
        "address": {
            "province": p.province.trim(),
            "city": p.city.trim(),
            "district": p.district.trim(),
            "detail": detail,
        },
    });
    if !p.phone.trim().is_empty() {
        v["phone"] = json!(p.phone.trim());
    }
    v
}

// ---- The answer ----------------------------------------------------------------------

#[derive(Deserialize)]
struct ApplyAnswer {
    #[serde(default)]
    modules: Option<Box<RawValue>>,
}

#[derive(Deserialize)]
struct Modules {
    #[serde(default)]
    waybill_cloud_print_response: Vec<Module>,
}

#[derive(Deserialize)]
struct Module {
    #[serde(default)]
    object_id: Text,
    #[serde(default)]
    waybill_code: Text,
    #[serde(default)]
    print_data: Option<Box<RawValue>>,
    #[serde(default)]
    cp_code: Text,
}

/// The waybills in `body`, in the order of `req`'s parcels (any the request did not name
/// at the end, as sent).
fn read_answer(body: &str, req: &WaybillRequest) -> Result<Vec<Waybill>, ChannelError> {
    let key = "cainiao_waybill_ii_get_response";
    let a: ApplyAnswer = crate::wire::answer(body, key, taobao::top_error)?;
    let shape = |e: serde_json::Error| {
        ChannelError::malformed(format!("modules 格式不符 / unexpected modules: {e}"), body)
    };
    let modules: Vec<Module> = match a.modules.as_deref().map(|m| m.get().trim_start()) {
        None => Vec::new(),
        Some(m) if m.starts_with('[') => serde_json::from_str(m).map_err(shape)?,
        Some(m) => {
            serde_json::from_str::<Modules>(m)
                .map_err(shape)?
                .waybill_cloud_print_response
        }
    };
    if modules.is_empty() {
        return Err(ChannelError::malformed(
            "没有返回面单 / the answer has no waybills",
            body,
        ));
    }
    let mut out = modules
        .into_iter()
        .map(|m| {
            let code = m.waybill_code.0.trim().to_string();
            let print_data = m.print_data.as_deref().map(print_data_text).unwrap_or_default();
            if code.is_empty() || print_data.trim().is_empty() {
                return Err(ChannelError::malformed(
                    format!(
                        "包裹 {} 缺少面单号或打印数据 / parcel {} has no waybill_code or print_data",
                        m.object_id.0, m.object_id.0
                    ),
                    body,
                ));
            }
            let carrier_code = match m.cp_code.0.trim() {
                "" => req.carrier_code.trim().to_string(),
                cp => cp.to_string(),
            };
            Ok(Waybill {
                object_id: m.object_id.0,
                waybill_code: code,
                print_data,
                carrier_code,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let position = |w: &Waybill| {
        req.parcels
            .iter()
            .position(|p| p.object_id == w.object_id)
            .unwrap_or(usize::MAX)
    };
    out.sort_by_key(position);
    Ok(out)
}

/// The text of `print_data`: a JSON string's content, anything else as it was written.
fn print_data_text(raw: &RawValue) -> String {
    let text = raw.get().trim();
    if text.starts_with('"') {
        serde_json::from_str::<String>(text).unwrap_or_else(|_| text.to_string())
    } else if text == "null" {
        String::new()
    } else {
        text.to_string()
    }
}

// ---- Printing ------------------------------------------------------------------------

/// The Cainiao print component's command (spec §7) printing `waybills` on `printer`, one
/// document each, in order: `documentID` is the waybill code and `contents` its
/// `print_data` (parsed, as the component expects JSON; text that is not JSON goes as a
/// string). `requestID` is `task_id` too (one request per task); `preview` is false.
pub fn print_command(task_id: &str, printer: &str, waybills: &[Waybill]) -> Value {
    let documents: Vec<Value> = waybills
        .iter()
        .map(|w| {
            let content = serde_json::from_str::<Value>(&w.print_data)
                .unwrap_or_else(|_| Value::String(w.print_data.clone()));
            json!({ "documentID": w.waybill_code, "contents": [content] })
        })
        .collect();
    json!({
        "cmd": "print",
        "requestID": task_id,
        "version": "1.0",
        "task": {
            "taskID": task_id,
            "printer": printer,
            "preview": false,
            "documents": documents,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::waybill::{Item, OrderChannel};

    fn party(name: &str, town: &str) -> Party {
        Party {
            name: name.into(),
            mobile: "13312345678".into(),
            province: "陕西省".into(),
            city: "西安市".into(),
            district: "新城区".into(),
            town: town.into(),
            detail: "解放路1号".into(),
            ..Party::default()
        }
    }

    fn request() -> WaybillRequest {
        WaybillRequest {
            carrier_code: "YTO".into(),
            sender: party("仓库", ""),
            parcels: ["S1", "S2"]
                .iter()
                .map(|id| Parcel {
                    object_id: id.to_string(),
                    order_refs: vec!["500001084".into()],
                    channel: OrderChannel::Taobao,
                    receiver: party("张三", "西一路街道"),
                    items: vec![Item {
                        name: "T恤".into(),
                        count: 2,
                    }],
                    weight_g: Some(500),
                })
                .collect(),
            template_url: "http://cloudprint.cainiao.com/template/standard/101".into(),
        }
    }

    #[test]
    fn the_request_has_the_spec_shape() {
        let v = request_json(&request(), Some("2200001"));
        assert_eq!(v["cp_code"], "YTO");
        assert_eq!(v["sender"]["address"]["detail"], "解放路1号");
        assert!(v["sender"].get("phone").is_none());
        let d = &v["trade_order_info_dtos"][1];
        assert_eq!(d["object_id"], "S2");
        assert_eq!(d["order_info"]["order_channels_type"], "TB");
        assert_eq!(d["order_info"]["trade_order_list"], json!(["500001084"]));
        assert_eq!(
            d["package_info"],
            json!({"id":"S2","items":[{"name":"T恤","count":2}],"weight":500})
        );
        assert_eq!(d["recipient"]["address"]["detail"], "西一路街道解放路1号");
        assert_eq!(d["recipient"]["mobile"], "13312345678");
        assert_eq!(
            d["template_url"],
            "http://cloudprint.cainiao.com/template/standard/101"
        );
        assert_eq!(d["user_id"], 2200001);
        let mut r = request();
        r.parcels[0].order_refs.clear();
        r.parcels[0].channel = OrderChannel::Other;
        let v = request_json(&r, None);
        let d = &v["trade_order_info_dtos"][0];
        assert_eq!(
            d["order_info"],
            json!({"order_channels_type":"OTHERS","trade_order_list":["S1"]})
        );
        assert!(d.get("user_id").is_none());
    }

    #[test]
    fn the_answer_is_read_in_request_order_with_print_data_whole() {
        let body = r#"{"cainiao_waybill_ii_get_response":{"modules":{"waybill_cloud_print_response":[
          {"object_id":"S2","waybill_code":"YT2","print_data":"{\"data\":\"x\",  \"signature\":\"s\"}","cp_code":"YTO"},
          {"object_id":"S1","waybill_code":"YT1","print_data":{"b":1,  "a":2}}]},"request_id":"r"}}"#;
        let w = read_answer(body, &request()).unwrap();
        assert_eq!(w[0].object_id, "S1");
        assert_eq!(w[0].print_data, r#"{"b":1,  "a":2}"#);
        assert_eq!(w[0].carrier_code, "YTO");
        assert_eq!(w[1].print_data, r#"{"data":"x",  "signature":"s"}"#);
        // TOP's simplified form: modules as a bare list.
        let body = r#"{"cainiao_waybill_ii_get_response":{"modules":[{"object_id":"S1","waybill_code":"YT1","print_data":"{}"}]}}"#;
        assert_eq!(
            read_answer(body, &request()).unwrap()[0].waybill_code,
            "YT1"
        );
        let body = r#"{"cainiao_waybill_ii_get_response":{"modules":[{"object_id":"S1","print_data":"{}"}]}}"#;
        assert!(matches!(
            read_answer(body, &request()),
            Err(ChannelError::Malformed { .. })
        ));
        let body = r#"{"cainiao_waybill_ii_get_response":{}}"#;
        assert!(matches!(
            read_answer(body, &request()),
            Err(ChannelError::Malformed { .. })
        ));
    }

    #[test]
    fn errors_are_read_as_top_errors() {
        let e = |body: &str| read_answer(body, &request()).unwrap_err();
        assert!(matches!(
            e(r#"{"error_response":{"code":7,"msg":"App Call Limited","sub_code":"accesscontrol.limited-by-api-access-count","sub_msg":"This ban will last for 3 more seconds"}}"#),
            ChannelError::RateLimited { retry_after: Some(d), .. } if d.as_secs() == 3
        ));
        assert!(matches!(
            e(r#"{"error_response":{"code":27,"msg":"Invalid session"}}"#),
            ChannelError::Unauthorized(_)
        ));
        match e(
            r#"{"error_response":{"code":15,"msg":"Remote service error","sub_code":"isv.x","sub_msg":"不支持"}}"#,
        ) {
            ChannelError::Platform { code, message } => {
                assert_eq!(code, "15");
                assert!(message.contains("不支持"));
            }
            other => panic!("{other:?}"),
        }
        match e("<html>502</html>") {
            ChannelError::Malformed { raw, .. } => assert_eq!(raw, "<html>502</html>"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_print_command_has_the_spec_shape() {
        let w = |code: &str, pd: &str| Waybill {
            object_id: code.into(),
            waybill_code: code.into(),
            print_data: pd.into(),
            carrier_code: "YTO".into(),
        };
        let c = print_command(
            "T1",
            "KM-118",
            &[w("YT1", r#"{"data":"a"}"#), w("YT2", "not json")],
        );
        assert_eq!(
            c,
            json!({"cmd":"print","requestID":"T1","version":"1.0","task":{"taskID":"T1",
              "printer":"KM-118","preview":false,"documents":[
                {"documentID":"YT1","contents":[{"data":"a"}]},
                {"documentID":"YT2","contents":["not json"]}]}})
        );
    }
}
