-- 循环盘点计划: a count every `every_days` days from `next_due_at`, over the same scope
-- fields as a count (kept as asked, so an ABC class is worked out again at each count).
-- `last_count_id` is the count it last created: while that one is not posted or
-- cancelled, a due run creates no second one.
CREATE TABLE count_schedules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    warehouse_id INTEGER NOT NULL REFERENCES warehouses(id),
    scope TEXT NOT NULL CHECK (scope IN ('full', 'zone', 'locations', 'skus', 'abc')),
    zone TEXT NOT NULL DEFAULT '',
    location_from TEXT NOT NULL DEFAULT '',
    location_to TEXT NOT NULL DEFAULT '',
    sku_codes TEXT NOT NULL DEFAULT '',
    abc_class TEXT NOT NULL DEFAULT '',
    blind INTEGER NOT NULL DEFAULT 0,
    recount_qty INTEGER NOT NULL DEFAULT 0 CHECK (recount_qty >= 0),
    recount_value INTEGER NOT NULL DEFAULT 0 CHECK (recount_value >= 0),
    note TEXT NOT NULL DEFAULT '',
    every_days INTEGER NOT NULL CHECK (every_days BETWEEN 1 AND 365),
    next_due_at INTEGER NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    last_count_id INTEGER REFERENCES stock_counts(id),
    last_run_at INTEGER,
    last_outcome TEXT NOT NULL DEFAULT '' CHECK (last_outcome IN ('', 'created', 'still_open', 'no_stock')),
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE INDEX count_schedules_due ON count_schedules (active, next_due_at, id);
CREATE INDEX count_schedules_warehouse ON count_schedules (warehouse_id, id);
