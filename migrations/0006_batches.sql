-- Orderbook indexer schema, version 6: sealed batch markets (issue 25;
-- docs/batch-auction.md). A batch market's clock, its batch account's
-- entries as their events tell them, and each batch's clear. A committed
-- entry holds only its trader and commitment: the order's fields stay NULL
-- until its reveal event.
CREATE TABLE batch_markets (
    market              text PRIMARY KEY,
    batch_account       text     NOT NULL,
    start_slot          bigint   NOT NULL,
    commit_slots        integer  NOT NULL,
    grace_slots         integer  NOT NULL,
    reveal_slots        integer  NOT NULL,
    entries_per_batch   integer  NOT NULL,
    entries_per_trader  integer  NOT NULL,
    bond_lamports       numeric(20,0) NOT NULL,
    commit_fee_lamports numeric(20,0) NOT NULL,
    enabled_seq         bigint   NOT NULL
);

CREATE TABLE batch_entries (
    market          text     NOT NULL,
    batch           bigint   NOT NULL,
    entry           integer  NOT NULL,
    trader_id       integer  NOT NULL,
    kind            text     NOT NULL CHECK (kind IN ('committed', 'revealed', 'post', 'cancel')),
    commitment      bytea,
    side            smallint,
    order_type      smallint,
    price           bigint,
    max_base_lots   numeric(20,0),
    client_order_id numeric(20,0),
    -- A queued cancel's target.
    order_id        bigint,
    queued_seq      bigint   NOT NULL,
    revealed_seq    bigint,
    PRIMARY KEY (market, batch, entry)
);

CREATE TABLE batch_clears (
    market             text     NOT NULL,
    batch              bigint   NOT NULL,
    -- NULL: nothing crossed.
    price              bigint,
    volume_base_lots   numeric(20,0) NOT NULL,
    revealed           integer  NOT NULL,
    forfeited          integer  NOT NULL,
    forfeited_lamports numeric(20,0) NOT NULL,
    clearer            text     NOT NULL,
    seq                bigint   NOT NULL,
    PRIMARY KEY (market, batch)
);
