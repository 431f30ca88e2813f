-- 拆单: the parts an order ships in, as line quantities. No rows: it ships whole.
CREATE TABLE order_parts (
    order_id BIGINT NOT NULL REFERENCES orders (id),
    part_no BIGINT NOT NULL,
    line_no BIGINT NOT NULL,
    qty BIGINT NOT NULL CHECK (qty > 0),
    PRIMARY KEY (order_id, part_no, line_no)
);
