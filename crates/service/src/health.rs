//! The probes an orchestrator (Kubernetes, a load balancer) asks every
//! service: `GET /livez` and `GET /readyz`.
//!
//! `/livez` checks nothing but that the process's event loop answers, so a
//! database or broker blip never makes a kubelet restart every pod at once.
//! `/readyz` answers 200 only while each [`Dependency`] the process serves
//! from answered its last probe (and 503, naming the ones that did not,
//! otherwise), so a pod that cannot serve is taken out of its Service's
//! endpoints and put back, without a restart, once the dependency returns.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;

/// The path of the liveness probe.
pub const LIVEZ_PATH: &str = "/livez";
/// The path of the readiness probe.
pub const READYZ_PATH: &str = "/readyz";

/// What a process needs to serve, each probed on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dependency {
    /// The chain's JSON-RPC.
    Node,
    /// PostgreSQL.
    Database,
    /// The broker's streams (Redis).
    Stream,
}

/// A dependency's state as of its last probe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckState {
    /// Not probed yet: not ready.
    Pending,
    Up,
    Down,
}

impl CheckState {
    fn from_code(code: u8) -> Self {
        match code {
            1 => Self::Up,
            2 => Self::Down,
            _ => Self::Pending,
        }
    }
}

/// The body of `/readyz`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReadinessReport {
    pub ready: bool,
    pub checks: BTreeMap<Dependency, CheckState>,
}

/// The dependencies one process checks, shared by the tasks that probe them
/// and the server that reports them. Cloning shares the same states.
#[derive(Clone, Debug)]
pub struct Readiness {
    checks: Arc<[(Dependency, AtomicU8)]>,
}

impl Readiness {
    /// Readiness over `dependencies`, each pending until first probed.
    pub fn new(dependencies: &[Dependency]) -> Self {
        let mut unique = dependencies.to_vec();
        unique.sort();
        unique.dedup();
        Self {
            checks: unique.into_iter().map(|d| (d, AtomicU8::new(0))).collect(),
        }
    }

    /// Record a probe of `dependency`; a dependency this process does not
    /// check is ignored (a probe loop shared by processes that check less).
    pub fn set(&self, dependency: Dependency, up: bool) {
        if let Some((_, state)) = self.checks.iter().find(|(d, _)| *d == dependency) {
            state.store(if up { 1 } else { 2 }, Ordering::Relaxed);
        }
    }

    pub fn report(&self) -> ReadinessReport {
        let checks: BTreeMap<_, _> = self
            .checks
            .iter()
            .map(|(d, s)| (*d, CheckState::from_code(s.load(Ordering::Relaxed))))
            .collect();
        ReadinessReport {
            ready: checks.values().all(|s| *s == CheckState::Up),
            checks,
        }
    }
}

/// `/livez` and `/readyz` over `readiness`, to merge into a server's router.
pub fn routes<S: Clone + Send + Sync + 'static>(readiness: Readiness) -> axum::Router<S> {
    axum::Router::new()
        .route(LIVEZ_PATH, get(|| async { "ok" }))
        .route(
            READYZ_PATH,
            get(move || {
                let readiness = readiness.clone();
                async move { readyz(&readiness) }
            }),
        )
}

fn readyz(readiness: &Readiness) -> Response {
    let report = readiness.report();
    let code = if report.ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(report)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_only_when_every_dependency_answered() {
        let r = Readiness::new(&[Dependency::Database, Dependency::Stream]);
        assert!(!r.report().ready, "pending is not ready");
        r.set(Dependency::Database, true);
        assert!(!r.report().ready, "the stream is still pending");
        r.set(Dependency::Stream, true);
        assert!(r.report().ready);
        r.set(Dependency::Database, false);
        let report = r.report();
        assert!(!report.ready);
        assert_eq!(report.checks[&Dependency::Database], CheckState::Down);
        r.set(Dependency::Node, false);
        r.set(Dependency::Database, true);
        assert!(r.report().ready, "an unchecked dependency does not count");
    }

    #[test]
    fn no_dependency_is_ready() {
        assert!(Readiness::new(&[]).report().ready);
    }
}
