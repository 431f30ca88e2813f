-- 订单: one row per platform order (unique per shop), its lines, holds and events.
-- `source_json` is the order as last imported: a replay with the same content changes
-- nothing; a real change is applied and recorded as an event.
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    shop_id INTEGER NOT NULL REFERENCES shops (id),
    platform_order_id TEXT NOT NULL,
    platform_status TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL CHECK (state IN ('pending_review', 'approved', 'cancelled')),
    held INTEGER NOT NULL DEFAULT 0,
    buyer_nick TEXT NOT NULL DEFAULT '',
    buyer_id TEXT NOT NULL DEFAULT '',
    receiver_name TEXT NOT NULL DEFAULT '',
    receiver_mobile TEXT NOT NULL DEFAULT '',
    receiver_phone TEXT NOT NULL DEFAULT '',
    province TEXT NOT NULL DEFAULT '',
    city TEXT NOT NULL DEFAULT '',
    district TEXT NOT NULL DEFAULT '',
    town TEXT NOT NULL DEFAULT '',
    address_detail TEXT NOT NULL DEFAULT '',
    zip TEXT NOT NULL DEFAULT '',
    buyer_message TEXT NOT NULL DEFAULT '',
    seller_memo TEXT NOT NULL DEFAULT '',
    seller_flag INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    paid_at INTEGER,
    currency TEXT NOT NULL DEFAULT 'CNY',
    goods_amount INTEGER NOT NULL,
    shipping_fee INTEGER NOT NULL,
    discount_merchant INTEGER NOT NULL,
    discount_platform INTEGER NOT NULL,
    points_value INTEGER NOT NULL,
    paid_amount INTEGER NOT NULL,
    merge_key TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '',
    priority INTEGER NOT NULL DEFAULT 0,
    source_json TEXT NOT NULL,
    imported_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CONSTRAINT orders_platform_key UNIQUE (shop_id, platform_order_id)
);
CREATE INDEX orders_state ON orders (state, held, id);
CREATE INDEX orders_merge_key ON orders (merge_key);
CREATE INDEX orders_created ON orders (created_at);
CREATE INDEX orders_platform_id ON orders (platform_order_id);

CREATE TABLE order_lines (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders (id),
    line_no INTEGER NOT NULL,
    platform_line_id TEXT NOT NULL DEFAULT '',
    platform_item_id TEXT NOT NULL DEFAULT '',
    platform_sku_id TEXT NOT NULL DEFAULT '',
    outer_code TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    spec TEXT NOT NULL DEFAULT '',
    qty INTEGER NOT NULL,
    unit_price INTEGER NOT NULL,
    line_discount INTEGER NOT NULL,
    order_discount_share INTEGER NOT NULL,
    shipping_share INTEGER NOT NULL,
    paid INTEGER NOT NULL,
    refund_status TEXT NOT NULL DEFAULT '',
    sku_id INTEGER REFERENCES skus (id),
    CONSTRAINT order_lines_no UNIQUE (order_id, line_no)
);
CREATE INDEX order_lines_sku ON order_lines (sku_id);

-- A live hold has no released_at. One live hold per order and reason.
CREATE TABLE order_holds (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders (id),
    reason TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    released_at INTEGER,
    released_by TEXT,
    release_note TEXT
);
CREATE INDEX order_holds_order ON order_holds (order_id, released_at);
CREATE INDEX order_holds_reason ON order_holds (reason, released_at, order_id);

-- Every state change, hold and platform change of an order: append-only.
CREATE TABLE order_events (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders (id),
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX order_events_order ON order_events (order_id, id);
CREATE TRIGGER order_events_no_update BEFORE UPDATE ON order_events
BEGIN SELECT RAISE(ABORT, 'order_events is append-only'); END;
CREATE TRIGGER order_events_no_delete BEFORE DELETE ON order_events
BEGIN SELECT RAISE(ABORT, 'order_events is append-only'); END;
