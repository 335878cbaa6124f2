// Portal Desk's service worker: keeps the app shell on the device so the app opens
// with no connection. The shell this worker installed (index.html and the hashed
// files) is served from its cache; /api/ is never cached. A new build installs as a
// WAITING worker and takes over only when the person agrees: the page shows "An update
// is ready" and, when they press the button, posts SKIP_WAITING here and reloads. So
// nobody loses a half-filled form to an update, and one page never mixes two builds.
// The build (scripts/sw-precache.sh) replaces the two placeholders below.

const BUILD = "__PORTAL_DESK_BUILD__";
const PRECACHE = ["/", "/index.html"]; // __PORTAL_DESK_PRECACHE__
const CACHE_PREFIX = "portal-desk-shell-";
const CACHE = CACHE_PREFIX + BUILD;
self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload" }))))
  );
});

// The page sends this when the person chooses to update.
self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "SKIP_WAITING") self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith(CACHE_PREFIX) && name !== CACHE)
            .map((name) => caches.delete(name))
        )
      )
      // On first install this lets the open page work offline at once; after an
      // update the page that asked for it reloads when it sees the new controller.
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  // Patient data and sync traffic must always come from the server, never a cache.
  if (url.pathname.startsWith("/api/") || url.pathname === "/healthz") return;

  if (request.mode === "navigate") {
    event.respondWith(shellPage(request));
    return;
  }
  event.respondWith(cacheFirst(request));
});

// Any client route (/, /cases/…) is the same index.html: this worker's own copy, so
// the page always matches the files this worker cached, online or not. A new build
// is found by the browser's update check of sw.js, not by the page load.
async function shellPage(request) {
  const shell = await caches.open(CACHE).then((cache) => cache.match("/index.html"));
  if (shell) return shell;
  try {
    return await fetch(request);
  } catch (_) {
    return new Response("Portal Desk is offline and has not been opened on this device before.", {
      status: 503,
      headers: { "Content-Type": "text/plain; charset=utf-8" },
    });
  }
}

// Hashed file names never change content, so the cached copy is always right.
async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request);
  if (hit) return hit;
  return fetch(request);
}
