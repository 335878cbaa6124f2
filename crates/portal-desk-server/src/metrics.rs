//! Prometheus metrics for `GET /metrics`: requests and their latency by route, and what
//! pushes and pulls did. Each server process counts its own; Prometheus adds replicas up.
//!
//! A handful of counters and one histogram family do not justify a metrics framework,
//! so they are kept here behind one mutex, which is cheap next to a database round trip.

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Upper bounds (seconds) of the request-latency histogram's buckets.
pub const LATENCY_BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

#[derive(Default)]
struct Histogram {
    buckets: [u64; LATENCY_BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
struct Counts {
    requests: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
    ops_applied: u64,
    ops_replayed: u64,
    ops_rejected: BTreeMap<String, u64>,
    conflicts: u64,
    records_pulled: u64,
    ops_held: BTreeMap<String, u64>,
    security_refusals: BTreeMap<String, u64>,
    sign_in_failures_known: u64,
    sign_in_failures_unknown: u64,
}

/// The server's metrics.
#[derive(Default)]
pub struct Metrics {
    counts: Mutex<Counts>,
}

/// What one push did, for the metrics.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PushStats {
    /// Operations applied now.
    pub applied: u64,
    /// Operations acknowledged again without being applied.
    pub replayed: u64,
    /// The codes of operations rejected now.
    pub rejected: Vec<String>,
    /// Conflicts the applied operations revealed.
    pub conflicts: u64,
    /// The codes of operations held for a supervisor now.
    pub held: Vec<String>,
    /// The codes of operations refused as forged or impersonating now (also in
    /// `rejected`).
    pub security: Vec<String>,
}

impl Metrics {
    fn with<T>(&self, f: impl FnOnce(&mut Counts) -> T) -> T {
        // A panic elsewhere while counting leaves counts that are still usable.
        let mut counts = self.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut counts)
    }

    /// Counts one answered request.
    pub fn observe_request(&self, route: &str, method: &str, status: u16, seconds: f64) {
        self.with(|c| {
            *c.requests.entry((route.to_owned(), method.to_owned(), status)).or_default() += 1;
            let histogram = c.latency.entry(route.to_owned()).or_default();
            for (bucket, bound) in histogram.buckets.iter_mut().zip(LATENCY_BUCKETS) {
                if seconds <= bound {
                    *bucket += 1;
                }
            }
            histogram.count += 1;
            histogram.sum += seconds;
        });
    }

    /// Counts what a push did.
    pub fn observe_push(&self, stats: &PushStats) {
        self.with(|c| {
            c.ops_applied += stats.applied;
            c.ops_replayed += stats.replayed;
            c.conflicts += stats.conflicts;
            for code in &stats.rejected {
                *c.ops_rejected.entry(code.clone()).or_default() += 1;
            }
            for code in &stats.held {
                *c.ops_held.entry(code.clone()).or_default() += 1;
            }
            for code in &stats.security {
                *c.security_refusals.entry(code.clone()).or_default() += 1;
            }
        });
    }

    /// Counts a request refused because it tried to pass as someone or something it is
    /// not (a forged signature, another device's id).
    pub fn observe_security_refusal(&self, code: &str) {
        self.with(|c| *c.security_refusals.entry(code.to_owned()).or_default() += 1);
    }

    /// Counts a failed sign-in, against a real account or a made-up email.
    pub fn observe_sign_in_failure(&self, known_account: bool) {
        self.with(|c| {
            if known_account {
                c.sign_in_failures_known += 1;
            } else {
                c.sign_in_failures_unknown += 1;
            }
        });
    }

    /// Counts records served by a pull.
    pub fn observe_pull(&self, records: usize) {
        self.with(|c| c.records_pulled += records as u64);
    }

    /// The metrics in Prometheus' text exposition format.
    pub fn render(&self) -> String {
        self.with(|c| {
            let mut out = String::new();
            let _ = writeln!(
                out,
                "# HELP portal_desk_http_requests_total HTTP requests answered, by route, method and status."
            );
            let _ = writeln!(out, "# TYPE portal_desk_http_requests_total counter");
            for ((route, method, status), n) in &c.requests {
                let _ = writeln!(
                    out,
                    "portal_desk_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}} {n}"
                );
            }
            let _ =
                writeln!(out, "# HELP portal_desk_http_request_duration_seconds Time to answer a request, by route.");
            let _ = writeln!(out, "# TYPE portal_desk_http_request_duration_seconds histogram");
            for (route, h) in &c.latency {
                for (n, bound) in h.buckets.iter().zip(LATENCY_BUCKETS) {
                    let _ = writeln!(
                        out,
                        "portal_desk_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {n}"
                    );
                }
                let _ = writeln!(
                    out,
                    "portal_desk_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                    h.count
                );
                let _ = writeln!(out, "portal_desk_http_request_duration_seconds_sum{{route=\"{route}\"}} {}", h.sum);
                let _ =
                    writeln!(out, "portal_desk_http_request_duration_seconds_count{{route=\"{route}\"}} {}", h.count);
            }
            let counters = [
                ("portal_desk_ops_applied_total", "Operations applied.", c.ops_applied),
                (
                    "portal_desk_ops_replayed_total",
                    "Operations acknowledged again without being applied.",
                    c.ops_replayed,
                ),
                ("portal_desk_conflicts_total", "Conflicting edits recorded.", c.conflicts),
                ("portal_desk_records_pulled_total", "Records served by pulls.", c.records_pulled),
            ];
            for (name, help, value) in counters {
                let _ = writeln!(out, "# HELP {name} {help}");
                let _ = writeln!(out, "# TYPE {name} counter");
                let _ = writeln!(out, "{name} {value}");
            }
            let by_code = [
                ("portal_desk_ops_rejected_total", "Operations rejected, by reason code.", &c.ops_rejected),
                ("portal_desk_ops_held_total", "Operations held for a supervisor, by reason code.", &c.ops_held),
                (
                    "portal_desk_security_refusals_total",
                    "Requests refused as forged or impersonating, by reason code.",
                    &c.security_refusals,
                ),
            ];
            for (name, help, counts) in by_code {
                let _ = writeln!(out, "# HELP {name} {help}");
                let _ = writeln!(out, "# TYPE {name} counter");
                for (code, n) in counts {
                    let _ = writeln!(out, "{name}{{code=\"{code}\"}} {n}");
                }
            }
            let _ = writeln!(
                out,
                "# HELP portal_desk_sign_in_failures_total Failed sign-ins, by whether the account exists."
            );
            let _ = writeln!(out, "# TYPE portal_desk_sign_in_failures_total counter");
            let _ =
                writeln!(out, "portal_desk_sign_in_failures_total{{account=\"known\"}} {}", c.sign_in_failures_known);
            let _ = writeln!(
                out,
                "portal_desk_sign_in_failures_total{{account=\"unknown\"}} {}",
                c.sign_in_failures_unknown
            );
            out
        })
    }
}

/// Middleware that times every API request and counts it under its route template
/// (never the raw path, which would make one series per device id).
pub async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str).to_owned();
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    metrics.observe_request(&route, &method, response.status().as_u16(), started.elapsed().as_secs_f64());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_pushes_are_rendered_in_prometheus_text_format() {
        let metrics = Metrics::default();
        metrics.observe_request("/api/v1/push", "POST", 200, 0.003);
        metrics.observe_push(&PushStats {
            applied: 2,
            replayed: 1,
            rejected: vec!["forbidden".into(), "bad_signature".into()],
            conflicts: 1,
            held: vec!["author_deactivated".into()],
            security: vec!["bad_signature".into()],
        });
        let text = metrics.render();
        assert!(
            text.contains("portal_desk_http_requests_total{route=\"/api/v1/push\",method=\"POST\",status=\"200\"} 1")
        );
        assert!(
            text.contains("portal_desk_http_request_duration_seconds_bucket{route=\"/api/v1/push\",le=\"0.0025\"} 0")
        );
        assert!(
            text.contains("portal_desk_http_request_duration_seconds_bucket{route=\"/api/v1/push\",le=\"0.005\"} 1")
        );
        assert!(text.contains("portal_desk_ops_applied_total 2"));
        assert!(text.contains("portal_desk_ops_rejected_total{code=\"forbidden\"} 1"));
        assert!(text.contains("portal_desk_ops_held_total{code=\"author_deactivated\"} 1"));
        assert!(text.contains("portal_desk_security_refusals_total{code=\"bad_signature\"} 1"));
    }
}
