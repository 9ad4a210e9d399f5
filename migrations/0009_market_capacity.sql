-- Orderbook indexer schema, version 9: a market's capacities follow
-- `grow_market` (issue 29). A book side can now grow alone, so each side
-- has its own column; `orders_per_side` stays the capacity at creation.
-- `event_capacity` is kept current by `MarketGrown` from now on.
ALTER TABLE markets ADD COLUMN bids_capacity integer;
ALTER TABLE markets ADD COLUMN asks_capacity integer;
UPDATE markets SET bids_capacity = orders_per_side, asks_capacity = orders_per_side;
ALTER TABLE markets ALTER COLUMN bids_capacity SET NOT NULL;
ALTER TABLE markets ALTER COLUMN asks_capacity SET NOT NULL;
