//! Webhook targets (#18 item 7): a webhook is sent by the server, from inside its network, to a
//! URL anyone with `integrations:write` chose. Unless `JALIN_WEBHOOK_ALLOW_PRIVATE` is set, a
//! URL whose host is, or resolves to, an address that is not public (loopback, private,
//! link-local and cloud metadata, shared/CGNAT, multicast, reserved, IPv4 inside IPv6) is refused
//! when the endpoint is created or changed, checked again before each delivery, and the
//! delivery's own connection only ever uses public addresses ([`PublicOnly`]), so a name that
//! resolves differently later (DNS rebinding) cannot reach inside either.
//!
//! Refusals say nothing about the network (no resolver or connection error, no port state), so
//! the webhook API cannot serve as a port scanner.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};

use crate::error::ApiError;

/// Whether `ip` is an address of the public Internet a webhook may be sent to.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => is_public_v4(a),
        IpAddr::V6(a) => is_public_v6(a),
    }
}

fn is_public_v4(a: Ipv4Addr) -> bool {
    let [o0, o1, o2, _] = a.octets();
    let internal = a.is_private()            // 10/8, 172.16/12, 192.168/16
        || a.is_loopback()                   // 127/8
        || a.is_link_local()                 // 169.254/16, cloud metadata 169.254.169.254
        || o0 == 0                           // 0/8, "this network", 0.0.0.0
        || a.is_broadcast()
        || a.is_multicast()                  // 224/4
        || o0 >= 240                         // 240/4 reserved
        || (o0 == 100 && (64..128).contains(&o1)) // 100.64/10 shared (CGNAT), 100.100.100.200 metadata
        || (o0 == 192 && o1 == 0 && o2 == 0) // 192.0.0/24 protocol assignments
        || (o0 == 192 && o1 == 0 && o2 == 2) // documentation
        || (o0 == 198 && o1 == 51 && o2 == 100)
        || (o0 == 203 && o1 == 0 && o2 == 113)
        || (o0 == 198 && (o1 == 18 || o1 == 19)) // 198.18/15 benchmarking
        || (o0 == 192 && o1 == 88 && o2 == 99); // 6to4 relay anycast
    !internal
}

fn is_public_v6(a: Ipv6Addr) -> bool {
    // IPv4 carried in IPv6 (mapped ::ffff:a.b.c.d, compatible ::a.b.c.d, NAT64 64:ff9b::/96,
    // 6to4 2002::/16) is judged by its IPv4 address.
    if let Some(v4) = embedded_v4(a) {
        return is_public_v4(v4);
    }
    let s0 = a.segments()[0];
    let internal = a.is_loopback()
        || a.is_unspecified()
        || a.is_multicast()
        || (s0 & 0xfe00) == 0xfc00          // fc00::/7 unique local (fd00:ec2::254 metadata)
        || (s0 & 0xffc0) == 0xfe80          // fe80::/10 link-local
        || (s0 & 0xffc0) == 0xfec0          // fec0::/10 site-local (deprecated)
        || (s0 == 0x2001 && a.segments()[1] == 0x0db8) // documentation
        || s0 == 0x0100; // 100::/64 discard
    !internal
}

fn embedded_v4(a: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = a.segments();
    let tail = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    if let Some(v4) = a.to_ipv4_mapped() {
        return Some(v4);
    }
    if s[..6] == [0, 0, 0, 0, 0, 0] && !a.is_loopback() && !a.is_unspecified() {
        return Some(tail); // ::a.b.c.d (deprecated IPv4-compatible)
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return Some(tail);
    }
    if s[0] == 0x2002 {
        return Some(Ipv4Addr::new(
            (s[1] >> 8) as u8,
            s[1] as u8,
            (s[2] >> 8) as u8,
            s[2] as u8,
        ));
    }
    None
}

/// The addresses `url` would connect to, when every one is public; `None` when any is not,
/// or when the host does not resolve (blocking: DNS).
pub fn public_addresses(url: &url::Url) -> Option<Vec<SocketAddr>> {
    let port = url.port_or_known_default()?;
    let addrs: Vec<SocketAddr> = match url.host()? {
        url::Host::Ipv4(a) => vec![SocketAddr::new(IpAddr::V4(a), port)],
        url::Host::Ipv6(a) => vec![SocketAddr::new(IpAddr::V6(a), port)],
        url::Host::Domain(name) => (name, port).to_socket_addrs().ok()?.collect(),
    };
    (!addrs.is_empty() && addrs.iter().all(|a| is_public(a.ip()))).then_some(addrs)
}

/// Whether a webhook may be sent to `raw` (always, with `allow_private`). A URL that does not
/// parse is left to the endpoint's own validation. Blocking (DNS).
pub fn allowed(raw: &str, allow_private: bool) -> bool {
    if allow_private {
        return true;
    }
    match url::Url::parse(raw) {
        Ok(url) => public_addresses(&url).is_some(),
        Err(_) => true,
    }
}

/// Refuses (422 `webhook_target_forbidden`) a webhook URL that is not allowed; resolves the
/// host off the async workers.
pub async fn check(raw: Option<String>, allow_private: bool) -> Result<(), ApiError> {
    let Some(raw) = raw.filter(|_| !allow_private) else {
        return Ok(());
    };
    let ok = actix_web::web::block(move || allowed(&raw, false))
        .await
        .map_err(|e| ApiError::internal(format!("webhook target check: {e}")))?;
    match ok {
        true => Ok(()),
        false => Err(ApiError::WebhookTargetForbidden),
    }
}

/// ureq's resolver for webhook deliveries: the default resolution, keeping only public
/// addresses (the connection never reaches another, whatever DNS answers by then).
#[derive(Debug, Default)]
pub struct PublicOnly(ureq::unversioned::resolver::DefaultResolver);

impl ureq::unversioned::resolver::Resolver for PublicOnly {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: ureq::unversioned::transport::NextTimeout,
    ) -> Result<ureq::unversioned::resolver::ResolvedSocketAddrs, ureq::Error> {
        let all = self.0.resolve(uri, config, timeout)?;
        let mut public = self.empty();
        for a in all.iter().filter(|a| is_public(a.ip())) {
            public.push(*a);
        }
        match public.is_empty() {
            true => Err(ureq::Error::HostNotFound),
            false => Ok(public),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn internal_addresses_are_not_public() {
        for a in [
            "127.0.0.1",
            "127.8.9.10",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.0.1",
            "169.254.169.254",
            "169.254.0.1",
            "100.64.0.1",
            "100.100.100.200",
            "100.127.255.255",
            "0.0.0.0",
            "0.1.2.3",
            "255.255.255.255",
            "224.0.0.1",
            "240.0.0.1",
            "192.0.0.1",
            "198.18.0.1",
            "::1",
            "::",
            "fd00::1",
            "fc00::1",
            "fd00:ec2::254",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
            "2001:db8::1",
        ] {
            assert!(!is_public(ip(a)), "{a}");
        }
    }

    #[test]
    fn internet_addresses_are_public() {
        for a in [
            "93.184.215.14",
            "8.8.8.8",
            "100.63.255.255",
            "100.128.0.1",
            "172.32.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "2002:0808:0808::",
        ] {
            assert!(is_public(ip(a)), "{a}");
        }
    }

    #[test]
    fn urls_are_judged_by_the_addresses_their_host_names() {
        for u in [
            "http://127.0.0.1/",
            "http://2130706433/",
            "http://0x7f.1/",
            "http://017700000001/",
            "http://[::ffff:7f00:1]/",
            "http://localhost:8080/",
            "https://no-such-host.invalid/",
        ] {
            assert!(!allowed(u, false), "{u}");
            assert!(allowed(u, true), "{u} with JALIN_WEBHOOK_ALLOW_PRIVATE");
        }
        assert!(allowed("https://93.184.215.14:8443/hook", false));
        assert!(
            allowed("not a url", false),
            "left to the URL's own validation"
        );
    }
}
