//! Code that only some screens need, compiled into wasm chunks of its own and fetched
//! the first time it runs, so the app shell a tablet loads at every start stays small.
//!
//! The release build (`scripts/build-wasm.sh`) turns on the `split` feature and cuts the
//! wasm at each [`split_fn!`] with `wasm-split-cli`: the function's body, and whatever
//! only it reaches, leaves the main module. Tests, clippy and debug builds leave the
//! feature off, and the same functions are plain `async fn`s called directly.

use leptos::prelude::*;
use std::future::Future;

/// A chunk of the app's code could not be fetched: the service worker did not have it
/// and the network did not answer (or the server no longer holds that build).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkMissing;

#[cfg(feature = "split")]
impl From<leptos::wasm_split::SplitLoaderError> for ChunkMissing {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        ChunkMissing
    }
}

impl ChunkMissing {
    /// What to tell the person.
    pub fn message(&self) -> &'static str {
        "Part of Portal Desk could not be loaded onto this device. Reload the page while connected to the internet; if that does not help, tell your Portal Desk administrator."
    }
}

/// Declares `async fn $name(args) -> Result<$ret, ChunkMissing>` whose body is compiled
/// into the wasm chunk `$chunk` (every function naming the same chunk shares it), and
/// `async fn $preload()`, which fetches that chunk without running anything.
macro_rules! split_fn {
    (chunk $chunk:ident, preload $preload:ident;
        $(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty $body:block) => {
        #[cfg(feature = "split")]
        $(#[$meta])*
        #[::leptos::wasm_split::wasm_split(
            $chunk,
            wasm_split_path = ::leptos::wasm_split,
            fallible,
            preload(#[allow(dead_code)] $preload)
        )]
        $vis fn $name($($arg: $ty),*) -> ::std::result::Result<$ret, $crate::lazy::ChunkMissing> {
            ::std::result::Result::Ok($body)
        }

        #[cfg(not(feature = "split"))]
        $(#[$meta])*
        $vis async fn $name($($arg: $ty),*) -> ::std::result::Result<$ret, $crate::lazy::ChunkMissing> {
            ::std::result::Result::Ok($body)
        }

        /// Nothing to fetch in a build that is not split.
        #[cfg(not(feature = "split"))]
        #[allow(dead_code)]
        $vis async fn $preload() -> ::std::result::Result<(), $crate::lazy::ChunkMissing> {
            ::std::result::Result::Ok(())
        }
    };
}
pub(crate) use split_fn;

/// Shows the view `load` makes once its chunk is here: at once when it already is (the
/// future is ready when first polled, so nothing flashes), "Opening…" while it is
/// fetched, and what to do, on a page of its own, when it cannot be.
pub fn lazy<Fut>(load: Fut) -> impl IntoView
where
    Fut: Future<Output = Result<AnyView, ChunkMissing>> + 'static,
{
    lazy_or(load, |missing| {
        view! {
            <main id="main-content" class="page">{missing_banner(missing)}</main>
        }
        .into_any()
    })
}

/// As [`lazy`], showing `on_missing` when the chunk cannot be fetched.
pub fn lazy_or<Fut>(load: Fut, on_missing: fn(ChunkMissing) -> AnyView) -> impl IntoView
where
    Fut: Future<Output = Result<AnyView, ChunkMissing>> + 'static,
{
    // The chunk's loader is not `Send`; the app has one thread.
    let load = send_wrapper::SendWrapper::new(load);
    // A Transition, not a Suspense: every resource a screen reads below it counts as
    // its task too, and a Suspense would swap the whole screen out for "Opening…" and
    // back each time one reloads (after every save), taking the focus and the
    // keyboard's place with it. A Transition shows the fallback only the first time.
    view! {
        <Transition fallback=|| view! { <p class="loading" role="status">"Opening…"</p> }>
            {Suspend::new(async move { load.await.unwrap_or_else(on_missing) })}
        </Transition>
    }
}

/// What to tell the person when a chunk cannot be fetched.
pub fn missing_banner(missing: ChunkMissing) -> impl IntoView {
    view! {
        <h1>"This screen could not be opened"</h1>
        <div class="banner" role="alert"><p>{missing.message()}</p></div>
    }
}
