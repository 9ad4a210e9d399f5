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

/// Keep the panics [`decrypt`] contains off stderr: installs a panic hook
/// (once, process-wide; call it at startup) that drops a panic raised
/// inside the tlock crate and hands every other to the hook installed
/// before. A forged ciphertext costs its sender a bond, but without this
/// each one prints tlock's assertion and a backtrace to a revealer's log.
pub fn quiet_contained_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !raised_in_tlock(info.location().map(|l| l.file())) {
            previous(info);
        }
    }));
}

/// Whether a panic at `file` comes from the tlock crate (its source path
/// in the cargo registry or a vendored copy: `…/tlock-<version>/src/…`).
fn raised_in_tlock(file: Option<&str>) -> bool {
    file.is_some_and(|f| {
        f.split(['/', '\\']).any(|part| {
            part.strip_prefix("tlock-")
                .is_some_and(|v| v.starts_with(|c: char| c.is_ascii_digit()))
        })
    })
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

#[cfg(test)]
mod tests {
    use super::raised_in_tlock;

    #[test]
    fn only_panics_inside_tlock_are_quieted() {
        let registry =
            "/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/tlock-0.0.10/src/ibe.rs";
        assert!(raised_in_tlock(Some(registry)));
        assert!(raised_in_tlock(Some(
            r"C:\cargo\registry\src\x\tlock-0.1.0\src\ibe.rs"
        )));
        assert!(!raised_in_tlock(Some(
            "/root/.cargo/registry/src/x/tlock_age-0.0.10/src/lib.rs"
        )));
        assert!(!raised_in_tlock(Some("keeper/src/reveal.rs")));
        assert!(!raised_in_tlock(None));
    }
}
