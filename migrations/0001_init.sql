-- Orderbook indexer schema, version 1.
-- Amounts that are u64 on-chain are numeric(20,0); sequence numbers, slots,
-- prices in ticks and lot counts are bigint (the indexer refuses values
-- above i64::MAX rather than wrapping). No floating point anywhere.

CREATE TABLE markets (
    market                text PRIMARY KEY,
    base_mint             text NOT NULL,
    quote_mint            text NOT NULL,
    base_lot_size         numeric(20,0) NOT NULL,
    quote_lot_size        numeric(20,0) NOT NULL,
    tick_size             numeric(20,0) NOT NULL,
    taker_fee_ppm         integer NOT NULL,
    maker_fee_ppm         integer NOT NULL,
    orders_per_side       integer NOT NULL,
    event_capacity        integer NOT NULL,
    crank_reward_lamports numeric(20,0) NOT NULL,
    authority             text NOT NULL,
    fee_authority         text NOT NULL,
    status                smallint NOT NULL DEFAULT 0,
    created_slot          bigint NOT NULL
);

-- Every program event exactly once, keyed by the market's sequence number.
CREATE TABLE events (
    market     text   NOT NULL,
    seq        bigint NOT NULL,
    kind       text   NOT NULL,
    signature  text   NOT NULL,
    slot       bigint NOT NULL,
    block_time bigint,
    data       bytea  NOT NULL, -- the event as emitted: discriminator + borsh
    PRIMARY KEY (market, seq)
);
CREATE INDEX events_signature ON events (signature);

-- Where ingestion stands per market; updated in the same transaction as the events.
CREATE TABLE ingest_cursor (
    market         text PRIMARY KEY,
    last_seq       bigint NOT NULL,
    last_signature text NOT NULL,
    last_slot      bigint NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE traders (
    market         text    NOT NULL,
    trader_id      integer NOT NULL,
    owner          text    NOT NULL,
    trader_account text    NOT NULL,
    opened_seq     bigint  NOT NULL,
    closed_seq     bigint,
    PRIMARY KEY (market, trader_id)
);
CREATE INDEX traders_owner ON traders (owner);

-- Full order lifecycle: open -> (partially) filled -> filled | cancelled | expired | evicted | self_trade.
CREATE TABLE orders (
    market            text     NOT NULL,
    order_id          bigint   NOT NULL,
    trader_id         integer  NOT NULL,
    client_order_id   numeric(20,0) NOT NULL,
    side              smallint NOT NULL,
    order_type        smallint NOT NULL,
    price             bigint   NOT NULL,
    max_base_lots     bigint   NOT NULL,
    posted_base_lots  bigint   NOT NULL,
    open_base_lots    bigint   NOT NULL,
    filled_base_lots  bigint   NOT NULL,
    status            text     NOT NULL,
    expiry            bigint   NOT NULL,
    placed_seq        bigint   NOT NULL,
    updated_seq       bigint   NOT NULL,
    PRIMARY KEY (market, order_id)
);
CREATE INDEX orders_open ON orders (market, trader_id) WHERE status = 'open';

CREATE TABLE fills (
    market          text     NOT NULL,
    seq             bigint   NOT NULL,
    queue_seq       bigint   NOT NULL,
    maker_trader_id integer  NOT NULL,
    taker_trader_id integer  NOT NULL,
    maker_order_id  bigint   NOT NULL,
    taker_order_id  bigint   NOT NULL,
    taker_side      smallint NOT NULL,
    price           bigint   NOT NULL,
    base_lots       bigint   NOT NULL,
    quote           numeric(20,0) NOT NULL,
    taker_fee       numeric(20,0) NOT NULL,
    maker_fee       numeric(20,0) NOT NULL,
    slot            bigint   NOT NULL,
    block_time      bigint,
    PRIMARY KEY (market, seq)
);
CREATE INDEX fills_recent ON fills (market, seq DESC);

-- Deposits (incl. wallet top-ups) and withdrawals; token 0 = base, 1 = quote.
CREATE TABLE transfers (
    market    text     NOT NULL,
    seq       bigint   NOT NULL,
    trader_id integer  NOT NULL,
    kind      text     NOT NULL,
    token     smallint NOT NULL,
    amount    numeric(20,0) NOT NULL,
    PRIMARY KEY (market, seq)
);

-- OHLCV per resolution, maintained incrementally from fills (prices in ticks).
CREATE TABLE candles (
    market       text    NOT NULL,
    resolution   integer NOT NULL, -- seconds: 60, 300, 3600, 86400
    bucket_start bigint  NOT NULL, -- unix seconds
    open         bigint  NOT NULL,
    high         bigint  NOT NULL,
    low          bigint  NOT NULL,
    close        bigint  NOT NULL,
    base_lots    numeric(30,0) NOT NULL,
    quote        numeric(30,0) NOT NULL,
    trades       integer NOT NULL,
    first_seq    bigint  NOT NULL,
    last_seq     bigint  NOT NULL,
    PRIMARY KEY (market, resolution, bucket_start)
);
