-- Orderbook indexer schema, version 5: the mints' decimals, from
-- `MarketCreated`, so a frontend can show prices and sizes in the tokens'
-- units. Markets indexed before version 5 have none (NULL).
ALTER TABLE markets
    ADD COLUMN base_decimals smallint CHECK (base_decimals BETWEEN 0 AND 255),
    ADD COLUMN quote_decimals smallint CHECK (quote_decimals BETWEEN 0 AND 255);
