//! 发货 over HTTP: the shipping setup (fields named when wrong, the key never shown),
//! waybills for a wave from the local range, the 100×150 mm labels in pick order, the
//! scan lookup, shipping refused on a wrong count and done on the right one (the issue
//! posted, a platform that cannot be reached recorded, not fatal), the shipments list
//! with its filters and Excel export, and who may do what.

mod common;

use common::{TestServer, warehouse_with_orders};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// The five orders of `warehouse_with_orders`, approved, allocated and in one wave.
async fn one_wave(s: &TestServer) -> (i64, i64) {
    let wh = warehouse_with_orders(s).await;
    let admin = s.admin().await;
    let (_, orders) = admin.api(Method::GET, "/api/v1/orders", None).await;
    let ids: Vec<i64> = orders["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_i64().unwrap())
        .collect();
    admin
        .api(
            Method::POST,
            "/api/v1/orders/approve",
            Some(json!({"ids": ids})),
        )
        .await;
    admin
        .api(
            Method::POST,
            "/api/v1/orders/allocate",
            Some(json!({"ids": ids})),
        )
        .await;
    let (st, waves) = admin
        .api(
            Method::POST,
            "/api/v1/waves",
            Some(json!({"warehouse_id": wh, "single_units_apart": false})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{waves}");
    assert_eq!(waves[0]["orders"].as_array().unwrap().len(), 5, "{waves}");
    (wh, waves[0]["id"].as_i64().unwrap())
}

#[tokio::test]
async fn a_wave_is_labelled_scanned_and_shipped_over_http() {
    let s = TestServer::start().await;
    let (_wh, wave) = one_wave(&s).await;
    let admin = s.admin().await;
    let viewer = s.browser_as("kan.kan", &["只读"]).await;
    let picker = s.browser_as("xiao.wang", &["仓库"]).await;

    // Nobody set a sender: taking waybills says what to do.
    let (st, e) = admin
        .api(Method::POST, &format!("/api/v1/waves/{wave}/labels"), None)
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e["message"].as_str().unwrap().contains("寄件人"), "{e}");

    // The setup names every wrong field; a good one is kept and its key never shown.
    let (st, e) = admin
        .api(
            Method::PUT,
            "/api/v1/shipping/setup",
            Some(
                json!({"source": {"kind": "local", "prefix": "jx"}, "carrier": "圆通",
                "sender_name": "", "sender_phone": "12", "notify_url": "", "notify_secret": ""}),
            ),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let fields: Vec<&str> = e["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["source.prefix", "carrier", "sender_name", "sender_phone"]
    );
    let good = json!({"source": {"kind": "local", "prefix": "JXC"}, "carrier": "yuantong",
        "sender_name": "杭州仓", "sender_phone": "0571-88886666",
        "notify_url": "", "notify_secret": "", "stale_days": 3});
    assert_eq!(
        viewer
            .api(Method::PUT, "/api/v1/shipping/setup", Some(good.clone()))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (st, saved) = admin
        .api(Method::PUT, "/api/v1/shipping/setup", Some(good))
        .await;
    assert_eq!(st, StatusCode::OK, "{saved}");
    assert_eq!(saved["sender_name"], "杭州仓");

    // 取号: the viewer may not; the picker may. One shipment per order.
    assert_eq!(
        viewer
            .api(Method::POST, &format!("/api/v1/waves/{wave}/labels"), None)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (st, labels) = picker
        .api(Method::POST, &format!("/api/v1/waves/{wave}/labels"), None)
        .await;
    assert_eq!(st, StatusCode::OK, "{labels}");
    let labels = labels.as_array().unwrap().clone();
    assert_eq!(labels.len(), 5);
    assert!(labels.iter().all(|l| l["status"] == "labelled"));

    // The labels page: five 100×150 mm labels, each with its tracking number's Code128.
    let page = admin.get(&format!("/waves/{wave}/labels")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(page.body.matches("<section class=\"label\"").count(), 5);
    assert_eq!(page.body.matches("<svg").count(), 5);
    for l in &labels {
        assert!(page.contains(l["tracking_no"].as_str().unwrap()));
    }
    let css = admin.get("/assets/app.css").await;
    assert!(css.contains("size: 100mm 150mm"));
    // Local numbers print here, not through Cainiao's component.
    let (st, e) = admin
        .api(
            Method::GET,
            &format!("/api/v1/waves/{wave}/print-command"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");

    // The scan station finds a label and what to count.
    let first = labels[0]["tracking_no"].as_str().unwrap();
    let id = labels[0]["id"].as_i64().unwrap();
    assert_eq!(
        viewer
            .api(Method::GET, &format!("/api/v1/scan/{first}"), None)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (st, view) = picker
        .api(Method::GET, &format!("/api/v1/scan/{first}"), None)
        .await;
    assert_eq!(st, StatusCode::OK, "{view}");
    assert_eq!(view["shipment"]["id"], id);
    let lines = view["lines"].as_array().unwrap().clone();
    assert!(!lines.is_empty());
    let (st, _) = picker
        .api(Method::GET, "/api/v1/scan/NO-SUCH-LABEL", None)
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // A count that does not match is refused and nothing moves.
    let scanned: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| json!({"sku_id": l["sku_id"], "qty": l["qty"]}))
        .collect();
    let mut extra = scanned.clone();
    extra[0]["qty"] = json!(extra[0]["qty"].as_i64().unwrap() + 1);
    let (st, e) = picker
        .api(
            Method::POST,
            &format!("/api/v1/shipments/{id}/ship"),
            Some(json!({"scanned": extra})),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{e}");
    assert_eq!(e["field"], "scanned");

    // The right count ships it. The shop has no API keys: the write-back failure is
    // recorded on the shipment, and the goods have still left.
    let (st, done) = picker
        .api(
            Method::POST,
            &format!("/api/v1/shipments/{id}/ship"),
            Some(json!({"scanned": scanned, "packages": 1, "weight_g": 640})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{done}");
    assert_eq!(done["shipment"]["status"], "shipped");
    assert_ne!(done["writeback"], "ok");
    assert_eq!(done["notified"], "");
    let doc = done["shipment"]["document_id"].as_i64().unwrap();
    let (_, moves) = admin
        .api(
            Method::GET,
            &format!("/api/v1/stock/moves?document_id={doc}"),
            None,
        )
        .await;
    let units: i64 = lines.iter().map(|l| l["qty"].as_i64().unwrap()).sum();
    let issued: i64 = moves["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| -m["qty"].as_i64().unwrap())
        .sum();
    assert_eq!(issued, units, "{moves}");

    // The list: filtered by status, found by tracking number, exported to Excel.
    let (_, shipped) = admin
        .api(Method::GET, "/api/v1/shipments?status=shipped", None)
        .await;
    assert_eq!(shipped["items"].as_array().unwrap().len(), 1);
    let (st, _) = admin
        .api(Method::GET, "/api/v1/shipments?status=lost", None)
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let list = viewer.get("/shipments?status=labelled").await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.body.matches("data-status=\"labelled\"").count(), 4);
    let found = viewer.get(&format!("/shipments?tracking_no={first}")).await;
    assert_eq!(found.body.matches("data-shipment=").count(), 1);
    let xlsx = viewer.get("/shipments/export.xlsx").await;
    assert_eq!(xlsx.status, StatusCode::OK);
    let detail = viewer.get(&format!("/shipments/{id}")).await;
    assert!(detail.contains("id=\"document-link\""), "{}", detail.body);
    assert!(
        !detail.contains("id=\"retry-writeback\""),
        "viewers do not retry"
    );
    let detail = admin.get(&format!("/shipments/{id}")).await;
    assert!(detail.contains("id=\"retry-writeback\""), "{}", detail.body);

    // 发货报表: today's one shipment, shipped within 48 h of payment? The orders were
    // paid on 2026-11-20, so it is late; picker shipped it.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let today = jxc_app::china_day::date_text(now);
    let (st, r) = viewer
        .api(
            Method::GET,
            &format!("/api/v1/fulfillment/report?from={today}&to={today}"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(r["overall"]["shipments"], 1);
    assert_eq!(
        (
            r["overall"]["on_time"].as_i64(),
            r["overall"]["late"].as_i64()
        ),
        (Some(0), Some(1))
    );
    assert_eq!(r["by_person"][0][0], "xiao.wang");
    assert_eq!(r["by_day"][0][0], today.as_str());
    let (st, _) = viewer
        .api(
            Method::GET,
            &format!("/api/v1/fulfillment/report?from={today}&to=2020-01-01"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let page = viewer.get("/fulfillment/report").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.contains("id=\"overall-shipments\">1<"),
        "{}",
        page.body
    );
    assert!(page.contains("xiao.wang"));
    let bad = viewer.get("/fulfillment/report?from=yesterday").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("from: 日期如"), "{}", bad.body);
    let xlsx = viewer.get("/fulfillment/report/export.xlsx").await;
    assert_eq!(xlsx.status, StatusCode::OK);

    // The scan station page is for those who ship.
    assert_eq!(picker.get("/scan").await.status, StatusCode::OK);
    assert_eq!(viewer.get("/scan").await.status, StatusCode::FORBIDDEN);
    assert!(admin.get("/assets/scan.js").await.contains("jxcLastSound"));

    // The setup form names its fields too.
    let page = admin
        .post(
            "/shipping/setup",
            &[
                ("source", "local"),
                ("prefix", "JXC"),
                ("carrier", "yuantong"),
                ("sender_name", "杭州仓"),
                ("sender_phone", "x"),
                ("stale_days", "3"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("data-field=\"sender_phone\""),
        "{}",
        page.body
    );
}

/// Ships the first `n` labelled shipments of `wave` with the counts the scan asks for;
/// answers their tracking numbers and ids.
async fn ship_first(s: &TestServer, wave: i64, n: usize) -> Vec<(String, i64, serde_json::Value)> {
    let admin = s.admin().await;
    let (_, labels) = admin
        .api(Method::POST, &format!("/api/v1/waves/{wave}/labels"), None)
        .await;
    let mut out = Vec::new();
    for l in labels.as_array().unwrap().iter().take(n) {
        let no = l["tracking_no"].as_str().unwrap().to_string();
        let id = l["id"].as_i64().unwrap();
        let (_, view) = admin
            .api(Method::GET, &format!("/api/v1/scan/{no}"), None)
            .await;
        let scanned: Vec<serde_json::Value> = view["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| json!({"sku_id": l["sku_id"], "qty": l["qty"]}))
            .collect();
        let (st, done) = admin
            .api(
                Method::POST,
                &format!("/api/v1/shipments/{id}/ship"),
                Some(json!({"scanned": scanned})),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{done}");
        out.push((no, id, done));
    }
    out
}

#[tokio::test]
async fn kuaidi100_tracks_shipments_to_signed_or_an_exception() {
    use jxc_sim::kuaidi100::{Kuaidi100State, start};
    let s = TestServer::start().await;
    let (_wh, wave) = one_wave(&s).await;
    let admin = s.admin().await;
    let k100 = start(Kuaidi100State::default()).await.unwrap();
    let creds = k100.credentials();
    let (st, saved) = admin
        .api(
            Method::PUT,
            "/api/v1/shipping/setup",
            Some(
                json!({"source": {"kind": "local", "prefix": "JXC"}, "carrier": "yuantong",
                "sender_name": "杭州仓", "sender_phone": "0571-88886666",
                "tracking": {"customer": creds["customer"], "key": creds["key"],
                    "salt": "salt-for-callbacks", "base_url": k100.base_url,
                    "callback_url": format!("{}/hooks/tracking/kuaidi100", s.base)}}),
            ),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{saved}");
    assert_eq!(saved["tracking"]["salt"], "***", "keys are never shown");
    let shipped = ship_first(&s, wave, 2).await;
    assert!(
        shipped.iter().all(|(_, _, d)| d["subscribed"] == "ok"),
        "{shipped:?}"
    );
    let subs: Vec<String> = k100
        .state
        .subscriptions()
        .iter()
        .map(|x| x.tracking_no.clone())
        .collect();
    assert_eq!(subs, [shipped[0].0.clone(), shipped[1].0.clone()]);

    // The carrier moves the parcels: one signed for, one refused by the buyer.
    let (a, b) = (&shipped[0].0, &shipped[1].0);
    let t0 = 1_795_600_000_000;
    for (no, state, text) in [(a, "3", "已签收，签收人：本人"), (b, "14", "收件人拒签")]
    {
        k100.state.add_parcel("yuantong", no);
        k100.state.push_event(no, t0, "快件已揽收");
        k100.state.push_event(no, t0 + 3_600_000, text);
        k100.state.set_state(no, state);
    }
    let report = k100.state.send_callbacks().await;
    assert_eq!((report.delivered, report.failed), (2, 0), "{report:?}");
    let status = |id: i64| {
        let admin = &admin;
        async move {
            admin
                .api(Method::GET, &format!("/api/v1/shipments/{id}"), None)
                .await
                .1["shipment"]
                .clone()
        }
    };
    let sa = status(shipped[0].1).await;
    assert_eq!(
        (sa["status"].as_str(), sa["tracking_state"].as_str()),
        (Some("signed"), Some("3"))
    );
    let sb = status(shipped[1].1).await;
    assert_eq!(sb["status"], "exception");
    assert_eq!(sb["exception"], "拒签 / 14");
    let list = admin.get("/shipments?status=exception").await;
    assert!(list.contains("拒签"), "{}", list.body);

    // A forged callback is refused and changes nothing.
    let forged = reqwest::Client::new()
        .post(format!("{}/hooks/tracking/kuaidi100", s.base))
        .form(&[
            ("param", format!(r#"{{"status":"polling","lastResult":{{"state":"3","ischeck":"1","com":"yuantong","nu":"{b}","data":[]}}}}"#)),
            ("sign", "0123456789ABCDEF0123456789ABCDEF".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(status(shipped[1].1).await["status"], "exception");

    // The parcel is re-delivered: 刷新物流 asks 快递100 now and it is in transit again.
    k100.state
        .push_event(b, t0 + 7_200_000, "转寄新地址，派件中");
    k100.state.set_state(b, "5");
    let (st, again) = admin
        .api(
            Method::POST,
            &format!("/api/v1/shipments/{}/tracking", shipped[1].1),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{again}");
    assert_eq!(
        (again["status"].as_str(), again["exception"].as_str()),
        (Some("shipped"), Some(""))
    );
}
