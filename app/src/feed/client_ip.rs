//! Which address a request comes from, for the per-address limits
//! (connections, REST and transaction budgets, faucet grants).
//!
//! Behind a reverse proxy (an Ingress controller, a load balancer) every
//! client arrives from the proxy's address and would share one budget. When
//! the peer is a proxy named by `--trusted-proxies`, the client is the
//! rightmost address of `X-Forwarded-For` that is not itself a trusted
//! proxy: each proxy appends the address it received from, so whatever lies
//! left of that may be the client's own invention. From any other peer the
//! header is ignored, so a client cannot choose its own budget.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use ipnet::IpNet;

use crate::feed::AppState;

/// The header proxies append the address they received from to.
const FORWARDED_FOR: &str = "x-forwarded-for";

/// The networks whose connections are proxies to believe.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(pub Vec<IpNet>);

/// A `--trusted-proxies` entry: a network (`10.0.0.0/8`) or one address.
pub fn parse_proxy(entry: &str) -> Result<IpNet, String> {
    entry
        .parse::<IpNet>()
        .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("`{entry}` is neither an IP address nor a CIDR network (10.0.0.0/8)"))
}

impl TrustedProxies {
    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client behind `peer`: `peer` itself unless it is a trusted proxy
    /// that says whom it forwards for.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        // Every header line, in order, as one list; walked from the right.
        let hops: Vec<&str> = headers
            .get_all(FORWARDED_FOR)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Ok(ip) = hop.parse::<IpAddr>() else {
                // Not an address: nothing left of it can be believed.
                break;
            };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        client
    }
}

/// The request's client address (see the module's documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip())
            .expect("the feed is served with connect info (feed::serve)");
        Ok(Self(
            state
                .guards
                .limits
                .trusted_proxies
                .client(peer, &parts.headers),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(FORWARDED_FOR, v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_entry_is_a_network_or_an_address() {
        assert_eq!(parse_proxy("10.0.0.0/8").unwrap().to_string(), "10.0.0.0/8");
        assert_eq!(parse_proxy("10.1.2.3").unwrap().to_string(), "10.1.2.3/32");
        assert_eq!(parse_proxy("fd00::/8").unwrap().to_string(), "fd00::/8");
        assert!(parse_proxy("10.0.0.0/33").is_err());
        assert!(parse_proxy("ingress").unwrap_err().contains("neither"));
    }

    #[test]
    fn the_header_counts_only_from_a_trusted_proxy() {
        let trusted = TrustedProxies(vec!["10.0.0.0/8".parse().unwrap()]);
        let h = headers(&["203.0.113.7"]);
        assert_eq!(
            trusted.client(ip("192.0.2.1"), &h),
            ip("192.0.2.1"),
            "untrusted peer"
        );
        assert_eq!(trusted.client(ip("10.1.2.3"), &h), ip("203.0.113.7"));
        assert_eq!(
            trusted.client(ip("10.1.2.3"), &HeaderMap::new()),
            ip("10.1.2.3")
        );
        assert_eq!(
            TrustedProxies::default().client(ip("10.1.2.3"), &h),
            ip("10.1.2.3")
        );
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let trusted = TrustedProxies(vec!["10.0.0.0/8".parse().unwrap()]);
        let peer = ip("10.0.0.1");
        // A client's forged first entry, then what the proxies appended.
        let h = headers(&["198.51.100.9, 203.0.113.7", "10.0.0.2"]);
        assert_eq!(trusted.client(peer, &h), ip("203.0.113.7"));
        // Garbage stops the walk at the last address believed.
        let h = headers(&["203.0.113.7, not-an-ip, 10.0.0.2"]);
        assert_eq!(trusted.client(peer, &h), ip("10.0.0.2"));
        let h = headers(&["2001:db8::1"]);
        assert_eq!(trusted.client(peer, &h), ip("2001:db8::1"));
    }
}
