//! Graceful shutdown: every binary stops on Ctrl-C (SIGINT) or SIGTERM
//! (what `kill`, systemd and `scripts/run.sh` send), finishing the work in
//! flight.

use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;

/// Resolves when SIGINT or SIGTERM arrives.
pub async fn requested() {
    match signal(SignalKind::terminate()) {
        Ok(mut terminate) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot install a SIGTERM handler; only Ctrl-C stops");
            let _ = tokio::signal::ctrl_c().await;
        }
    }
    tracing::info!("shutdown requested; finishing the work in flight");
}

/// Turn `tx` true on SIGINT or SIGTERM, for the tasks watching it.
pub async fn on_signal(tx: watch::Sender<bool>) {
    requested().await;
    let _ = tx.send(true);
}
