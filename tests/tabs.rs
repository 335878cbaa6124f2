//! Two tabs on one database: when a newer app in another tab upgrades the schema, this
//! tab's connection closes at once (so the upgrade is not left waiting on it) and the
//! page is told, to ask the person to reload.
#![cfg(target_arch = "wasm32")]

mod support;

use portal_desk::store::schema;
use std::cell::Cell;
use std::rc::Rc;
use support::{asha, create, fresh_store};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

// Another tab's newer app: opens the database one version up, and fails rather than
// waits if an open connection does not let go.
#[wasm_bindgen(inline_js = "
export function openNewer(name, version) {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, version);
    request.onblocked = () => reject(new Error('blocked by an open connection'));
    request.onsuccess = () => { request.result.close(); resolve(); };
    request.onerror = () => reject(request.error);
  });
}")]
extern "C" {
    #[wasm_bindgen(js_name = openNewer)]
    fn open_newer(name: &str, version: u32) -> js_sys::Promise;
}

#[wasm_bindgen_test]
async fn a_newer_tab_upgrading_the_schema_closes_this_tabs_connection_and_says_so() {
    let store = fresh_store().await;
    store.record_changes(&asha(), vec![("c".into(), create("Ada"))]).await.unwrap();

    let heard = Rc::new(Cell::new(false));
    let listener = Closure::<dyn FnMut()>::new({
        let heard = heard.clone();
        move || heard.set(true)
    });
    let window = web_sys::window().unwrap();
    window.add_event_listener_with_callback(schema::OUTDATED_EVENT, listener.as_ref().unchecked_ref()).unwrap();

    JsFuture::from(open_newer(store.name(), schema::VERSION + 1)).await.expect("the newer tab is not kept waiting");
    assert!(heard.get(), "the page is told its connection closed");
    assert!(store.outbox().await.is_err(), "nothing more is read or written through the closed connection");

    window.remove_event_listener_with_callback(schema::OUTDATED_EVENT, listener.as_ref().unchecked_ref()).unwrap();
}
