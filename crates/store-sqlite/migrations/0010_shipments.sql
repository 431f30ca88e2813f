-- 发货单: what leaves one warehouse in one parcel run under one tracking number. Orders
-- merged (合单) and routed to the same warehouse ship as one shipment. A shipment is
-- made when its waybill is taken (labelled), and moves to shipped when it is scanned,
-- verified and its stock issue is posted; tracking moves it to signed or exception.
CREATE TABLE shipments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    warehouse_id INTEGER NOT NULL REFERENCES warehouses(id),
    wave_id INTEGER,
    status TEXT NOT NULL CHECK (status IN ('labelled', 'shipped', 'signed', 'exception')),
    carrier TEXT NOT NULL,
    tracking_no TEXT NOT NULL,
    print_data TEXT NOT NULL DEFAULT '',
    packages INTEGER NOT NULL DEFAULT 1 CHECK (packages >= 1),
    weight_g INTEGER CHECK (weight_g IS NULL OR weight_g > 0),
    document_id INTEGER REFERENCES stock_documents(id),
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    shipped_at INTEGER,
    shipped_by TEXT NOT NULL DEFAULT '',
    writeback TEXT NOT NULL DEFAULT '',
    subscribed TEXT NOT NULL DEFAULT '',
    tracking_state TEXT NOT NULL DEFAULT '',
    tracking_at INTEGER,
    exception TEXT NOT NULL DEFAULT '',
    CONSTRAINT shipments_tracking_key UNIQUE (carrier, tracking_no)
);
CREATE INDEX shipments_status ON shipments (status, id);
CREATE INDEX shipments_tracking_no ON shipments (tracking_no);
CREATE INDEX shipments_wave ON shipments (wave_id);

CREATE TABLE shipment_orders (
    shipment_id INTEGER NOT NULL REFERENCES shipments(id),
    order_id INTEGER NOT NULL REFERENCES orders(id),
    warehouse_id INTEGER NOT NULL REFERENCES warehouses(id),
    PRIMARY KEY (shipment_id, order_id),
    CONSTRAINT shipment_orders_order_key UNIQUE (order_id, warehouse_id)
);

-- Number ranges that must never repeat (the local waybill range): the next value.
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    next_value INTEGER NOT NULL
);
