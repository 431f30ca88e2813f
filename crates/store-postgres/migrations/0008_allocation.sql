-- 分仓占用: the merchant's routing setup (one row), each order's allocation (routing's
-- decision and the reservations made for it), and the shipments routed to each
-- warehouse (to count a warehouse's load of the day).
CREATE TABLE routing_setup (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    setup TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);

CREATE TABLE order_allocations (
    order_id BIGINT PRIMARY KEY REFERENCES orders(id),
    status TEXT NOT NULL CHECK (status IN ('allocated', 'short')),
    decision TEXT NOT NULL,
    reservation_ids TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX order_allocations_status ON order_allocations (status, order_id);

CREATE TABLE allocation_shipments (
    order_id BIGINT NOT NULL REFERENCES orders(id),
    warehouse_id BIGINT NOT NULL REFERENCES warehouses(id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (order_id, warehouse_id)
);
CREATE INDEX allocation_shipments_created ON allocation_shipments (created_at);
