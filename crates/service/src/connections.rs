//! Open connections counted in total and per client address, for every
//! server that takes long-lived sockets (the node's PubSub, the feed's
//! WebSocket): one gate, so both count an address the same way.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// The address a client is counted under: an IPv4 address itself, an IPv6
/// address's /64 (one host is routinely given a whole /64, so per-address
/// limits would otherwise be per-connection limits).
pub fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !u128::from(u64::MAX)).into()),
        },
    }
}

/// Why a connection was refused; the server words it with its own flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectionRefused {
    /// The server holds `max_total` connections.
    ServerFull,
    /// The client's address ([`client_key`]) holds `max_per_ip`.
    TooManyFromIp,
}

/// Counts open connections, in total and per client address.
pub struct ConnectionGate {
    max_total: usize,
    max_per_ip: usize,
    open: Mutex<(usize, HashMap<IpAddr, usize>)>,
}

/// An admitted connection; dropping it frees its place, however the
/// connection ends (even when its upgrade never completes).
pub struct ConnectionPermit {
    gate: Arc<ConnectionGate>,
    ip: IpAddr,
}

impl ConnectionGate {
    pub fn new(max_total: usize, max_per_ip: usize) -> Arc<Self> {
        Arc::new(Self {
            max_total,
            max_per_ip,
            open: Mutex::new((0, HashMap::new())),
        })
    }

    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<ConnectionPermit, ConnectionRefused> {
        let ip = client_key(ip);
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if open.0 >= self.max_total {
            return Err(ConnectionRefused::ServerFull);
        }
        let from_ip = open.1.entry(ip).or_default();
        if *from_ip >= self.max_per_ip {
            return Err(ConnectionRefused::TooManyFromIp);
        }
        *from_ip += 1;
        open.0 += 1;
        Ok(ConnectionPermit {
            gate: self.clone(),
            ip,
        })
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        self.open.lock().unwrap_or_else(|e| e.into_inner()).0
    }
}

impl Drop for ConnectionPermit {
    fn drop(&mut self) {
        let mut open = self.gate.open.lock().unwrap_or_else(|e| e.into_inner());
        open.0 = open.0.saturating_sub(1);
        if let Some(n) = open.1.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.1.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gate_counts_per_ip_and_in_total_and_frees_on_drop() {
        let gate = ConnectionGate::new(3, 2);
        let (a, b): (IpAddr, IpAddr) = ("127.0.0.1".parse().unwrap(), "127.0.0.2".parse().unwrap());
        let p1 = gate.admit(a).unwrap();
        let _p2 = gate.admit(a).unwrap();
        assert_eq!(gate.admit(a).err(), Some(ConnectionRefused::TooManyFromIp));
        let _p3 = gate.admit(b).unwrap();
        assert_eq!(gate.admit(b).err(), Some(ConnectionRefused::ServerFull));
        drop(p1);
        assert_eq!(gate.open(), 2);
        assert!(gate.admit(a).is_ok());
    }

    #[test]
    fn ipv6_clients_are_counted_per_64() {
        let gate = ConnectionGate::new(10, 2);
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let _a = gate.admit(ip("2001:db8:1:2::1")).unwrap();
        let _b = gate.admit(ip("2001:db8:1:2:ffff::9")).unwrap();
        assert_eq!(
            gate.admit(ip("2001:db8:1:2:abcd::1")).err(),
            Some(ConnectionRefused::TooManyFromIp)
        );
        assert!(gate.admit(ip("2001:db8:1:3::1")).is_ok());
        // An IPv4-mapped address is its IPv4 address.
        assert_eq!(client_key(ip("::ffff:10.1.2.3")), ip("10.1.2.3"));
    }
}
