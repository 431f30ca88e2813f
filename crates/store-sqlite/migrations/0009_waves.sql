-- 波次: allocated orders of one warehouse picked together — a single-unit wave (one
-- 爆款 SKU, no slots) or a multi wave (播种, a slot per order). An order is in at most
-- one wave. AUTOINCREMENT: a dissolved wave's id is never given to another.
CREATE TABLE waves (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    warehouse_id INTEGER NOT NULL REFERENCES warehouses(id),
    kind TEXT NOT NULL CHECK (kind IN ('single_unit', 'multi')),
    sku_id INTEGER REFERENCES skus(id),
    carrier TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX waves_warehouse ON waves (warehouse_id, id);

CREATE TABLE wave_orders (
    wave_id INTEGER NOT NULL REFERENCES waves(id),
    order_id INTEGER NOT NULL UNIQUE REFERENCES orders(id),
    slot INTEGER NOT NULL,
    PRIMARY KEY (wave_id, order_id)
);
