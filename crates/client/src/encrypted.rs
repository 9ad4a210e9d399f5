//! Encrypted orders (issue 26): a [`RevealPayload`] time-lock encrypted
//! with tlock's age format to a round of a drand beacon, and decrypted with
//! that round's signature. Decryption takes bytes anyone may have
//! committed: it never panics (tlock 0.0.10 rejects a wrong key with a
//! panic, which is contained here) and says why it failed.

use crate::sealed::{PayloadError, RevealPayload};

#[derive(Debug, thiserror::Error)]
pub enum DecryptError {
    #[error("not a tlock ciphertext: {0}")]
    NotTlock(String),
    #[error("encrypted to round {found} of chain {chain}, not to this beacon", chain = hex(found_chain))]
    OtherChain { found: u64, found_chain: Vec<u8> },
    #[error("the signature does not decrypt it (another round's, or a forged ciphertext)")]
    WrongKey,
    #[error(transparent)]
    Payload(#[from] PayloadError),
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The round a ciphertext is encrypted to, and the chain hash it names.
pub fn round_of(ciphertext: &[u8]) -> Result<(u64, Vec<u8>), DecryptError> {
    let header =
        tlock_age::decrypt_header(ciphertext).map_err(|e| DecryptError::NotTlock(e.to_string()))?;
    Ok((header.round(), header.hash()))
}

/// Encrypt `payload` to `round` of the beacon with `chain_hash` and
/// `public_key` (its `/info`).
pub fn encrypt(
    payload: &RevealPayload,
    chain_hash: &[u8],
    public_key: &[u8],
    round: u64,
) -> Result<Vec<u8>, String> {
    encrypt_bytes(&payload.to_bytes(), chain_hash, public_key, round)
}

/// Encrypt any bytes to `round` (what [`encrypt`] does with a payload's).
pub fn encrypt_bytes(
    plain: &[u8],
    chain_hash: &[u8],
    public_key: &[u8],
    round: u64,
) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    tlock_age::encrypt(&mut out, plain, chain_hash, public_key, round)
        .map_err(|e| e.to_string())?;
    Ok(out)
}

/// Decrypt `ciphertext` with the signature of the round it names, on the
/// beacon `chain_hash`.
pub fn decrypt(
    ciphertext: &[u8],
    chain_hash: &[u8],
    signature: &[u8],
) -> Result<RevealPayload, DecryptError> {
    let (round, found_chain) = round_of(ciphertext)?;
    if found_chain != chain_hash {
        return Err(DecryptError::OtherChain {
            found: round,
            found_chain,
        });
    }
    let attempt = std::panic::catch_unwind(|| {
        let mut plain = Vec::new();
        tlock_age::decrypt(&mut plain, ciphertext, chain_hash, signature).map(|()| plain)
    });
    match attempt {
        Ok(Ok(plain)) => Ok(RevealPayload::from_bytes(&plain)?),
        Ok(Err(_)) | Err(_) => Err(DecryptError::WrongKey),
    }
}
