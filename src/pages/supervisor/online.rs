//! The online-only calls of the supervisor and admin screens (device list, staff
//! accounts): one untyped request helper, so the app shell carries the fetch code once,
//! and the answer's problem `detail` as the sentence to show when it fails.

use crate::app::CurrentSession;
use gloo_net::http::{Method, RequestBuilder};
use leptos::prelude::*;
use portal_desk_core::staff::Role;

/// The signed-in person's role, if anyone is signed in.
pub fn current_role() -> Option<Role> {
    expect_context::<CurrentSession>().0.with(|s| s.as_ref().and_then(|s| Role::from_code(&s.staff.role)))
}

/// The session's bearer token. Read it where the screen is built (it needs the app's
/// context), not inside a spawned task.
pub fn token() -> Option<String> {
    expect_context::<CurrentSession>().0.with_untracked(|s| s.as_ref().map(|s| s.token.clone()))
}

/// Sends `body` (JSON) to `/api/v1{path}` with `token` and returns the answer's text,
/// or a sentence saying what went wrong.
pub async fn call(token: Option<String>, method: Method, path: &str, body: Option<String>) -> Result<String, String> {
    let token = token.ok_or_else(|| "Sign in again to do this.".to_owned())?;
    let builder = RequestBuilder::new(&format!("/api/v1{path}"))
        .method(method)
        .header("Authorization", &format!("Bearer {token}"));
    let sent = match body {
        Some(body) => {
            builder.header("Content-Type", "application/json").body(body).map_err(|e| e.to_string())?.send().await
        }
        None => builder.send().await,
    };
    let offline = "This needs a connection to the server: try again when this device is online.";
    let response = sent.map_err(|_| offline.to_owned())?;
    let text = response.text().await.map_err(|_| offline.to_owned())?;
    if response.ok() {
        return Ok(text);
    }
    let detail = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|problem| problem["detail"].as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("The server answered {}. Try again shortly.", response.status()));
    Err(detail)
}
