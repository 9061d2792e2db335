-- A token may expire (shared links), and says what it was made for: tokens made for a shared link
-- are listed and revoked with the site's shared links. Existing tokens never expire.
ALTER TABLE tellen.tokens
    ADD COLUMN IF NOT EXISTS expires Nullable(DateTime64(3, 'UTC')),
    ADD COLUMN IF NOT EXISTS purpose LowCardinality(String) DEFAULT '';
