// Portal Desk's service worker: keeps the app shell on the device so the app opens
// with no connection. Hashed assets are served from the cache first; page loads go
// to the network first and fall back to the cached index.html; /api/ is never cached.
// The build (scripts/sw-precache.sh) replaces the two placeholders below.

const BUILD = "__PORTAL_DESK_BUILD__";
const PRECACHE = ["/", "/index.html"]; // __PORTAL_DESK_PRECACHE__
const CACHE_PREFIX = "portal-desk-shell-";
const CACHE = CACHE_PREFIX + BUILD;
// On poor Wi-Fi a page load that has not answered in this long is served from the cache.
const NAVIGATION_TIMEOUT_MS = 4000;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload" }))))
      .then(() => self.skipWaiting())
  );
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
    event.respondWith(networkFirstPage(request));
    return;
  }
  event.respondWith(cacheFirst(request));
});

// Any client route (/, /cases/…) is the same index.html: try the network so a new
// build is seen, and fall back to the shell this worker cached.
async function networkFirstPage(request) {
  const cached = () => caches.open(CACHE).then((cache) => cache.match("/index.html"));
  try {
    const response = await withTimeout(fetch(request), NAVIGATION_TIMEOUT_MS);
    if (response.ok) return response;
    return (await cached()) || response;
  } catch (_) {
    const shell = await cached();
    if (shell) return shell;
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

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      }
    );
  });
}
