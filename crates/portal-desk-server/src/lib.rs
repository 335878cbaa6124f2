//! The Portal Desk sync server: one origin that serves the built PWA and the sync API
//! (`/api/v1/...`), on SQLite by default.
//!
//! [`app`] builds the whole router from an [`AppState`], so tests drive it in process
//! with `tower::ServiceExt::oneshot`; [`serve::serve`] runs it on a socket under the
//! connection layer's limits; `main.rs` only parses the command line.

pub mod access;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod http;
pub mod keys;
pub mod metrics;
pub mod password_workers;
pub mod review;
pub mod serve;
pub mod sign_in_guard;
pub mod site_settings;
pub mod sync;
pub mod zones;

use auth::HashCost;
use db::SharedStore;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

pub use http::app;

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: SharedStore,
    /// The built app's folder.
    pub static_dir: PathBuf,
    /// How hard new password hashes work (the stored hash decides how they verify).
    pub hash_cost: HashCost,
    /// Request and sync counters for `/metrics`.
    pub metrics: Arc<metrics::Metrics>,
    /// The hash a sign-in with an unknown email is checked against, so that it takes
    /// as long as one with a wrong password.
    pub decoy_hash: String,
    /// The server's secret and the keys derived from it (operation credentials, the
    /// audit chain); the same on every server of one database.
    pub keys: Arc<keys::ServerKeys>,
    /// The cap on concurrent password checks.
    pub hashing: Arc<sign_in_guard::HashingLanes>,
    /// Whether answers carry `Strict-Transport-Security` (`serve --hsts`: only when a
    /// TLS proxy fronts the server).
    pub hsts: bool,
}

impl AppState {
    /// State for a server on `store` serving the app from `static_dir`, holding `keys`.
    pub fn new(store: SharedStore, static_dir: PathBuf, hash_cost: HashCost, keys: Arc<keys::ServerKeys>) -> Self {
        Self {
            store,
            static_dir,
            hash_cost,
            metrics: Arc::default(),
            decoy_hash: auth::decoy_hash(hash_cost),
            keys,
            hashing: Arc::new(sign_in_guard::HashingLanes::for_this_machine()),
            hsts: false,
        }
    }
}

/// Now, in milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}
