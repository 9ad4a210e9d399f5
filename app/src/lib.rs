//! The off-chain application: the indexer that mirrors the program's events
//! into PostgreSQL (this crate's `indexer`), with its schema in
//! `migrations/` applied by [`db::migrate`].

pub mod db;
pub mod indexer;
