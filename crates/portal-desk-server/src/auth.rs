//! Passwords, tokens and the bearer-token extractor.
//!
//! Passwords are stored as argon2id PHC strings; tokens are 32 random bytes shown to
//! the device once, and only their SHA-256 is stored, so a copy of the database signs
//! nobody in.

use crate::db::{Role, Session};
use crate::error::ApiError;
use crate::AppState;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use portal_desk_core::{DeviceId, StaffId};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// How long a token works: one long shift.
pub const TOKEN_LIFETIME_MS: u64 = 12 * 60 * 60 * 1000;

/// The shortest password `user add` accepts.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// How hard password hashing works. The cost is stored in each hash, so verifying
/// always uses the cost the hash was made with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashCost {
    /// argon2id with the OWASP-recommended parameters (19 MiB, 2 passes).
    Standard,
    /// argon2id with the smallest parameters, so that test suites that create many
    /// staff stay fast. Never for real passwords.
    Minimal,
}

impl HashCost {
    fn hasher(self) -> Argon2<'static> {
        let params = match self {
            HashCost::Standard => Params::default(),
            HashCost::Minimal => Params::new(Params::MIN_M_COST, Params::MIN_T_COST, 1, None).expect("valid params"),
        };
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
    }
}

/// Hashes a password as an argon2id PHC string with a fresh random salt.
pub fn hash_password(password: &str, cost: HashCost) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    cost.hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| ApiError::Internal(format!("cannot hash password: {e}")))
}

/// Whether `password` matches the stored PHC string, hashing in memory of its own (for
/// a one-off check; sign-in checks run on [`crate::password_workers`]).
pub fn verify_password(password: &str, stored: &str) -> bool {
    verify_password_in(password, stored, &mut Vec::new())
}

/// Whether `password` matches the stored PHC string (with the algorithm, version and
/// cost the hash names), hashing in `memory` (grown to the hash's cost when it is
/// smaller) instead of a fresh 19 MiB allocation, so a worker that checks many
/// passwords holds one block for its life (see [`crate::password_workers`]). The
/// comparison is constant-time.
pub fn verify_password_in(password: &str, stored: &str, memory: &mut Vec<argon2::Block>) -> bool {
    let Ok(hash) = PasswordHash::new(stored) else { return false };
    let (Ok(algorithm), Ok(params)) = (Algorithm::try_from(hash.algorithm), Params::try_from(&hash)) else {
        return false;
    };
    let Ok(version) = hash.version.map_or(Ok(Version::V0x13), Version::try_from) else { return false };
    let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else { return false };
    let mut salt_bytes = [0u8; argon2::password_hash::Salt::MAX_LENGTH];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else { return false };
    let blocks = params.block_count();
    if memory.len() < blocks {
        memory.resize(blocks, argon2::Block::default());
    }
    let mut actual = vec![0u8; expected.len()];
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut actual, &mut memory[..blocks])
        .is_ok()
        && argon2::password_hash::Output::new(&actual).is_ok_and(|actual| actual == expected)
}

/// A hash of no one's password, verified against when the email is unknown so that
/// a wrong email takes as long as a wrong password and reveals nothing.
pub fn decoy_hash(cost: HashCost) -> String {
    hash_password("no one has this password", cost).unwrap_or_default()
}

/// A new bearer token: 32 random bytes, hex.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The SHA-256 of a token, hex: what the sessions table keys on.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A random id in the UUID v4 text form.
pub fn new_id() -> String {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = hex::encode(bytes);
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

/// The caller of an API that needs a session: from `Authorization: Bearer TOKEN`.
#[derive(Clone, Debug)]
pub struct Authenticated {
    /// Who.
    pub staff: StaffId,
    /// Their role.
    pub role: Role,
    /// The device the token is bound to.
    pub device: DeviceId,
    /// The SHA-256 of the token, to end or refresh this session.
    pub token_hash: String,
    /// When the token stops working.
    pub expires_at_ms: u64,
    /// The site whose self-registration kiosk the device is, if it is one.
    pub kiosk_site: Option<portal_desk_core::SiteId>,
}

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|token| !token.is_empty())
            .ok_or(ApiError::Unauthorized)?;
        let token_hash = token_hash(token);
        let session = state.store.session(&token_hash, crate::now_ms()).await?.ok_or(ApiError::Unauthorized)?;
        if session.device_revoked {
            return Err(ApiError::DeviceRevoked);
        }
        let Session { staff, role, device, expires_at_ms, kiosk_site, .. } = session;
        Ok(Authenticated { staff, role, device, token_hash, expires_at_ms, kiosk_site })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_only_against_its_own_hash() {
        let hash = hash_password("correct horse battery", HashCost::Minimal).unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("wrong horse battery", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn checking_in_kept_memory_agrees_with_the_library_at_either_cost() {
        let mut memory = Vec::new();
        for cost in [HashCost::Minimal, HashCost::Standard, HashCost::Minimal] {
            let hash = hash_password("correct horse battery", cost).unwrap();
            assert!(verify_password_in("correct horse battery", &hash, &mut memory), "{cost:?}");
            assert!(!verify_password_in("wrong horse battery", &hash, &mut memory), "{cost:?}");
        }
        assert_eq!(memory.len(), Params::DEFAULT_M_COST as usize, "grown once to the standard cost, then kept");
        assert!(!verify_password_in("anything", "not a hash", &mut memory));
        let argon2i = Argon2::new(Algorithm::Argon2i, Version::V0x10, Params::new(8, 1, 1, None).unwrap());
        let salt = SaltString::generate(&mut OsRng);
        let other = argon2i.hash_password(b"correct horse battery", &salt).unwrap().to_string();
        assert!(
            verify_password_in("correct horse battery", &other, &mut memory),
            "the hash's own algorithm and version"
        );
        assert!(!verify_password_in("correct horse batter", &other, &mut memory));
    }

    #[test]
    fn tokens_are_64_hex_chars_and_hash_to_64_more() {
        let token = new_token();
        assert_eq!(token.len(), 64);
        assert_ne!(token, new_token());
        assert_eq!(token_hash(&token).len(), 64);
    }
}
