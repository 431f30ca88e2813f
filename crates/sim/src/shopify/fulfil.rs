//! The simulated store's fulfillment orders and fulfillments (the rules are in the
//! parent module's header).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{errors, gate, shop_time};
use crate::{ShipRefusal, SimOrder, SimRefund, SimState, SimStatus};

/// A fulfillment order's id is this plus the world's order id.
pub const FO_BASE: u64 = 5_000_000_000;
/// A fulfillment order line item's id is this plus the world's line id.
pub const FO_LINE_BASE: u64 = 6_000_000_000;
/// A fulfillment's id is this plus the order id × 100 plus its parcel's index.
const FULFILLMENT_BASE: u64 = 4_000_000_000;

fn fo_status(o: &SimOrder) -> &'static str {
    match o.status {
        SimStatus::Unpaid => "open",
        SimStatus::Paid if o.part_shipped() => "in_progress",
        SimStatus::Paid => "open",
        SimStatus::Shipped | SimStatus::Completed | SimStatus::Cancelled => "closed",
    }
}

fn fulfillment_orders_json(o: &SimOrder) -> Value {
    let status = fo_status(o);
    let lines: Vec<Value> = o
        .lines
        .iter()
        .map(|l| {
            let open = status != "closed"
                && !o.line_shipped(l.line_id)
                && l.refund != SimRefund::Refunded;
            json!({
                "id": FO_LINE_BASE + l.line_id, "shop_id": 1, "fulfillment_order_id": FO_BASE + o.id,
                "line_item_id": l.line_id, "variant_id": l.sku_id, "inventory_item_id": l.sku_id,
                "quantity": l.qty, "fulfillable_quantity": if open { l.qty } else { 0 },
            })
        })
        .collect();
    json!({ "fulfillment_orders": [{
        "id": FO_BASE + o.id, "shop_id": 1, "order_id": o.id, "assigned_location_id": 1,
        "request_status": "unsubmitted", "status": status,
        "supported_actions": if status == "closed" { json!([]) } else { json!(["create_fulfillment"]) },
        "line_items": lines,
    }]})
}

/// The order's fulfillments (one per parcel reported), as the order and the list show them.
pub(super) fn fulfillments_json(o: &SimOrder) -> Vec<Value> {
    o.shipments
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let lines: Vec<Value> = o
                .lines
                .iter()
                .filter(|l| s.line_ids.contains(&l.line_id))
                .map(|l| json!({"id": l.line_id, "sku": l.sku_code, "quantity": l.qty}))
                .collect();
            json!({
                "id": FULFILLMENT_BASE + o.id * 100 + i as u64, "order_id": o.id,
                "status": "success", "service": "manual", "created_at": shop_time(s.at_ms),
                "tracking_company": s.carrier, "tracking_number": s.tracking_no,
                "tracking_numbers": [s.tracking_no], "tracking_url": null,
                "line_items": lines,
            })
        })
        .collect()
}

/// The order a path's `{id}` segment names, if any.
fn order_of(s: &SimState, file: &str) -> Option<SimOrder> {
    file.parse::<u64>().ok().and_then(|id| s.world.order(id))
}

pub(super) async fn fulfillment_orders(
    State(s): State<SimState>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Response {
    if let Some(r) = gate(&s, &headers) {
        return r;
    }
    match order_of(&s, &file) {
        Some(o) => axum::Json(fulfillment_orders_json(&o)).into_response(),
        None => errors(StatusCode::NOT_FOUND, json!("Not Found")),
    }
}

pub(super) async fn fulfillments(
    State(s): State<SimState>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Response {
    if let Some(r) = gate(&s, &headers) {
        return r;
    }
    match order_of(&s, &file) {
        Some(o) => axum::Json(json!({ "fulfillments": fulfillments_json(&o) })).into_response(),
        None => errors(StatusCode::NOT_FOUND, json!("Not Found")),
    }
}

fn unprocessable(why: &str) -> Response {
    errors(StatusCode::UNPROCESSABLE_ENTITY, json!([why]))
}

pub(super) async fn create(
    State(s): State<SimState>,
    headers: HeaderMap,
    body: String,
) -> Response {
    if let Some(r) = gate(&s, &headers) {
        return r;
    }
    let Ok(v) = serde_json::from_str::<Value>(&body) else {
        return errors(StatusCode::BAD_REQUEST, json!("Bad Request"));
    };
    let f = &v["fulfillment"];
    let groups = f["line_items_by_fulfillment_order"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let [group] = groups.as_slice() else {
        return errors(
            StatusCode::BAD_REQUEST,
            json!({"line_items_by_fulfillment_order": ["must name the order's one fulfillment order"]}),
        );
    };
    let order = group["fulfillment_order_id"]
        .as_u64()
        .and_then(|id| id.checked_sub(FO_BASE))
        .and_then(|id| s.world.order(id));
    let Some(o) = order else {
        return errors(StatusCode::NOT_FOUND, json!("Not Found"));
    };
    let mut lines = Vec::new();
    for item in group["fulfillment_order_line_items"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        match item["id"]
            .as_u64()
            .and_then(|id| id.checked_sub(FO_LINE_BASE))
        {
            Some(line) => lines.push(line),
            None => return unprocessable("Invalid fulfillment order line item id"),
        }
    }
    let tracking = &f["tracking_info"];
    let number = tracking["number"].as_str().unwrap_or_default();
    let company = match tracking["company"].as_str().unwrap_or_default().trim() {
        "" => "Other",
        c => c,
    };
    let unfulfillable = || {
        unprocessable(&format!(
            "Fulfillment order {} has an unfulfillable status= {}",
            FO_BASE + o.id,
            fo_status(&o)
        ))
    };
    match s.world.ship(o.id, company, number, &lines) {
        Ok(()) => {
            let o = s.world.order(o.id).unwrap_or(o);
            let created = fulfillments_json(&o).pop().unwrap_or(Value::Null);
            (
                StatusCode::CREATED,
                axum::Json(json!({ "fulfillment": created })),
            )
                .into_response()
        }
        Err(ShipRefusal::MissingTrackingNo) => errors(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"tracking_number": ["can't be blank"]}),
        ),
        Err(ShipRefusal::UnknownOrder) => errors(StatusCode::NOT_FOUND, json!("Not Found")),
        Err(ShipRefusal::UnknownLine(_)) => unprocessable("Invalid fulfillment order line item id"),
        Err(ShipRefusal::NotPaid) => unprocessable("The order is not paid (simulator rule)"),
        Err(ShipRefusal::Closed | ShipRefusal::AlreadyShipped) => unfulfillable(),
    }
}
