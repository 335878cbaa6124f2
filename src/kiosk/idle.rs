//! Idle time at the kiosk. The device's idle lock is held off while the tablet is a
//! kiosk (`DeviceLock::lock_when_idle` asks the kiosk state: locking would take the
//! data key, and the next patient could not register until staff came back); instead
//! the kiosk itself starts over for the next patient when nobody has touched it for a
//! while: a half-filled form is wiped and the thank-you goes back to an empty form.

use crate::browser::now_ms;
use leptos::prelude::*;
use std::time::Duration;

/// How long the thank-you stays up untouched before the empty form comes back.
pub const THANKS_FOR_MS: u64 = 30_000;

/// How long a form may lie untouched before it is wiped for the next patient.
pub const FORM_IDLE_MS: u64 = 120_000;

/// How often the time since the last touch is looked at.
const CHECK_EVERY: Duration = Duration::from_secs(5);

/// Calls `check` every few seconds with the milliseconds since the last touch or key
/// press, for as long as the calling component is mounted.
pub fn watch_idle(check: impl Fn(u64) + 'static) {
    let last_touch = StoredValue::new(now_ms());
    let pointer = window_event_listener(leptos::ev::pointerdown, move |_| last_touch.set_value(now_ms()));
    let key = window_event_listener(leptos::ev::keydown, move |_| last_touch.set_value(now_ms()));
    let timer = set_interval_with_handle(
        move || {
            if let Some(touched) = last_touch.try_get_value() {
                check(now_ms().saturating_sub(touched));
            }
        },
        CHECK_EVERY,
    )
    .ok();
    on_cleanup(move || {
        pointer.remove();
        key.remove();
        if let Some(timer) = timer {
            timer.clear();
        }
    });
}
