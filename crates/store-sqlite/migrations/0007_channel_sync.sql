-- 平台同步: per shop settings and cursor, the sync log, unreadable payloads, webhook
-- deliveries (dedupe by the platform's delivery id).
CREATE TABLE shop_sync (
    shop_id INTEGER PRIMARY KEY REFERENCES shops(id),
    enabled INTEGER NOT NULL,
    interval_secs INTEGER NOT NULL,
    cursor_ms INTEGER,
    next_run_at INTEGER NOT NULL,
    last_run_at INTEGER,
    last_status TEXT NOT NULL DEFAULT '',
    last_error TEXT NOT NULL DEFAULT ''
);

CREATE TABLE sync_runs (
    id INTEGER PRIMARY KEY,
    shop_id INTEGER NOT NULL REFERENCES shops(id),
    trigger_kind TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    window_end INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    status TEXT NOT NULL,
    error TEXT NOT NULL DEFAULT '',
    windows INTEGER NOT NULL DEFAULT 0,
    pages INTEGER NOT NULL DEFAULT 0,
    fetched INTEGER NOT NULL DEFAULT 0,
    created INTEGER NOT NULL DEFAULT 0,
    changed INTEGER NOT NULL DEFAULT 0,
    unchanged INTEGER NOT NULL DEFAULT 0,
    malformed INTEGER NOT NULL DEFAULT 0,
    retries INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sync_runs_shop ON sync_runs (shop_id, id);

CREATE TABLE raw_payloads (
    id INTEGER PRIMARY KEY,
    shop_id INTEGER NOT NULL REFERENCES shops(id),
    run_id INTEGER REFERENCES sync_runs(id),
    platform_order_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    raw TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX raw_payloads_shop ON raw_payloads (shop_id, id);

CREATE TABLE webhook_deliveries (
    shop_id INTEGER NOT NULL REFERENCES shops(id),
    delivery_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    processed_at INTEGER,
    PRIMARY KEY (shop_id, delivery_id)
);
