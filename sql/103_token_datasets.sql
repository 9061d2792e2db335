-- The datasets a partner token may download (by name, on its site); empty for read tokens.
ALTER TABLE tellen.tokens ADD COLUMN IF NOT EXISTS datasets Array(String) DEFAULT [];
