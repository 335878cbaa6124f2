//! The connections being served, oldest first, so that at the connection cap the
//! oldest one that is only waiting for a request can be asked to make room.

use super::activity::Activity;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Every open connection's activity, by the order they were accepted in.
#[derive(Default)]
pub(super) struct Registry {
    connections: Mutex<BTreeMap<u64, Arc<Activity>>>,
    next: AtomicU64,
}

impl Registry {
    /// Counts a connection in until the returned guard is dropped.
    pub(super) fn register(self: &Arc<Self>, activity: Arc<Activity>) -> Registered {
        let key = self.next.fetch_add(1, Ordering::Relaxed);
        self.connections.lock().expect("registry lock").insert(key, activity);
        Registered { registry: self.clone(), key }
    }

    /// Asks the oldest connection with no request begun on it to close; false when every
    /// connection is busy with a request.
    pub(super) fn evict_oldest_waiting(&self) -> bool {
        let connections = self.connections.lock().expect("registry lock");
        match connections.values().find(|activity| activity.is_waiting() && !activity.is_evicted()) {
            Some(activity) => {
                activity.evict();
                true
            }
            None => false,
        }
    }
}

/// A connection counted in a [`Registry`]; counted out when dropped.
pub(super) struct Registered {
    registry: Arc<Registry>,
    key: u64,
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.registry.connections.lock().expect("registry lock").remove(&self.key);
    }
}
