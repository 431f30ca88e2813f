-- 盘点: a count of some of one warehouse's stock. Its lines are location × SKU × lot.
-- A line records, when it is counted, the ledger position at that moment: `expected`
-- (the balance's on hand) and `position` (the balance's last move id). The variance
-- posted is counted − expected, so moves after the position (a sale shipped mid-count)
-- stay in the books. AUTOINCREMENT: a count's number (PD + id) is never reused.
CREATE TABLE stock_counts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    warehouse_id INTEGER NOT NULL REFERENCES warehouses(id),
    status TEXT NOT NULL CHECK (status IN ('counting', 'recounting', 'submitted', 'posted', 'cancelled')),
    scope_json TEXT NOT NULL,
    blind INTEGER NOT NULL DEFAULT 0,
    recount_qty INTEGER NOT NULL DEFAULT 0 CHECK (recount_qty >= 0),
    recount_value INTEGER NOT NULL DEFAULT 0 CHECK (recount_value >= 0),
    note TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    submitted_at INTEGER,
    submitted_by TEXT NOT NULL DEFAULT '',
    posted_at INTEGER,
    posted_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX stock_counts_warehouse ON stock_counts (warehouse_id, id);
CREATE INDEX stock_counts_status ON stock_counts (status, id);

CREATE TABLE stock_count_lines (
    id INTEGER PRIMARY KEY,
    count_id INTEGER NOT NULL REFERENCES stock_counts(id),
    location_id INTEGER NOT NULL REFERENCES locations(id),
    sku_id INTEGER NOT NULL REFERENCES skus(id),
    lot_id INTEGER NOT NULL DEFAULT 0,
    -- NULL until counted; then the units found.
    counted INTEGER,
    expected INTEGER,
    position INTEGER,
    counted_at INTEGER,
    counted_by TEXT NOT NULL DEFAULT '',
    -- The first count, kept when a large variance sends the line to a second count.
    first_counted INTEGER,
    first_expected INTEGER,
    needs_recount INTEGER NOT NULL DEFAULT 0,
    -- The value posted for the variance (分), once posted.
    value_variance INTEGER,
    CONSTRAINT stock_count_lines_key UNIQUE (count_id, location_id, sku_id, lot_id)
);

-- Every scan once: a scan sent again (after a network drop) finds its id here.
CREATE TABLE stock_count_scans (
    count_id INTEGER NOT NULL REFERENCES stock_counts(id),
    scan_id TEXT NOT NULL,
    line_id INTEGER NOT NULL REFERENCES stock_count_lines(id),
    qty INTEGER NOT NULL,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    PRIMARY KEY (count_id, scan_id)
);
