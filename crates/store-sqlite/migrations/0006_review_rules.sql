-- 审单规则: conditions → action, as JSON (read with the rule, never searched by).
CREATE TABLE review_rules (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    priority INTEGER NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    when_json TEXT NOT NULL,
    then_json TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
