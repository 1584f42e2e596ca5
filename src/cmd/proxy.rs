//! Proxy flags into plans: the credentials and DNS mode every proxied endpoint uses, and
//! `connect --proxy PROXY[:PORT] -X PROTO HOST PORT` as the endpoint it stands for.

use anyhow::Result;

use super::{host_port, usage};
use crate::cli::proxy::{ProxyArgs, ProxyCommon, ProxyDnsArg, ProxyTypeArg};
use crate::endpoint::proxy::{Settings, Via};
use crate::event::log::Log;
use crate::proxy::{Credentials, Protocol};
use crate::sock::addr::{Host, HostPort, Port};

/// The variable `--proxy-auth` falls back to.
const AUTH_ENV: &str = "SOCKCLI_PROXY_AUTH";

/// Credentials from `--proxy-auth`, else from `SOCKCLI_PROXY_AUTH`; errors never quote them.
/// `log` gets the proxy's `-v` events.
pub(crate) fn settings(p: &ProxyCommon, log: Log) -> Result<Settings> {
    let creds = match (&p.proxy_auth, std::env::var(AUTH_ENV)) {
        (Some(flag), _) => Some(Credentials::parse(flag, "--proxy-auth").map_err(usage)?),
        (None, Ok(env)) if !env.is_empty() => {
            Some(Credentials::parse(&env, AUTH_ENV).map_err(usage)?)
        }
        _ => None,
    };
    Ok(Settings {
        creds,
        local_dns: p.proxy_dns == ProxyDnsArg::Local,
        log,
    })
}

/// `--proxy` and `-X` with HOST PORT; `None` without `--proxy`.
pub(crate) fn via(p: &ProxyArgs, host: &str, port: &str) -> Result<Option<Via>> {
    let Some(proxy) = &p.proxy else {
        return Ok(None);
    };
    let protocol = match p.proxy_type.unwrap_or(ProxyTypeArg::Socks5) {
        ProxyTypeArg::Socks5 => Protocol::Socks5,
        ProxyTypeArg::Socks4 => Protocol::Socks4,
        ProxyTypeArg::Http => Protocol::Http,
    };
    let target = host_port(host, port)?;
    if target.host == Host::Any || target.port == Port::Number(0) {
        return Err(usage(format!(
            "--proxy needs a HOST and a PORT (1-65535) to reach, not '{host}' '{port}'"
        )));
    }
    Ok(Some(Via {
        protocol,
        proxy: proxy_addr(proxy, protocol.default_port())?,
        target,
    }))
}

/// `PROXY`, `PROXY:PORT`, `[V6]`, `[V6]:PORT` or a bare IPv6 literal.
fn proxy_addr(s: &str, default_port: u16) -> Result<HostPort> {
    let bad = || {
        usage(format!(
            "invalid --proxy '{s}' (expected PROXY[:PORT], e.g. 127.0.0.1:1080 or [::1]:1080)"
        ))
    };
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (h, after) = rest.split_once(']').ok_or_else(bad)?;
        match after {
            "" => (h, None),
            _ => (h, Some(after.strip_prefix(':').ok_or_else(bad)?)),
        }
    } else {
        match s.matches(':').count() {
            0 => (s, None),
            1 => s
                .split_once(':')
                .map(|(h, p)| (h, Some(p)))
                .ok_or_else(bad)?,
            _ => (s, None),
        }
    };
    if host.is_empty() || host == "*" {
        return Err(bad());
    }
    let port = match port {
        None => Port::Number(default_port),
        Some(p) => match Port::parse(p) {
            Ok(Port::Number(0)) | Err(_) => return Err(bad()),
            Ok(p) => p,
        },
    };
    Ok(HostPort {
        host: Host::Name(host.to_string()),
        port,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_addresses() {
        let hp = |s| proxy_addr(s, 1080).map(|h| h.to_string());
        assert_eq!(hp("gw").unwrap(), "gw:1080");
        assert_eq!(hp("gw:3128").unwrap(), "gw:3128");
        assert_eq!(hp("[::1]:9").unwrap(), "[::1]:9");
        assert_eq!(hp("[::1]").unwrap(), "[::1]:1080");
        assert_eq!(hp("::1").unwrap(), "[::1]:1080");
        for bad in ["", ":80", "gw:0", "gw:99999", "[::1", "[::1]x"] {
            assert!(hp(bad).is_err(), "{bad}");
        }
    }
}
