//! What every binary reports the same way: logs through `tracing` to stderr
//! (colours only on a terminal), and Prometheus metrics at `GET /metrics`
//! beside the probes `/livez` and `/readyz`.

use std::net::SocketAddr;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::health::Readiness;

/// Log to stderr, filtered by `RUST_LOG` when it is set and by `default`
/// (the same directive syntax, e.g. `"warn,orderbook_app=info"`) otherwise.
pub fn init_tracing(default: &str) {
    match std::env::var("RUST_LOG") {
        Ok(directives) => init_tracing_with(&directives),
        Err(_) => init_tracing_with(default),
    }
}

/// Log to stderr, filtered by `directives` alone (a binary with its own
/// `--log` flag).
pub fn init_tracing_with(directives: &str) {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(directives))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

/// Serve `render()` (the Prometheus text format) at `GET /metrics`, and the
/// probes of `readiness` at `/livez` and `/readyz` (see [`crate::health`]),
/// on `listen` until `shutdown` turns true. Binding happens before this
/// returns, so a taken address is an error at start-up, naming `flag`.
pub async fn serve_metrics<F>(
    listen: SocketAddr,
    flag: &str,
    render: F,
    readiness: Readiness,
    mut shutdown: watch::Receiver<bool>,
) -> std::io::Result<JoinHandle<()>>
where
    F: Fn() -> String + Clone + Send + Sync + 'static,
{
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| std::io::Error::new(e.kind(), format!("binding {flag} {listen}: {e}")))?;
    let app = axum::Router::new()
        .route(
            "/metrics",
            axum::routing::get(move || {
                let render = render.clone();
                async move { render() }
            }),
        )
        .merge(crate::health::routes(readiness));
    tracing::info!(%listen, "metrics at http://{listen}/metrics");
    Ok(tokio::spawn(async move {
        let stop = async move {
            let _ = shutdown.wait_for(|s| *s).await;
        };
        if let Err(e) = axum::serve(listener, app)
            .with_graceful_shutdown(stop)
            .await
        {
            tracing::error!(error = %e, "metrics server stopped");
        }
    }))
}

/// One process's Prometheus metrics: each registered once, by name, at
/// start-up (a duplicate or invalid name is a bug, so it panics there), and
/// rendered in the text exposition format for `/metrics`.
#[derive(Clone, Default)]
pub struct MetricsRegistry {
    registry: prometheus::Registry,
}

impl MetricsRegistry {
    pub fn new() -> Self {
        Self::default()
    }

    fn add<C: prometheus::core::Collector + Clone + 'static>(&self, metric: C) -> C {
        self.registry
            .register(Box::new(metric.clone()))
            .expect("each metric is registered once");
        metric
    }

    pub fn gauge(&self, name: &str, help: &str) -> prometheus::IntGauge {
        self.add(prometheus::IntGauge::new(name, help).expect("a valid metric"))
    }

    pub fn counter(&self, name: &str, help: &str) -> prometheus::IntCounter {
        self.add(prometheus::IntCounter::new(name, help).expect("a valid metric"))
    }

    pub fn gauge_vec(&self, name: &str, help: &str, labels: &[&str]) -> prometheus::IntGaugeVec {
        let opts = prometheus::Opts::new(name, help);
        self.add(prometheus::IntGaugeVec::new(opts, labels).expect("a valid metric"))
    }

    /// A gauge vector of floating-point values (ratios).
    pub fn float_gauge_vec(&self, name: &str, help: &str, labels: &[&str]) -> prometheus::GaugeVec {
        let opts = prometheus::Opts::new(name, help);
        self.add(prometheus::GaugeVec::new(opts, labels).expect("a valid metric"))
    }

    pub fn counter_vec(
        &self,
        name: &str,
        help: &str,
        labels: &[&str],
    ) -> prometheus::IntCounterVec {
        let opts = prometheus::Opts::new(name, help);
        self.add(prometheus::IntCounterVec::new(opts, labels).expect("a valid metric"))
    }

    pub fn histogram(&self, name: &str, help: &str, buckets: Vec<f64>) -> prometheus::Histogram {
        let opts = prometheus::HistogramOpts::new(name, help).buckets(buckets);
        self.add(prometheus::Histogram::with_opts(opts).expect("a valid metric"))
    }

    /// Every metric in the text exposition format.
    pub fn render(&self) -> String {
        prometheus::TextEncoder::new()
            .encode_to_string(&self.registry.gather())
            .unwrap_or_default()
    }
}
