//! Browser tests of the small browser helpers that guard syncing.
#![cfg(target_arch = "wasm32")]

use gloo_timers::future::TimeoutFuture;
use portal_desk::browser::with_tab_lock;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn only_one_holder_of_the_sync_lock_runs_at_a_time() {
    let name = format!("test-lock-{}", portal_desk::browser::new_uuid());
    let first_ran = Rc::new(Cell::new(false));
    let flag = Rc::clone(&first_ran);
    let held = name.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let ran = with_tab_lock(&held, TimeoutFuture::new(300)).await;
        flag.set(ran);
    });
    TimeoutFuture::new(50).await;

    let second_ran = Rc::new(Cell::new(false));
    let mark = Rc::clone(&second_ran);
    let ran = with_tab_lock(&name, async move { mark.set(true) }).await;
    assert!(!ran && !second_ran.get(), "the lock is held, so the second run is skipped");

    TimeoutFuture::new(400).await;
    assert!(first_ran.get());
    assert!(with_tab_lock(&name, async {}).await, "once released, the lock can be taken again");
}
