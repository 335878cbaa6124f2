//! Small helpers over the browser: the time, fresh ids, whether the network is up, the
//! one-tab sync lock, storage, and the service worker's updates.

/// Milliseconds since the Unix epoch, from the browser's clock.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// Today's date in UK time, whatever zone the browser is set to (a laptop left on
/// another zone must not move a date of birth check a day).
pub fn today() -> portal_desk_core::date::CivilDate {
    let now = now_ms();
    portal_desk_core::date::CivilDate::from_ms(now as i64, crate::queue::calendar::uk_time().offset_at(now))
}

/// A fresh random UUID from `crypto.randomUUID()`, for device, record and operation ids.
pub fn new_uuid() -> String {
    web_sys::window().and_then(|w| w.crypto().ok()).map(|c| c.random_uuid()).unwrap_or_else(fallback_uuid)
}

/// `crypto.randomUUID` only exists on secure origins (https or localhost); a device
/// opened over plain http on a LAN address still needs unique ids, so build a v4 UUID
/// from `Math.random` there. Uniqueness, not secrecy, is what ids need.
fn fallback_uuid() -> String {
    let mut bytes = [0u8; 16];
    for byte in &mut bytes {
        *byte = (js_sys::Math::random() * 256.0) as u8;
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

/// Leaves a User Timing mark named `name` (seen in the browser's performance tools and
/// read by the benchmarks) in place of the last one, so they do not pile up; nothing
/// happens where the Performance API is missing.
pub fn performance_mark(name: &str) {
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        performance.clear_marks_with_mark_name(name);
        let _ = performance.mark(name);
    }
}

/// Whether IndexedDB transactions here can be committed explicitly
/// (`IDBTransaction.commit()`, in every browser since 2021): without it a transaction
/// commits only once the page stops issuing requests, and a write may not be sent off
/// before its answers are in.
/// Asked once per page: every local write asks.
pub fn can_commit_early() -> bool {
    static CAN: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *CAN.get_or_init(|| {
        let global = js_sys::global();
        let transaction = js_sys::Reflect::get(&global, &"IDBTransaction".into()).ok();
        let prototype = transaction.and_then(|t| js_sys::Reflect::get(&t, &"prototype".into()).ok());
        prototype.is_some_and(|p| js_sys::Reflect::get(&p, &"commit".into()).is_ok_and(|c| c.is_function()))
    })
}

/// Whether the browser believes it has a network connection. `false` is reliable;
/// `true` only means a network interface is up, so sync still handles failures.
pub fn is_online() -> bool {
    web_sys::window().map(|w| w.navigator().on_line()).unwrap_or(true)
}

// The service worker's life cycle, as a little JavaScript: registering it, noticing
// a new build waiting, and letting it take over only when the person agrees. Written
// in JS because each step is an event on a browser object the app holds no type for,
// and a few lines of JS cost the app shell far less than the bindings would.
#[wasm_bindgen::prelude::wasm_bindgen(inline_js = r#"
let ready = false;
let accepted = false;
const listeners = [];
function tell() {
  ready = true;
  for (const listener of listeners.splice(0)) listener();
}
export function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  // Installing the worker fetches every file of the build to precache it: on a first
  // visit that would compete with the first screen's own files, so it waits until the
  // page is idle (or 5 s at most).
  const run = () => start(navigator.serviceWorker);
  if ("requestIdleCallback" in window) requestIdleCallback(run, { timeout: 5000 });
  else setTimeout(run, 1000);
}
function start(container) {
  container.addEventListener("controllerchange", () => {
    if (accepted) window.location.reload();
  });
  container.register("/sw.js").then((registration) => {
    // A build is waiting only if another already controls the page; the first
    // install just starts working.
    const check = () => {
      if (registration.waiting && container.controller) tell();
    };
    check();
    registration.addEventListener("updatefound", () => {
      const worker = registration.installing;
      if (worker) worker.addEventListener("statechange", () => worker.state === "installed" && check());
    });
    // A tablet left open all day still hears of a new build.
    setInterval(() => registration.update().catch(() => {}), 30 * 60 * 1000);
  }, (error) => console.warn("Portal Desk: the service worker did not register", error));
}
export function whenUpdateReady(listener) {
  if (ready) listener(); else listeners.push(listener);
}
export function applyUpdate() {
  return navigator.serviceWorker.getRegistration().then((registration) => {
    if (!registration || !registration.waiting) return false;
    accepted = true;
    registration.waiting.postMessage({ type: "SKIP_WAITING" });
    return true;
  });
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = registerWorker)]
    fn register_worker();
    #[wasm_bindgen(js_name = whenUpdateReady)]
    fn when_update_ready_js(listener: &wasm_bindgen::JsValue);
    #[wasm_bindgen(js_name = applyUpdate)]
    fn apply_update_js() -> js_sys::Promise;
}

/// Registers the service worker so the app opens offline, and watches for a new build,
/// once the page is idle. Failure only costs offline start-up, so it is logged, not shown.
pub fn register_service_worker() {
    register_worker();
}

/// Calls `ready` once a new build of the app is installed and waiting for the person
/// to agree to it (at once if one already is).
pub fn when_update_ready(ready: impl FnOnce() + 'static) {
    when_update_ready_js(&wasm_bindgen::closure::Closure::once_into_js(ready));
}

/// Lets the waiting build take over; the page reloads when it has. Returns `false` if
/// no build was waiting after all.
pub async fn apply_update() -> bool {
    wasm_bindgen_futures::JsFuture::from(apply_update_js()).await.is_ok_and(|done| done.is_truthy())
}

/// Asks the browser to keep this site's storage under pressure instead of evicting it:
/// the outbox may hold the only copy of a day's work. The browser may say no; the app
/// works either way.
pub fn request_persistent_storage() {
    let Some(window) = web_sys::window() else { return };
    let Ok(promise) = window.navigator().storage().persist() else { return };
    wasm_bindgen_futures::spawn_local(async move {
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    });
}

/// How many bytes this site stores and how many the browser allows it, if the browser
/// says.
pub async fn storage_estimate() -> Option<(u64, u64)> {
    use wasm_bindgen::JsCast;
    let promise = web_sys::window()?.navigator().storage().estimate().ok()?;
    let estimate: web_sys::StorageEstimate = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?.unchecked_into();
    Some((estimate.get_usage()? as u64, estimate.get_quota()? as u64))
}

/// Whether the page is in the background (another tab, the screen locked).
pub fn is_hidden() -> bool {
    web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.hidden())
}

/// Runs `work` while holding the Web Lock `name`, unless another tab of this app holds
/// it already; then returns `false` without running it, because that tab is doing the
/// work. Browsers without the Web Locks API run it unguarded: the server's idempotent
/// push and the version checks on pull make a doubled sync harmless, only wasteful.
pub async fn with_tab_lock(name: &str, work: impl std::future::Future<Output = ()> + 'static) -> bool {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};

    let locks = web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w.navigator(), &JsValue::from_str("locks")).ok())
        .filter(|locks| !locks.is_undefined() && !locks.is_null());
    let request = locks
        .as_ref()
        .and_then(|locks| js_sys::Reflect::get(locks, &JsValue::from_str("request")).ok())
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let (Some(locks), Some(request)) = (locks, request) else {
        work.await;
        return true;
    };

    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &JsValue::from_str("ifAvailable"), &JsValue::TRUE);
    // The lock is held until the promise the callback returns settles, that is until
    // `work` has finished; a null lock means another tab holds it.
    let callback = Closure::once_into_js(move |lock: JsValue| -> js_sys::Promise {
        if lock.is_null() {
            return js_sys::Promise::resolve(&JsValue::FALSE);
        }
        wasm_bindgen_futures::future_to_promise(async move {
            work.await;
            Ok(JsValue::TRUE)
        })
    });
    let Ok(promise) = request.call3(&locks, &JsValue::from_str(name), &options, &callback) else {
        return false;
    };
    let Ok(promise) = promise.dyn_into::<js_sys::Promise>() else { return false };
    matches!(wasm_bindgen_futures::JsFuture::from(promise).await, Ok(ran) if ran.is_truthy())
}
