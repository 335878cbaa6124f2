//! The Content-Security-Policy the app's pages and files run under, and the one every
//! other answer gets.
//!
//! The app is WebAssembly started by a module script, all from this origin:
//! `default-src 'self'` (its scripts, styles, icons, manifest, the chunks it fetches,
//! the API it calls and its service worker), `script-src 'self' 'wasm-unsafe-eval'`
//! (compiling WebAssembly needs the latter), no plugins (`object-src 'none'`), no
//! `<base>` to redirect its relative URLs (`base-uri 'none'`), and no framing by any
//! site (`frame-ancestors 'none'`, the clickjacking defence).
//!
//! The build writes one inline script into `index.html` (`scripts/build-wasm.sh`
//! starts the app with `<script type="module">import init from '/app-<hash>/…'`), and
//! its text changes with every build, so a page's policy allows exactly the inline
//! scripts and styles of the file being served, by their SHA-256 (`'sha256-…'`), and
//! nothing else inline. The scan for them is written here, not taken from an HTML
//! parser, because it reads only the one page our own build writes, and an element it
//! missed would be refused by the browser, never allowed.
//!
//! A `304 Not Modified` carries no policy: the browser keeps the one stored with the
//! page (whose hashes match it), and a policy on the `304` would replace it.

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use sha2::{Digest, Sha256};

/// The policy of every answer that is not one of the app's files: nothing may load or
/// run, and nothing may frame it.
pub const API_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/// The largest page whose inline elements are hashed; a bigger HTML file is not the
/// app's page and gets the policy without hashes.
const MAX_PAGE_BYTES: usize = 1024 * 1024;

/// The app's policy with `script_hashes` and `style_hashes` (`'sha256-…'`) allowed.
pub fn app_policy(script_hashes: &[String], style_hashes: &[String]) -> String {
    let mut policy = String::from("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'");
    for hash in script_hashes {
        policy.push(' ');
        policy.push_str(hash);
    }
    if !style_hashes.is_empty() {
        policy.push_str("; style-src 'self'");
        for hash in style_hashes {
            policy.push(' ');
            policy.push_str(hash);
        }
    }
    policy.push_str("; object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
    policy
}

/// The policy for the HTML page `html`: the app's, with its inline scripts and styles.
pub fn page_policy(html: &str) -> String {
    app_policy(&inline_hashes(html, "script"), &inline_hashes(html, "style"))
}

/// The CSP source of each inline `<tag>` element's text in `html` (a script with a
/// `src` is not inline).
pub fn inline_hashes(html: &str, tag: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let (open, close) = (format!("<{tag}"), format!("</{tag}"));
    let mut hashes = Vec::new();
    let mut from = 0;
    while let Some(start) = lower[from..].find(&open).map(|i| from + i) {
        let after_name = start + open.len();
        // `<scripts>` or `<style-x>` are other elements.
        if !lower[after_name..].starts_with(|c: char| c == '>' || c.is_ascii_whitespace() || c == '/') {
            from = after_name;
            continue;
        }
        let Some(open_end) = lower[after_name..].find('>').map(|i| after_name + i + 1) else { break };
        let Some(end) = lower[open_end..].find(&close).map(|i| open_end + i) else { break };
        let attributes = &lower[after_name..open_end];
        if !(tag == "script" && has_src(attributes)) {
            let text = &html[open_end..end];
            hashes.push(format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text))));
        }
        from = end;
    }
    hashes
}

fn has_src(attributes: &str) -> bool {
    attributes.split(|c: char| c.is_ascii_whitespace()).any(|word| word == "src" || word.starts_with("src="))
}

/// Sets the app's policy on one of its files; an HTML page's allows its own inline
/// elements.
pub async fn for_app_files(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() == StatusCode::NOT_MODIFIED {
        return response;
    }
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !is_html {
        let mut response = response;
        set_policy(&mut response, &app_policy(&[], &[]));
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let (body, policy) = match to_bytes(body, MAX_PAGE_BYTES).await {
        Ok(html) => (Body::from(html.clone()), page_policy(&String::from_utf8_lossy(&html))),
        Err(_) => (Body::empty(), app_policy(&[], &[])),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    let mut response = Response::from_parts(parts, body);
    set_policy(&mut response, &policy);
    response
}

fn set_policy(response: &mut Response, policy: &str) {
    if let Ok(value) = HeaderValue::from_str(policy) {
        response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_inline_elements_are_hashed_each_by_its_own_text() {
        let html = "<head><script type=\"module\">import init from '/app-1/x.js'; init();</script>\
                    <script src=\"/a.js\"></script><SCRIPT>b()</SCRIPT><style>p{}</style>\
                    <link rel=\"modulepreload\" href=\"/x.js\"><scripts>no</scripts></head>";
        let scripts = inline_hashes(html, "script");
        let hash =
            |text: &str| format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text)));
        assert_eq!(scripts, [hash("import init from '/app-1/x.js'; init();"), hash("b()")]);
        assert_eq!(inline_hashes(html, "style"), [hash("p{}")]);
        assert_eq!(inline_hashes("<p>no scripts</p><script", "script"), Vec::<String>::new());
    }

    #[test]
    fn the_app_policy_runs_wasm_from_this_origin_and_cannot_be_framed() {
        let policy = app_policy(&["'sha256-abc'".to_owned()], &[]);
        assert_eq!(
            policy,
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'sha256-abc'; object-src 'none'; \
             base-uri 'none'; frame-ancestors 'none'"
        );
    }
}
