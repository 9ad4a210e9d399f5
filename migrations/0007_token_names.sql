-- Orderbook indexer schema, version 7: tokens' names and symbols, read by the
-- indexer from a mint's own Token-2022 metadata extension, so a frontend
-- shows `DEMO/USDQ` instead of mint addresses. A mint without metadata (SPL
-- Token, or none written) has no row. Keyed by mint: markets share mints.
CREATE TABLE token_names (
    mint text PRIMARY KEY,
    name text NOT NULL,
    symbol text NOT NULL
);
