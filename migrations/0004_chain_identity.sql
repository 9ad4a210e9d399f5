-- Orderbook indexer schema, version 4: which chain the database mirrors.
--
-- A local node started with --reset is a new chain: its transactions are not
-- the ones the indexer's cursors point at. The genesis hash of the chain
-- first indexed is kept so a different chain is refused instead of mixed in.
CREATE TABLE chain_identity (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    genesis_hash text NOT NULL
);
