-- 追溯: a lot's moves and a document's shipment are looked up directly.
CREATE INDEX stock_moves_lot ON stock_moves (lot_id, id);
CREATE INDEX shipments_document ON shipments (document_id);
