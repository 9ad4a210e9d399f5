-- Orderbook indexer schema, version 8: two indexes no query reads, dropped
-- because every ingested event paid to maintain them (ingest-bench, issue 28):
-- `fills_recent` repeated the primary key (market, seq), which PostgreSQL
-- scans backwards just as well for "newest trades first"; `events_signature`
-- indexed an 88-character text per event for lookups nothing makes. An
-- operator who wants events by signature can add it back; the indexer does
-- not need it.
DROP INDEX IF EXISTS fills_recent;
DROP INDEX IF EXISTS events_signature;
