-- 预警: per SKU × warehouse limits, alerts (one open per cause), where they are sent
-- and what was sent. A cause_key stays the same while its condition holds; the partial
-- unique index keeps one open alert per cause.
CREATE TABLE stock_levels (
    sku_id INTEGER NOT NULL REFERENCES skus(id),
    warehouse_id INTEGER NOT NULL REFERENCES warehouses(id),
    min_qty INTEGER CHECK (min_qty IS NULL OR min_qty >= 0),
    max_qty INTEGER CHECK (max_qty IS NULL OR max_qty >= 0),
    cover_days INTEGER CHECK (cover_days IS NULL OR cover_days >= 0),
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (sku_id, warehouse_id)
);

CREATE TABLE alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    cause_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    sku_id INTEGER,
    warehouse_id INTEGER,
    title TEXT NOT NULL,
    detail TEXT NOT NULL,
    link TEXT NOT NULL,
    opened_at INTEGER NOT NULL,
    closed_at INTEGER,
    closed_by TEXT NOT NULL DEFAULT '',
    acked_at INTEGER,
    acked_by TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX alerts_open_cause ON alerts (cause_key) WHERE closed_at IS NULL;
CREATE INDEX alerts_kind ON alerts (kind, id);

CREATE TABLE alert_channels (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('dingtalk', 'feishu', 'wecom', 'email')),
    -- JSON with the webhook URL and secret, or the SMTP settings: never shown back.
    config TEXT NOT NULL,
    -- The alert kinds it takes, comma-separated; '' takes every kind.
    kinds TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL
);

CREATE TABLE alert_deliveries (
    alert_id INTEGER NOT NULL REFERENCES alerts(id),
    channel_id INTEGER NOT NULL REFERENCES alert_channels(id),
    status TEXT NOT NULL CHECK (status IN ('sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 1,
    error TEXT NOT NULL DEFAULT '',
    at INTEGER NOT NULL,
    PRIMARY KEY (alert_id, channel_id)
);
