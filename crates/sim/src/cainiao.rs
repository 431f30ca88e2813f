//! Cainiao electronic-waybill simulator (`shared/specs/integrations.md` §7): TOP's
//! `POST /router/rest` (form or query parameters) answering `cainiao.waybill.ii.get`.
//!
//! - Checks, in TOP's order and with TOP's codes, written here (the signature itself is
//!   [`crate::taobao::expected_sign`]): app key (28/29), signature (24/25), session
//!   (26/27), timestamp within ±10 minutes (30/31), `v` (32/34), `format=json` (23); an
//!   unknown method is 22. Refused credentials count as bad signatures.
//! - `param_waybill_cloud_print_apply_new_request` missing is 40 (`isv.missing-parameter`),
//!   not JSON or without 1–10 `trade_order_info_dtos` 41 (`isv.invalid-parameter`). The
//!   business refusals are 15 "Remote service error" with a sub code of this simulator's
//!   own (the spec names none): `isv.cp-code-not-supported` for a `cp_code` outside the
//!   spec's list, `isv.address-incomplete` for a sender or a recipient without name,
//!   province, city or detail, `isv.object-id-missing` for a parcel without `object_id`.
//!   A request is checked whole before any number is issued.
//! - Waybill codes are per `cp_code`: two letters ([`code_prefix`]) + 13 digits,
//!   sequential from `1000000000001` (not the carriers' real formats). `print_data` is a
//!   JSON string holding `{"encryptedData","signature","templateURL","ver"}`: the label
//!   fields, base64 (not encrypted), and an MD5 of them with the app secret.
//! - The world's faults apply (rate limit = TOP's code 7, 500, a body that is not JSON).
//! - [`CainiaoState`] counts requests, waybills issued and bad signatures, and keeps what
//!   was issued; refusals of the credentials also count in the world's `bad_signatures`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use md5::{Digest, Md5};
use serde_json::{Value, json};

use crate::taobao::{Params, check_request, error, get};
use crate::{SimServer, SimState};

pub const METHOD: &str = "cainiao.waybill.ii.get";
pub const PARAM: &str = "param_waybill_cloud_print_apply_new_request";
/// The `cp_code`s the simulator issues for (the spec's list).
pub const CP_CODES: [&str; 8] = ["YTO", "SF", "YUNDA", "STO", "EMS", "HTKY", "POSTB", "ZJS"];

/// The two letters this simulator's codes for `cp_code` start with.
pub fn code_prefix(cp_code: &str) -> Option<&'static str> {
    Some(match cp_code {
        "YTO" => "YT",
        "SF" => "SF",
        "YUNDA" => "YD",
        "STO" => "ST",
        "EMS" => "EM",
        "HTKY" => "HT",
        "POSTB" => "PB",
        "ZJS" => "ZJ",
        _ => return None,
    })
}

/// What the simulator saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CainiaoStats {
    pub requests: u64,
    pub waybills_issued: u64,
    /// Requests refused for their app key, signature or session.
    pub bad_signatures: u64,
    /// Well-signed requests refused for their content.
    pub refused: u64,
}

/// One waybill the simulator issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    pub cp_code: String,
    pub waybill_code: String,
    pub object_id: String,
    /// The text of `print_data` as sent.
    pub print_data: String,
}

#[derive(Debug, Default)]
struct Data {
    stats: CainiaoStats,
    next: BTreeMap<String, u64>,
    issued: Vec<Issued>,
}

/// The simulator's counters and issued waybills. Clones share them.
#[derive(Debug, Clone, Default)]
pub struct CainiaoState {
    data: Arc<Mutex<Data>>,
}

impl CainiaoState {
    fn with<R>(&self, f: impl FnOnce(&mut Data) -> R) -> R {
        let mut g = self.data.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut g)
    }

    pub fn stats(&self) -> CainiaoStats {
        self.with(|d| d.stats.clone())
    }

    /// Every waybill issued so far, in order.
    pub fn issued(&self) -> Vec<Issued> {
        self.with(|d| d.issued.clone())
    }
}

#[derive(Clone)]
struct Ctx {
    sim: SimState,
    cainiao: CainiaoState,
}

pub fn router(state: SimState, cainiao: CainiaoState) -> Router {
    Router::new()
        .route("/router/rest", post(rest).get(rest))
        .with_state(Ctx {
            sim: state,
            cainiao,
        })
}

/// Starts the simulator with fresh counters (bad signatures show in the world's stats).
pub async fn start(state: SimState) -> std::io::Result<SimServer> {
    start_with(state, CainiaoState::default()).await
}

/// Starts the simulator counting into `cainiao` (keep a clone to read it).
pub async fn start_with(state: SimState, cainiao: CainiaoState) -> std::io::Result<SimServer> {
    SimServer::serve(
        router(state.clone(), cainiao),
        state,
        ([127, 0, 0, 1], 0).into(),
    )
    .await
}

async fn rest(State(c): State<Ctx>, RawQuery(query): RawQuery, body: Bytes) -> Response {
    c.sim.world.with(|w| w.stats.requests += 1);
    c.cainiao.with(|d| d.stats.requests += 1);
    let mut list: Vec<(String, String)> = query
        .and_then(|q| serde_urlencoded::from_str(&q).ok())
        .unwrap_or_default();
    list.extend(serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body).unwrap_or_default());
    let p: Params = list.iter().cloned().collect();

    let world = &c.sim.world;
    if world.take_fault(|f| &mut f.server_error) {
        return (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response();
    }
    if world.take_fault(|f| &mut f.rate_limited) {
        return error(
            7,
            "App Call Limited",
            "accesscontrol.limited-by-api-access-count",
            "This ban will last for 1 more seconds",
        );
    }
    if world.take_fault(|f| &mut f.malformed_body) {
        return (
            [(header::CONTENT_TYPE, "text/html")],
            "<html><body>502 Bad Gateway</body></html>",
        )
            .into_response();
    }
    // TOP's own checks (the Taobao simulator's); a refusal also counts here.
    let before = c.sim.world.with(|w| w.stats.bad_signatures);
    if let Some(refused) = check_request(&c.sim, &list, &p) {
        if c.sim.world.with(|w| w.stats.bad_signatures) > before {
            c.cainiao.with(|d| d.stats.bad_signatures += 1);
        }
        return refused;
    }
    match get(&p, "method") {
        METHOD => match apply(&c, &p) {
            Ok(r) => r,
            Err(r) => {
                c.cainiao.with(|d| d.stats.refused += 1);
                r
            }
        },
        _ => error(22, "Invalid method", "", ""),
    }
}

fn refuse(sub_code: &str, sub_msg: String) -> Response {
    error(15, "Remote service error", sub_code, &sub_msg)
}

fn text<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    path.iter()
        .fold(Some(v), |v, k| v.and_then(|v| v.get(*k)))
        .and_then(Value::as_str)
        .map(str::trim)
        .unwrap_or("")
}

/// The first missing field of a party (`name`, `address.province|city|detail`).
fn missing_in_party(p: &Value) -> Option<&'static str> {
    [
        ("name", &["name"][..]),
        ("address.province", &["address", "province"][..]),
        ("address.city", &["address", "city"][..]),
        ("address.detail", &["address", "detail"][..]),
    ]
    .into_iter()
    .find(|(_, path)| text(p, path).is_empty())
    .map(|(name, _)| name)
}

/// Checks the request whole, then issues a code for each parcel.
fn apply(c: &Ctx, p: &Params) -> Result<Response, Response> {
    let raw = get(p, PARAM);
    if raw.is_empty() {
        return Err(error(
            40,
            "Missing required arguments",
            "isv.missing-parameter",
            PARAM,
        ));
    }
    let invalid = |m: &str| error(41, "Invalid arguments", "isv.invalid-parameter", m);
    let req: Value = serde_json::from_str(raw).map_err(|e| invalid(&format!("{PARAM}: {e}")))?;
    let cp_code = text(&req, &["cp_code"]);
    let Some(prefix) = code_prefix(cp_code) else {
        return Err(refuse(
            "isv.cp-code-not-supported",
            format!("不支持的物流公司 / cp_code not supported: {cp_code}"),
        ));
    };
    if let Some(field) = missing_in_party(&req["sender"]) {
        return Err(refuse(
            "isv.address-incomplete",
            format!("发件人信息不完整 / sender lacks {field}"),
        ));
    }
    let dtos = match req["trade_order_info_dtos"].as_array() {
        Some(d) if (1..=10).contains(&d.len()) => d,
        _ => return Err(invalid("trade_order_info_dtos: 1–10 parcels")),
    };
    for d in dtos {
        let object_id = text(d, &["object_id"]);
        if object_id.is_empty() {
            return Err(refuse(
                "isv.object-id-missing",
                "包裹缺少 object_id / a parcel has no object_id".into(),
            ));
        }
        if let Some(field) = missing_in_party(&d["recipient"]) {
            return Err(refuse(
                "isv.address-incomplete",
                format!("收件人信息不完整 / recipient of {object_id} lacks {field}"),
            ));
        }
    }
    let secret = &c.sim.credentials.app_secret;
    let modules: Vec<Value> = c.cainiao.with(|data| {
        dtos.iter()
            .map(|d| {
                let n = data.next.entry(cp_code.to_string()).or_insert(1);
                let code = format!("{prefix}{:013}", 1_000_000_000_000 + *n);
                *n += 1;
                let object_id = text(d, &["object_id"]).to_string();
                let print_data = print_data(&code, cp_code, d, text(d, &["template_url"]), secret);
                data.stats.waybills_issued += 1;
                data.issued.push(Issued {
                    cp_code: cp_code.to_string(),
                    waybill_code: code.clone(),
                    object_id: object_id.clone(),
                    print_data: print_data.clone(),
                });
                json!({ "object_id": object_id, "waybill_code": code,
                        "print_data": print_data, "cp_code": cp_code })
            })
            .collect()
    });
    let request_id = format!("sim{}", chrono::Utc::now().timestamp_millis());
    Ok(axum::Json(json!({ "cainiao_waybill_ii_get_response": {
        "modules": { "waybill_cloud_print_response": modules },
        "request_id": request_id,
    }}))
    .into_response())
}

/// The label's print data as JSON text: the fields base64'd (standing in for Cainiao's
/// encryption), signed with MD5 over them and the secret.
fn print_data(code: &str, cp_code: &str, dto: &Value, template_url: &str, secret: &str) -> String {
    let fields = json!({
        "waybillCode": code,
        "cpCode": cp_code,
        "objectId": dto["object_id"],
        "recipient": dto["recipient"],
    })
    .to_string();
    let encrypted = base64::engine::general_purpose::STANDARD.encode(fields.as_bytes());
    let signature = hex::encode(Md5::digest(format!("{encrypted}{secret}").as_bytes()));
    json!({
        "encryptedData": encrypted,
        "signature": signature,
        "templateURL": template_url,
        "ver": "waybill_print_secret_version_1",
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spec_cp_code_has_a_prefix_and_others_none() {
        for cp in CP_CODES {
            assert_eq!(code_prefix(cp).map(str::len), Some(2), "{cp}");
        }
        assert_eq!(code_prefix("NOPE"), None);
        assert_eq!(code_prefix("yto"), None);
    }

    #[test]
    fn a_party_needs_name_province_city_and_detail() {
        let full = json!({"name":"张三","mobile":"1","address":{"province":"陕西省","city":"西安市",
          "district":"","detail":"解放路1号"}});
        assert_eq!(missing_in_party(&full), None);
        let mut p = full.clone();
        p["address"]["detail"] = json!("  ");
        assert_eq!(missing_in_party(&p), Some("address.detail"));
        assert_eq!(
            missing_in_party(&json!({"name":"x"})),
            Some("address.province")
        );
        assert_eq!(missing_in_party(&Value::Null), Some("name"));
    }

    #[test]
    fn print_data_is_json_text_that_names_the_template() {
        let dto = json!({"object_id":"S1","recipient":{"name":"张三"}});
        let pd = print_data("YT1000000000001", "YTO", &dto, "http://t/1", "k");
        let v: Value = serde_json::from_str(&pd).unwrap();
        assert_eq!(v["templateURL"], "http://t/1");
        let fields = base64::engine::general_purpose::STANDARD
            .decode(v["encryptedData"].as_str().unwrap())
            .unwrap();
        let fields: Value = serde_json::from_slice(&fields).unwrap();
        assert_eq!(fields["waybillCode"], "YT1000000000001");
        assert_eq!(v["signature"].as_str().unwrap().len(), 32);
    }
}
