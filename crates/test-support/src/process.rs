//! Child processes for tests and benches that run the binaries as a user
//! would: free loopback ports, waiting for a process to answer, killing it
//! however its owner ends, and `orderbook-node` run that way.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{TEST_FINALITY_LAG, TEST_SLOT};

/// How long a process may take to answer after it starts.
const START_TIMEOUT: Duration = crate::STATE_DEADLINE;

/// A loopback port free at the time of asking, and never one this process
/// was handed before: two calls in a row can otherwise get the same port
/// (the kernel may hand a just-released port out again), and a test would
/// then start two servers on it.
pub fn free_port() -> std::io::Result<u16> {
    static HANDED_OUT: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let mut handed_out = HANDED_OUT.lock().unwrap_or_else(|e| e.into_inner());
    // Hold every candidate until one is new, so the kernel offers others.
    let mut held = Vec::new();
    for _ in 0..1_000 {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        if !handed_out.contains(&port) {
            handed_out.push(port);
            return Ok(port);
        }
        held.push(listener);
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AddrInUse,
        "no loopback port this process has not used already",
    ))
}

/// Poll `ready` every 50 ms until it holds, for at most [`START_TIMEOUT`].
pub async fn wait_until<F, Fut>(what: &str, mut ready: F) -> std::io::Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !ready().await {
        if started.elapsed() > START_TIMEOUT {
            let message = format!("{what} did not start within {START_TIMEOUT:?}");
            return Err(std::io::Error::new(std::io::ErrorKind::TimedOut, message));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// This process's resident memory (`VmRSS` in `/proc/self/status`), in
/// bytes: what the tests that measure an attack's cost read.
pub fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .expect("a VmRSS line");
    kib * 1024
}

/// A child process killed (SIGKILL) when dropped, however its owner ends:
/// a failing test must not leave it running.
pub struct KilledOnDrop(pub Child);

impl Drop for KilledOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// An `orderbook-node` process serving JSON-RPC and PubSub on loopback.
pub struct NodeProcess {
    _process: KilledOnDrop,
    pub rpc_url: String,
    pub ws_url: String,
}

impl NodeProcess {
    /// Start `binary` on `ledger` with RPC on `rpc_port` and PubSub on
    /// `ws_port`, the test slot timing ([`TEST_SLOT`], [`TEST_FINALITY_LAG`])
    /// and `extra` flags, and wait until it answers.
    pub async fn spawn(
        binary: &Path,
        ledger: &Path,
        rpc_port: u16,
        ws_port: u16,
        extra: &[&str],
    ) -> std::io::Result<Self> {
        let timing = (TEST_SLOT, TEST_FINALITY_LAG);
        Self::spawn_with_timing(binary, ledger, (rpc_port, ws_port), timing, extra).await
    }

    /// [`NodeProcess::spawn`] with slots of `slot` and a finality lag of
    /// `finality_lag` slots (a bench's timing rather than a test's).
    pub async fn spawn_with_timing(
        binary: &Path,
        ledger: &Path,
        (rpc_port, ws_port): (u16, u16),
        (slot, finality_lag): (Duration, u64),
        extra: &[&str],
    ) -> std::io::Result<Self> {
        let child = Command::new(binary)
            .args(["--ledger", &ledger.display().to_string()])
            .args(["--rpc-addr", &format!("127.0.0.1:{rpc_port}")])
            .args(["--ws-addr", &format!("127.0.0.1:{ws_port}")])
            .args(["--slot-ms", &slot.as_millis().to_string()])
            .args(["--finality-lag", &finality_lag.to_string()])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let node = Self {
            _process: KilledOnDrop(child),
            rpc_url: format!("http://127.0.0.1:{rpc_port}"),
            ws_url: format!("ws://127.0.0.1:{ws_port}"),
        };
        let rpc_addr = format!("127.0.0.1:{rpc_port}");
        wait_until("orderbook-node", || async {
            tokio::net::TcpStream::connect(&rpc_addr).await.is_ok()
        })
        .await?;
        Ok(node)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn free_ports_never_repeat_within_a_process() {
        let ports: Vec<u16> = (0..200).map(|_| super::free_port().unwrap()).collect();
        let mut distinct = ports.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), ports.len());
    }
}
