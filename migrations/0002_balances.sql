-- Orderbook indexer schema, version 2: trader balances.
--
-- A trader's free/locked balances are read from its on-chain trader account
-- whenever an ingested event changed them (deposit, withdrawal, placement,
-- cancellation, and the crank settling a maker's fill or out); `as_of_seq`
-- is the market sequence number the row is at least as new as.
CREATE TABLE balances (
    market       text          NOT NULL,
    trader_id    integer       NOT NULL,
    owner        text          NOT NULL,
    base_free    numeric(20,0) NOT NULL,
    base_locked  numeric(20,0) NOT NULL,
    quote_free   numeric(20,0) NOT NULL,
    quote_locked numeric(20,0) NOT NULL,
    open_orders  integer       NOT NULL,
    as_of_seq    bigint        NOT NULL,
    PRIMARY KEY (market, trader_id)
);

-- Whose balances the crank changes when it applies a queued maker event
-- (a fill or an out), by the event's queue sequence number.
CREATE TABLE queue_owners (
    market    text    NOT NULL,
    queue_seq bigint  NOT NULL,
    trader_id integer NOT NULL,
    PRIMARY KEY (market, queue_seq)
);
