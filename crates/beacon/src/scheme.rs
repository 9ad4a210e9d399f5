//! drand's `bls-unchained-g1-rfc9380` scheme, quicknet's: round r's
//! signature is a BLS signature on G1 of SHA-256(r as a big-endian u64),
//! hashed to the curve as RFC 9380 specifies; the public key is on G2; the
//! round's randomness is SHA-256 of the signature. tlock encrypts to a round
//! with the public key, and the round's signature is the key that decrypts.

use ark_bls12_381::{Fr, G1Projective, G2Projective, g1};
use ark_ec::hashing::HashToCurve;
use ark_ec::hashing::curve_maps::wb::WBMap;
use ark_ec::hashing::map_to_curve_hasher::MapToCurveBasedHasher;
use ark_ec::{CurveGroup, PrimeGroup};
use ark_ff::field_hashers::DefaultFieldHasher;
use ark_ff::{PrimeField, Zero};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::Clock;

/// The scheme's name in a chain's info.
pub const SCHEME_ID: &str = "bls-unchained-g1-rfc9380";
/// RFC 9380's domain separation tag for BLS signatures on G1.
pub const DST: &[u8] = b"BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_";
pub const SIGNATURE_LEN: usize = 48;
pub const PUBLIC_KEY_LEN: usize = 96;
pub const SECRET_KEY_LEN: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "a secret key is {SECRET_KEY_LEN} bytes, a non-zero scalar of BLS12-381 (little-endian)"
    )]
    Invalid,
}

/// The beacon's secret key: a scalar of BLS12-381.
pub struct SecretKey(Fr);

impl SecretKey {
    /// A fresh key from the operating system's generator.
    pub fn generate() -> Self {
        loop {
            let wide: [u8; 64] = std::array::from_fn(|_| rand::random());
            let scalar = Fr::from_le_bytes_mod_order(&wide);
            if !scalar.is_zero() {
                return Self(scalar);
            }
        }
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        let scalar = Fr::deserialize_compressed(bytes).map_err(|_| KeyError::Invalid)?;
        if bytes.len() != SECRET_KEY_LEN || scalar.is_zero() {
            return Err(KeyError::Invalid);
        }
        Ok(Self(scalar))
    }

    pub fn to_bytes(&self) -> [u8; SECRET_KEY_LEN] {
        let mut out = [0u8; SECRET_KEY_LEN];
        self.0
            .serialize_compressed(&mut out[..])
            .expect("a scalar is 32 bytes");
        out
    }

    /// The public key, compressed on G2.
    pub fn public_key(&self) -> [u8; PUBLIC_KEY_LEN] {
        let point = (G2Projective::generator() * self.0).into_affine();
        let mut out = [0u8; PUBLIC_KEY_LEN];
        point
            .serialize_compressed(&mut out[..])
            .expect("a G2 point is 96 bytes compressed");
        out
    }

    /// Round `round`'s signature, compressed on G1.
    pub fn sign_round(&self, round: u64) -> [u8; SIGNATURE_LEN] {
        let hasher = MapToCurveBasedHasher::<
            G1Projective,
            DefaultFieldHasher<Sha256, 128>,
            WBMap<g1::Config>,
        >::new(DST)
        .expect("the RFC 9380 G1 hasher initialises");
        let point = hasher
            .hash(&round_message(round))
            .expect("hashing to G1 cannot fail");
        let signature = (G1Projective::from(point) * self.0).into_affine();
        let mut out = [0u8; SIGNATURE_LEN];
        signature
            .serialize_compressed(&mut out[..])
            .expect("a G1 point is 48 bytes compressed");
        out
    }
}

/// What round `round` signs: SHA-256 of the round as a big-endian u64.
pub fn round_message(round: u64) -> [u8; 32] {
    Sha256::digest(round.to_be_bytes()).into()
}

/// A round's randomness: SHA-256 of its signature.
pub fn randomness(signature: &[u8]) -> [u8; 32] {
    Sha256::digest(signature).into()
}

/// A chain's public description (drand's `/info`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainInfo {
    pub public_key: [u8; PUBLIC_KEY_LEN],
    pub clock: Clock,
    /// drand's hash of the group that runs the chain; a single key has no
    /// group, so this is SHA-256 of the public key.
    pub group_hash: [u8; 32],
    pub beacon_id: String,
}

impl ChainInfo {
    pub fn new(public_key: [u8; PUBLIC_KEY_LEN], clock: Clock, beacon_id: &str) -> Self {
        Self {
            public_key,
            clock,
            group_hash: Sha256::digest(public_key).into(),
            beacon_id: beacon_id.to_owned(),
        }
    }

    /// The chain hash, computed as drand computes it: SHA-256 of the period
    /// (u32, big-endian), the genesis time (i64, big-endian), the public key,
    /// the group hash, then the beacon id unless it is drand's `default`.
    pub fn hash(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update((self.clock.period_secs as u32).to_be_bytes());
        h.update((self.clock.genesis_time as i64).to_be_bytes());
        h.update(self.public_key);
        h.update(self.group_hash);
        if self.beacon_id != "default" && !self.beacon_id.is_empty() {
            h.update(self.beacon_id.as_bytes());
        }
        h.finalize().into()
    }

    /// drand's `/info` body.
    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "public_key": hex::encode(self.public_key),
            "period": self.clock.period_secs,
            "genesis_time": self.clock.genesis_time,
            "hash": hex::encode(self.hash()),
            "groupHash": hex::encode(self.group_hash),
            "schemeID": SCHEME_ID,
            "metadata": { "beaconID": self.beacon_id },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quicknet_info_hashes_to_quicknet_chain_hash() {
        // drand quicknet's published /info.
        let public_key = hex::decode("83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a").unwrap();
        let info = ChainInfo {
            public_key: public_key.try_into().unwrap(),
            clock: Clock {
                genesis_time: 1_692_803_367,
                period_secs: 3,
            },
            group_hash: hex::decode(
                "f477d5c89f21a17c863a7f937c6a6d15859414d2be09cd448d4279af331c5d3e",
            )
            .unwrap()
            .try_into()
            .unwrap(),
            beacon_id: "quicknet".into(),
        };
        assert_eq!(
            hex::encode(info.hash()),
            "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971"
        );
    }

    #[test]
    fn a_secret_key_round_trips_and_bad_bytes_are_refused() {
        let key = SecretKey::generate();
        let back = SecretKey::from_bytes(&key.to_bytes()).unwrap();
        assert_eq!(back.public_key(), key.public_key());
        assert_eq!(back.sign_round(7), key.sign_round(7));
        assert!(SecretKey::from_bytes(&[0; 32]).is_err());
        assert!(
            SecretKey::from_bytes(&[0xff; 32]).is_err(),
            "above the order"
        );
        assert!(SecretKey::from_bytes(&[1; 31]).is_err());
    }
}
