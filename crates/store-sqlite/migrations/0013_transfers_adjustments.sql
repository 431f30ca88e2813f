-- 调拨 and 其他出入库.
--
-- In-transit stock (在途) lives at one location per warehouse flagged `transit`: a
-- transfer ships into the destination's transit location and a live reservation of the
-- transfer holds it there, so it is in the ledger and valued like all stock, yet never
-- available to an order. The partial unique index keeps one transit location per warehouse.
ALTER TABLE locations ADD COLUMN transit INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX locations_transit ON locations (warehouse_id) WHERE transit = 1;

-- A transfer (调拨单, number DB + id). AUTOINCREMENT: a number is never reused.
CREATE TABLE transfers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    from_warehouse_id INTEGER NOT NULL REFERENCES warehouses(id),
    to_warehouse_id INTEGER NOT NULL REFERENCES warehouses(id),
    status TEXT NOT NULL CHECK (status IN ('requested', 'shipped', 'partly_received', 'closed', 'cancelled')),
    note TEXT NOT NULL DEFAULT '',
    loss_reason TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    shipped_at INTEGER,
    shipped_by TEXT NOT NULL DEFAULT '',
    closed_at INTEGER,
    closed_by TEXT NOT NULL DEFAULT '',
    CHECK (from_warehouse_id <> to_warehouse_id)
);
CREATE INDEX transfers_from ON transfers (from_warehouse_id, id);
CREATE INDEX transfers_to ON transfers (to_warehouse_id, id);
CREATE INDEX transfers_status ON transfers (status, id);

-- A line: what was asked for, and once shipped, what left (value at moving average),
-- what arrived and what was lost, each with its value in 分. In transit: shipped −
-- received − lost, held by `reservation_id` at the destination's transit location.
CREATE TABLE transfer_lines (
    id INTEGER PRIMARY KEY,
    transfer_id INTEGER NOT NULL REFERENCES transfers(id),
    line_no INTEGER NOT NULL,
    sku_id INTEGER NOT NULL REFERENCES skus(id),
    from_location_id INTEGER REFERENCES locations(id),
    lot_no TEXT NOT NULL DEFAULT '',
    lot_id INTEGER NOT NULL DEFAULT 0,
    qty INTEGER NOT NULL CHECK (qty > 0),
    shipped_value INTEGER NOT NULL DEFAULT 0,
    reservation_id INTEGER REFERENCES reservations(id),
    received_qty INTEGER NOT NULL DEFAULT 0 CHECK (received_qty >= 0),
    received_value INTEGER NOT NULL DEFAULT 0,
    lost_qty INTEGER NOT NULL DEFAULT 0 CHECK (lost_qty >= 0),
    lost_value INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT transfer_lines_key UNIQUE (transfer_id, line_no),
    CHECK (received_qty + lost_qty <= qty)
);
CREATE INDEX transfer_lines_sku ON transfer_lines (sku_id);

-- 其他出入库 (number QT + id): posted at once when worth at most the threshold, else
-- pending until a 仓库主管 posts or rejects it. `value` is its worth when asked (then,
-- once posted, what it posted).
CREATE TABLE stock_adjustments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    warehouse_id INTEGER NOT NULL REFERENCES warehouses(id),
    reason TEXT NOT NULL CHECK (reason IN ('damage', 'sample', 'gift', 'found', 'internal_use', 'other')),
    note TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('pending', 'posted', 'rejected')),
    value INTEGER NOT NULL CHECK (value >= 0),
    threshold INTEGER NOT NULL,
    document_id INTEGER REFERENCES stock_documents(id),
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    decided_at INTEGER,
    decided_by TEXT NOT NULL DEFAULT '',
    decision_note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX stock_adjustments_warehouse ON stock_adjustments (warehouse_id, id);
CREATE INDEX stock_adjustments_status ON stock_adjustments (status, id);

CREATE TABLE stock_adjustment_lines (
    adjustment_id INTEGER NOT NULL REFERENCES stock_adjustments(id),
    line_no INTEGER NOT NULL,
    sku_id INTEGER NOT NULL REFERENCES skus(id),
    location_id INTEGER REFERENCES locations(id),
    lot_no TEXT NOT NULL DEFAULT '',
    qty INTEGER NOT NULL CHECK (qty <> 0),
    stated_value INTEGER,
    PRIMARY KEY (adjustment_id, line_no)
);
