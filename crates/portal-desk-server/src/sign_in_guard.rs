//! What keeps sign-in from being turned against a colleague or against the server: the
//! throttle's keys and backoff, and the cap on concurrent password hashing.
//!
//! **Throttle.** Failures are counted per key, not per email, so that a stranger's
//! wrong passwords cannot lock Asha out of her own tablet:
//! - a sign-in on a device the person has signed in on before, proven by the device's
//!   secret, counts under `acct:EMAIL|dev:DEVICE` alone;
//! - any other sign-in counts under `acct:EMAIL|ip:ADDRESS` and under `ip:ADDRESS`.
//!
//! An account key locks after [`ACCOUNT_FREE_FAILURES`] failures, an address key after
//! [`ADDRESS_FREE_FAILURES`] (a clinic's tablets can share one address), each for
//! [`FIRST_LOCK_MS`] doubling with every further failure up to [`MAX_LOCK_MS`]; a
//! locked key is refused without the password being checked. A success clears the
//! account key it counted under; a key with no failure for [`FORGET_AFTER_MS`] is
//! forgotten. Counts live in the database, so every server behind a load balancer sees
//! them, one row per key, so they grow no faster than passwords are checked.
//!
//! **Hashing cap.** Argon2id takes 19 MiB and tens of milliseconds of a core per check,
//! so unbounded concurrent sign-ins exhaust memory and starve every other request.
//! Hashing runs on [`HashingLanes`]: two lanes, with a short queue each; a full queue
//! answers 503 with `Retry-After` at once. Sign-ins from a person's own proven device
//! have their own lane with one check per core, so a burst of bogus attempts does not
//! queue them behind it; everyone else shares half as many. The checks run on a fixed
//! set of threads that reuse their hashing memory ([`crate::password_workers`]).

use crate::password_workers::PasswordWorkers;
use portal_desk_core::DeviceId;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::Semaphore;

/// The longest email address accepted (RFC 5321's path limit).
pub const MAX_EMAIL_CHARS: usize = 254;

/// The longest password accepted: argon2 reads all of it, so a megabyte-long one would
/// cost the server a megabyte's hashing.
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// Failures allowed under an account key before it locks.
pub const ACCOUNT_FREE_FAILURES: u64 = 5;

/// Failures allowed under an address key before it locks.
pub const ADDRESS_FREE_FAILURES: u64 = 50;

/// The first lock's length: thirty seconds.
pub const FIRST_LOCK_MS: u64 = 30_000;

/// The longest lock: fifteen minutes.
pub const MAX_LOCK_MS: u64 = 15 * 60 * 1000;

/// A key with no failure for this long is forgotten: an hour.
pub const FORGET_AFTER_MS: u64 = 60 * 60 * 1000;

/// The beginning every key of one account shares.
pub fn account_prefix(email: &str) -> String {
    format!("acct:{email}|")
}

/// The keys a failure of this sign-in counts under: the account on its own proven
/// device, or the account from this address and the address.
pub fn keys(email: &str, own_device: Option<&DeviceId>, address: &str) -> Vec<String> {
    match own_device {
        Some(device) => vec![format!("{}dev:{device}", account_prefix(email))],
        None => vec![format!("{}ip:{address}", account_prefix(email)), format!("ip:{address}")],
    }
}

/// How long `key` is locked after its `failures`-th failure (0: not locked).
pub fn lock_for(key: &str, failures: u64) -> u64 {
    let free = if key.starts_with("ip:") { ADDRESS_FREE_FAILURES } else { ACCOUNT_FREE_FAILURES };
    if failures < free {
        return 0;
    }
    let doublings = (failures - free).min(16) as u32;
    FIRST_LOCK_MS.saturating_mul(1 << doublings).min(MAX_LOCK_MS)
}

/// A lane of password hashing was full.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the server is checking too many passwords at once")]
pub struct Busy;

/// Which lane a sign-in hashes in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lane {
    /// A person on a device they have signed in on before, proven by its secret.
    OwnDevice,
    /// Everyone else.
    General,
}

struct Queue {
    permits: Semaphore,
    /// Checks running or waiting in this lane.
    in_flight: AtomicUsize,
    /// How many may run or wait at once.
    capacity: usize,
}

impl Queue {
    fn new(permits: usize, max_waiting: usize) -> Self {
        Self { permits: Semaphore::new(permits), in_flight: AtomicUsize::new(0), capacity: permits + max_waiting }
    }
}

/// Counts a check out of its lane however it ends (done, or its request dropped).
struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The two lanes of password hashing.
pub struct HashingLanes {
    own_device: Queue,
    general: Queue,
    /// One thread for every permit of both lanes, so a permitted check never waits.
    workers: PasswordWorkers,
}

impl HashingLanes {
    /// Lanes of `own_device` and `general` concurrent hashes, with queues of
    /// `max_waiting` (own device) and `max_waiting / 4` (general) beyond that.
    pub fn new(own_device: usize, general: usize, max_waiting: usize) -> Self {
        let (own_device, general) = (own_device.max(1), general.max(1));
        Self {
            own_device: Queue::new(own_device, max_waiting),
            general: Queue::new(general, (max_waiting / 4).max(general)),
            workers: PasswordWorkers::new(own_device + general),
        }
    }

    /// Lanes sized to this machine: one hash per core for people on their own devices,
    /// half as many for everyone else, so a burst of strangers' attempts leaves the
    /// cores to the people the server knows.
    pub fn for_this_machine() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self::new(cores, cores.div_ceil(2), cores * 16)
    }

    /// Runs `check` (a password check, given its worker's hashing memory) once the
    /// lane has room, or answers [`Busy`] at once when its queue is full.
    pub async fn run<T: Send + 'static>(
        &self,
        lane: Lane,
        check: impl FnOnce(&mut Vec<argon2::Block>) -> T + Send + 'static,
    ) -> Result<T, Busy> {
        let queue = match lane {
            Lane::OwnDevice => &self.own_device,
            Lane::General => &self.general,
        };
        let full = queue.in_flight.fetch_add(1, Ordering::SeqCst) >= queue.capacity;
        let _counted = InFlight(&queue.in_flight);
        if full {
            return Err(Busy);
        }
        let _permit = queue.permits.acquire().await.map_err(|_| Busy)?;
        self.workers.run(check).await.map_err(|_| Busy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_own_device_sign_in_counts_apart_from_the_account_elsewhere() {
        let device = DeviceId::from("asha-tablet");
        assert_eq!(keys("asha@x", Some(&device), "10.0.0.9"), ["acct:asha@x|dev:asha-tablet"]);
        assert_eq!(keys("asha@x", None, "10.0.0.9"), ["acct:asha@x|ip:10.0.0.9", "ip:10.0.0.9"]);
        assert!(keys("asha@x", None, "1.2.3.4").iter().all(|k| !k.contains("dev:")));
    }

    #[test]
    fn locks_start_after_the_free_failures_and_double_up_to_fifteen_minutes() {
        let account = "acct:asha@x|ip:1.2.3.4";
        assert_eq!(lock_for(account, ACCOUNT_FREE_FAILURES - 1), 0);
        assert_eq!(lock_for(account, ACCOUNT_FREE_FAILURES), FIRST_LOCK_MS);
        assert_eq!(lock_for(account, ACCOUNT_FREE_FAILURES + 1), 2 * FIRST_LOCK_MS);
        assert_eq!(lock_for(account, 1_000), MAX_LOCK_MS);
        assert_eq!(lock_for("ip:1.2.3.4", ADDRESS_FREE_FAILURES - 1), 0);
        assert_eq!(lock_for("ip:1.2.3.4", ADDRESS_FREE_FAILURES), FIRST_LOCK_MS);
    }

    #[tokio::test]
    async fn a_full_lane_answers_busy_at_once_and_the_other_lane_still_runs() {
        let lanes = std::sync::Arc::new(HashingLanes::new(1, 1, 4));
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let wait = std::sync::Arc::new(std::sync::Mutex::new(wait));
        // One hash runs and one waits in the general lane (its queue is 1 long).
        let mut running = Vec::new();
        for _ in 0..2 {
            let lanes = lanes.clone();
            let wait = wait.clone();
            running.push(tokio::spawn(async move {
                lanes.run(Lane::General, move |_| wait.lock().unwrap().recv().ok()).await
            }));
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(lanes.run(Lane::General, |_| ()).await, Err(Busy));
        assert_eq!(lanes.run(Lane::OwnDevice, |_| 7).await, Ok(7));
        for _ in 0..2 {
            release.send(()).unwrap();
        }
        for task in running {
            assert!(task.await.unwrap().is_ok());
        }
    }
}
