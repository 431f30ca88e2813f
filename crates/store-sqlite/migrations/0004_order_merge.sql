-- 合单: orders that ship together share a merge group (the smallest order id of the group).
ALTER TABLE orders ADD COLUMN merge_group INTEGER;
CREATE INDEX orders_merge_group ON orders (merge_group);
