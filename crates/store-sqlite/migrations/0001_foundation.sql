-- jxc foundation schema (SQLite). Money: INTEGER 分. Times: INTEGER Unix milliseconds (UTC).
-- Dates: TEXT YYYY-MM-DD. Every integer is INTEGER so both backends read it as i64.

CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id, id);
CREATE INDEX audit_log_actor ON audit_log (actor, id);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE TABLE skus (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL CONSTRAINT skus_code_key UNIQUE,
    name TEXT NOT NULL,
    color TEXT NOT NULL DEFAULT '',
    size TEXT NOT NULL DEFAULT '',
    unit TEXT NOT NULL,
    weight_g INTEGER NOT NULL DEFAULT 0 CHECK (weight_g >= 0),
    volume_cm3 INTEGER NOT NULL DEFAULT 0 CHECK (volume_cm3 >= 0),
    list_price INTEGER NOT NULL DEFAULT 0 CHECK (list_price >= 0),
    default_cost INTEGER NOT NULL DEFAULT 0 CHECK (default_cost >= 0),
    currency TEXT NOT NULL DEFAULT 'CNY',
    category TEXT NOT NULL DEFAULT '',
    brand TEXT NOT NULL DEFAULT '',
    tracking TEXT NOT NULL DEFAULT 'none' CHECK (tracking IN ('none', 'lot', 'lot_expiry', 'serial')),
    shelf_life_days INTEGER,
    allow_negative INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1,
    is_bundle INTEGER NOT NULL DEFAULT 0,
    attrs TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX skus_name ON skus (name, id);
CREATE INDEX skus_category ON skus (category);

CREATE TABLE sku_barcodes (
    barcode TEXT NOT NULL CONSTRAINT sku_barcodes_pkey PRIMARY KEY,
    sku_id INTEGER NOT NULL REFERENCES skus (id),
    position INTEGER NOT NULL
);
CREATE INDEX sku_barcodes_sku ON sku_barcodes (sku_id);

CREATE TABLE bundle_components (
    bundle_id INTEGER NOT NULL REFERENCES skus (id),
    sku_id INTEGER NOT NULL REFERENCES skus (id),
    qty INTEGER NOT NULL CHECK (qty > 0),
    PRIMARY KEY (bundle_id, sku_id)
);

CREATE TABLE shops (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL CONSTRAINT shops_code_key UNIQUE,
    name TEXT NOT NULL,
    platform TEXT NOT NULL,
    credentials TEXT NOT NULL DEFAULT '{}',
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE listings (
    id INTEGER PRIMARY KEY,
    shop_id INTEGER NOT NULL REFERENCES shops (id),
    platform_item_id TEXT NOT NULL,
    platform_sku_id TEXT NOT NULL DEFAULT '',
    outer_code TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    sku_id INTEGER NOT NULL REFERENCES skus (id),
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CONSTRAINT listings_platform_key UNIQUE (shop_id, platform_item_id, platform_sku_id)
);
CREATE INDEX listings_sku ON listings (sku_id);

CREATE TABLE partners (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('supplier', 'customer')),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    contact TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    tax_id TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CONSTRAINT partners_code_key UNIQUE (kind, code)
);

CREATE TABLE warehouses (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL CONSTRAINT warehouses_code_key UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('own', '3pl', 'overseas', 'store')),
    province TEXT NOT NULL DEFAULT '',
    city TEXT NOT NULL DEFAULT '',
    district TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    priority INTEGER NOT NULL DEFAULT 0,
    daily_capacity INTEGER NOT NULL DEFAULT 0 CHECK (daily_capacity >= 0),
    active INTEGER NOT NULL DEFAULT 1,
    default_location_id INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE locations (
    id INTEGER PRIMARY KEY,
    warehouse_id INTEGER NOT NULL REFERENCES warehouses (id),
    code TEXT NOT NULL,
    zone TEXT NOT NULL DEFAULT '',
    pick_seq INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CONSTRAINT locations_code_key UNIQUE (warehouse_id, code)
);

CREATE TABLE lots (
    id INTEGER PRIMARY KEY,
    sku_id INTEGER NOT NULL REFERENCES skus (id),
    lot_no TEXT NOT NULL,
    production_date TEXT,
    expiry_date TEXT,
    created_at INTEGER NOT NULL,
    CONSTRAINT lots_key UNIQUE (sku_id, lot_no)
);

CREATE TABLE stock_documents (
    id INTEGER PRIMARY KEY,
    doc_no TEXT NOT NULL CONSTRAINT stock_documents_no_key UNIQUE,
    kind TEXT NOT NULL,
    warehouse_id INTEGER NOT NULL REFERENCES warehouses (id),
    reference TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    posted_at INTEGER NOT NULL,
    actor TEXT NOT NULL
);
CREATE INDEX stock_documents_kind ON stock_documents (kind, id);
CREATE INDEX stock_documents_ref ON stock_documents (reference);

CREATE TABLE stock_moves (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES stock_documents (id),
    line_no INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('in', 'out', 'revalue')),
    sku_id INTEGER NOT NULL REFERENCES skus (id),
    warehouse_id INTEGER NOT NULL REFERENCES warehouses (id),
    location_id INTEGER NOT NULL REFERENCES locations (id),
    lot_id INTEGER NOT NULL DEFAULT 0,
    qty INTEGER NOT NULL,
    value INTEGER NOT NULL,
    reservation_id INTEGER,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL
);
CREATE INDEX stock_moves_sku ON stock_moves (sku_id, id);
CREATE INDEX stock_moves_warehouse ON stock_moves (warehouse_id, id);
CREATE INDEX stock_moves_document ON stock_moves (document_id);
CREATE INDEX stock_moves_location ON stock_moves (location_id, id);

CREATE TABLE stock_balances (
    id INTEGER PRIMARY KEY,
    sku_id INTEGER NOT NULL REFERENCES skus (id),
    warehouse_id INTEGER NOT NULL REFERENCES warehouses (id),
    location_id INTEGER NOT NULL REFERENCES locations (id),
    lot_id INTEGER NOT NULL DEFAULT 0,
    on_hand INTEGER NOT NULL DEFAULT 0,
    reserved INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    value INTEGER NOT NULL DEFAULT 0,
    last_move_id INTEGER,
    CONSTRAINT stock_balances_key UNIQUE (sku_id, warehouse_id, location_id, lot_id)
);
CREATE INDEX stock_balances_warehouse ON stock_balances (warehouse_id);
CREATE INDEX stock_balances_location ON stock_balances (location_id);

CREATE TABLE reservations (
    id INTEGER PRIMARY KEY,
    sku_id INTEGER NOT NULL REFERENCES skus (id),
    warehouse_id INTEGER NOT NULL REFERENCES warehouses (id),
    location_id INTEGER NOT NULL REFERENCES locations (id),
    lot_id INTEGER NOT NULL DEFAULT 0,
    qty INTEGER NOT NULL CHECK (qty > 0),
    remaining INTEGER NOT NULL CHECK (remaining >= 0),
    status TEXT NOT NULL CHECK (status IN ('live', 'released', 'consumed')),
    source_type TEXT NOT NULL,
    source_ref TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    closed_at INTEGER
);
CREATE INDEX reservations_live ON reservations (status, sku_id, warehouse_id);
CREATE INDEX reservations_source ON reservations (source_ref);

-- Invariant 4: posted documents and the ledger are append-only.
CREATE TRIGGER stock_moves_no_update BEFORE UPDATE ON stock_moves
BEGIN SELECT RAISE(ABORT, 'stock_moves is append-only: post a reversal document instead'); END;
CREATE TRIGGER stock_moves_no_delete BEFORE DELETE ON stock_moves
BEGIN SELECT RAISE(ABORT, 'stock_moves is append-only: post a reversal document instead'); END;
CREATE TRIGGER stock_documents_no_update BEFORE UPDATE ON stock_documents
BEGIN SELECT RAISE(ABORT, 'stock_documents is append-only: post a reversal document instead'); END;
CREATE TRIGGER stock_documents_no_delete BEFORE DELETE ON stock_documents
BEGIN SELECT RAISE(ABORT, 'stock_documents is append-only: post a reversal document instead'); END;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: post a reversal document instead'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: post a reversal document instead'); END;
