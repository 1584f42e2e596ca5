//! Endpoints reached through a proxy (`socks5:`, `socks4:`, `http-proxy:`, `connect -X`):
//! the proxy is connected like `tcp:`, then the [`crate::proxy`] dialogue runs over the
//! socket. [`connect`] runs it to the end, bounded by `-w` and ended by a signal (`connect`
//! and single `pair`); `pair -k` runs the same dialogue in its reactor (`event::forward`).

use std::net::{IpAddr, SocketAddr};

use anyhow::{Context, Result};
use socket2::Socket;

use super::open::{self, Ctx};
use crate::event::log::Log;
use crate::event::tunnel::{self, pump};
use crate::exit::Usage;
use crate::proxy::{Credentials, Dest, Dialogue, Protocol};
use crate::sock::SockOpts;
use crate::sock::addr::{self, Family, Host, HostPort, Lookup, Proto};

/// `PROTO:PROXY:PPORT:HOST:PORT`: HOST:PORT through the proxy at PROXY:PPORT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Via {
    pub protocol: Protocol,
    pub proxy: HostPort,
    pub target: HostPort,
}

/// What the command line says about every proxy: credentials (`--proxy-auth`, or
/// `SOCKCLI_PROXY_AUTH`) and where target names are resolved (`--proxy-dns`).
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub creds: Option<Credentials>,
    /// `--proxy-dns local`: resolve the target here and send the proxy an address.
    pub local_dns: bool,
    /// `-v`/`--json`: where [`connect`] tells the proxy reached and the tunnel opened.
    pub log: Log,
}

impl Via {
    /// The dialogue asking the proxy for the target. With local DNS the name is resolved
    /// here (exit 3 when it does not resolve); a service-name port is always looked up here.
    pub fn dialogue(&self, s: &Settings, family: Family, numeric: bool) -> Result<Dialogue> {
        let port = addr::resolve_port(&self.target.port, Proto::Tcp)?;
        let Host::Name(name) = &self.target.host else {
            return Err(Usage(format!("{}: the target needs a host", self.target)).into());
        };
        let literal = name
            .split('%')
            .next()
            .unwrap_or(name)
            .parse::<IpAddr>()
            .ok();
        let dest = match literal {
            Some(ip) => Dest::Ip(ip),
            // -n forbids lookups here, not the proxy's: it matters only with local DNS.
            None if s.local_dns => {
                // SOCKS4 carries IPv4 only.
                let family = match (self.protocol, family) {
                    (Protocol::Socks4, _) => Family::V4,
                    (_, f) => f,
                };
                let how = Lookup {
                    family,
                    proto: Proto::Tcp,
                    passive: false,
                    numeric,
                };
                let first = addr::resolve(&self.target, how)?
                    .first()
                    .map(SocketAddr::ip)
                    .ok_or_else(|| Usage(format!("{} has no address", self.target)))?;
                Dest::Ip(first)
            }
            None => Dest::Name(name.clone()),
        };
        Dialogue::new(self.protocol, &dest, port, s.creds.as_ref()).map_err(|e| Usage(e).into())
    }

    /// What `-v` calls the tunnel: `HOST:PORT via socks5 PROXYADDR`.
    pub fn label(&self, proxy: SocketAddr) -> String {
        format!(
            "{} via {} {}",
            self.target,
            self.protocol.name(),
            addr::display_inet(proxy)
        )
    }

    fn failed(&self, proxy: SocketAddr) -> String {
        format!(
            "connect to {} via {} proxy {} failed",
            self.target,
            self.protocol.name(),
            addr::display_inet(proxy)
        )
    }
}

/// Connect to the proxy and open the tunnel, bounded by `ctx.deadline` (exit 4) and ended
/// by a signal. Returns the socket, ready for the target's bytes, and the proxy's address.
pub fn connect(
    via: &Via,
    settings: &Settings,
    opts: &SockOpts,
    family: Family,
    ctx: &Ctx<'_>,
) -> Result<(Socket, SocketAddr)> {
    let mut d = via.dialogue(settings, family, ctx.numeric)?;
    let (sock, proxy) = open::connect_inet(&via.proxy, Proto::Tcp, family, ctx.numeric, opts, ctx)
        .with_context(|| format!("{} proxy", via.protocol.name()))?;
    let log = settings.log;
    let (kind, target) = (via.protocol.name(), via.target.to_string());
    let shown = addr::display_inet(proxy);
    log.emit(tunnel::reached(kind, &shown, &target));
    handshake(&sock, &mut d, ctx).with_context(|| via.failed(proxy))?;
    log.emit(tunnel::opened(kind, &shown, &target));
    Ok((sock, proxy))
}

/// Run the dialogue, each wait bounded by `-w` and ended by a signal.
fn handshake(sock: &Socket, d: &mut Dialogue, ctx: &Ctx<'_>) -> Result<()> {
    while let Some(want) = pump(sock, d)? {
        open::wait_ready(sock, want, ctx, "proxy handshake (-w)")?;
    }
    Ok(())
}
