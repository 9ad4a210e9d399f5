-- Orderbook indexer schema, version 3: every size the chain can emit is stored
-- without loss.
--
-- An order's sizes come from its owner (a market bid may ask for
-- u64::MAX lots) and its expiry from the owner too, so they are u64 values
-- that need not fit a bigint: one such order used to fail its batch forever
-- and halt the market's indexer. They are numeric(20,0) now, like amounts.
-- Prices stay bigint: the program only emits prices up to MAX_PRICE_TICKS
-- (2^48 - 1; a market order reports its effective limit). Sequence numbers,
-- order ids, queue sequence numbers and slots stay bigint too: they are
-- counters the program increments by one and cannot pass 2^63 in any
-- market's lifetime.
ALTER TABLE orders
    ALTER COLUMN max_base_lots    TYPE numeric(20,0),
    ALTER COLUMN posted_base_lots TYPE numeric(20,0),
    ALTER COLUMN open_base_lots   TYPE numeric(20,0),
    ALTER COLUMN filled_base_lots TYPE numeric(20,0),
    ALTER COLUMN expiry           TYPE numeric(20,0);
ALTER TABLE fills
    ALTER COLUMN base_lots TYPE numeric(20,0);
