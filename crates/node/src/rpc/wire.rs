//! Transactions and messages as clients send them: base58 or base64 text of
//! bincode bytes, bounded as a cluster bounds them (one packet).

use base64::Engine;
use bincode::Options;
use jsonrpc_core::Error;
use serde::de::DeserializeOwned;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_status_client_types::TransactionBinaryEncoding;

use super::invalid_params;

/// The largest transaction a cluster accepts (one packet).
pub const PACKET_DATA_SIZE: usize = 1232;
/// Longest base58 text of a packet-sized transaction.
const MAX_BASE58_SIZE: usize = 1683;
/// Longest base64 text of a packet-sized transaction.
const MAX_BASE64_SIZE: usize = 1644;

/// Decode bincode `bytes`, refusing trailing bytes and oversized input.
pub fn deserialize_bounded<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, Error> {
    if bytes.len() > PACKET_DATA_SIZE {
        return Err(invalid_params(format!(
            "{what} too large: {} bytes (max: {PACKET_DATA_SIZE} bytes)",
            bytes.len()
        )));
    }
    bincode::options()
        .with_limit(PACKET_DATA_SIZE as u64)
        .with_fixint_encoding()
        .reject_trailing_bytes()
        .deserialize_from(bytes)
        .map_err(|e| invalid_params(format!("failed to deserialize {what}: {e}")))
}

/// A transaction from its wire text, sanitized (well-formed message and
/// signature count), not yet signature-verified.
pub fn decode_transaction(
    text: &str,
    encoding: TransactionBinaryEncoding,
) -> Result<VersionedTransaction, Error> {
    let bytes = match encoding {
        TransactionBinaryEncoding::Base58 => {
            if text.len() > MAX_BASE58_SIZE {
                return Err(invalid_params(format!(
                    "base58 encoded transaction too large: {} bytes (max: encoded/raw {MAX_BASE58_SIZE}/{PACKET_DATA_SIZE})",
                    text.len()
                )));
            }
            bs58::decode(text)
                .into_vec()
                .map_err(|e| invalid_params(format!("invalid base58 encoding: {e}")))?
        }
        TransactionBinaryEncoding::Base64 => {
            if text.len() > MAX_BASE64_SIZE {
                return Err(invalid_params(format!(
                    "base64 encoded transaction too large: {} bytes (max: encoded/raw {MAX_BASE64_SIZE}/{PACKET_DATA_SIZE})",
                    text.len()
                )));
            }
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .map_err(|e| invalid_params(format!("invalid base64 encoding: {e}")))?
        }
    };
    let tx: VersionedTransaction = deserialize_bounded(&bytes, "transaction")?;
    tx.sanitize()
        .map_err(|e| invalid_params(format!("invalid transaction: {e}")))?;
    if tx.signatures.is_empty() {
        return Err(invalid_params("invalid transaction: no signatures"));
    }
    Ok(tx)
}
