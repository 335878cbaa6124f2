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

    /// Asks the oldest connection with no request begun on it to close, unless one asked
    /// before has yet to; false when every connection is busy with a request.
    pub(super) fn evict_oldest_waiting(&self) -> bool {
        let connections = self.connections.lock().expect("registry lock");
        if connections.values().any(|activity| activity.is_evicted()) {
            return true;
        }
        match connections.values().find(|activity| activity.is_waiting()) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_waiting_connection_makes_room_one_at_a_time() {
        let registry = Arc::new(Registry::default());
        let (busy, oldest, newest) = (Activity::new(), Activity::new(), Activity::new());
        let _registered = [busy.clone(), oldest.clone(), newest.clone()].map(|a| registry.register(a));
        let _request = busy.begin_request();
        assert!(registry.evict_oldest_waiting());
        assert!(!busy.is_evicted() && oldest.is_evicted() && !newest.is_evicted());
        // Until the one asked has gone or kept its place, nobody else is asked.
        assert!(registry.evict_oldest_waiting());
        assert!(!newest.is_evicted());
        // It began a request after all: the next one is asked instead.
        let _late_request = oldest.begin_request();
        oldest.keep();
        assert!(registry.evict_oldest_waiting());
        assert!(newest.is_evicted());
    }

    #[test]
    fn connections_busy_with_requests_are_never_asked_to_make_room() {
        let registry = Arc::new(Registry::default());
        let busy = Activity::new();
        let _registered = registry.register(busy.clone());
        let _request = busy.begin_request();
        assert!(!registry.evict_oldest_waiting());
        assert!(!busy.is_evicted());
    }
}
