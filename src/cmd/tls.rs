//! `--tls` on `connect` and `listen` (issue 14 §1): the flags become a `tls:`/`tls-listen:`
//! endpoint, so `connect --tls H P` runs exactly as `connect tls:H:P` (`pair - tls:H:P`) and
//! `listen --tls P` as `listen tls-listen:P`. Flags lie under an endpoint's own options.

use anyhow::Result;

use super::{host_port, sock_opts, usage};
use crate::cli::tls::TlsArgs;
use crate::cli::{ConnectArgs, ListenArgs};
use crate::endpoint::{Endpoint, EndpointOpts, Family, Kind};
use crate::sock::SockOpts;
use crate::tls::{TlsOpts, parse_alpn, parse_pin};

/// The `--tls-*` options as endpoint options.
fn flag_opts(a: &TlsArgs) -> Result<TlsOpts> {
    Ok(TlsOpts {
        ca: a.tls_ca.clone(),
        sni: a.tls_sni.clone(),
        alpn: match &a.tls_alpn {
            Some(l) => parse_alpn(l, &[',', ';']).map_err(usage)?,
            None => Vec::new(),
        },
        insecure: a.tls_insecure,
        cert: a.tls_cert.clone(),
        key: a.tls_key.clone(),
        pin: a
            .tls_pin
            .as_deref()
            .map(parse_pin)
            .transpose()
            .map_err(usage)?,
    })
}

/// The first `--tls-*` option given, for "needs --tls".
fn option_used(a: &TlsArgs) -> Option<&'static str> {
    [
        (a.tls_ca.is_some(), "--tls-ca"),
        (a.tls_sni.is_some(), "--tls-sni"),
        (a.tls_alpn.is_some(), "--tls-alpn"),
        (a.tls_insecure, "--tls-insecure"),
        (a.tls_cert.is_some(), "--tls-cert"),
        (a.tls_key.is_some(), "--tls-key"),
        (a.tls_pin.is_some(), "--tls-pin"),
    ]
    .into_iter()
    .find_map(|(used, f)| used.then_some(f))
}

/// The socket flags (`--nodelay`, `-s`, `-p`, `--sndbuf`...) as endpoint options, which win.
fn fold_sock(o: &mut EndpointOpts, s: &SockOpts, listen: bool) {
    o.nodelay |= s.nodelay;
    o.keepalive |= s.keepalive;
    o.reuseaddr |= s.reuseaddr;
    o.reuseport |= s.reuseport;
    o.sndbuf = o.sndbuf.or(s.sndbuf);
    o.rcvbuf = o.rcvbuf.or(s.rcvbuf);
    o.ttl = o.ttl.or(s.ttl);
    o.tos = o.tos.or(s.tos);
    if !listen {
        o.bind = o.bind.or(s.source);
        o.sourceport = o.sourceport.or(s.source_port);
    }
}

fn family(ipv4: bool, ipv6: bool) -> Option<Family> {
    match (ipv4, ipv6) {
        (true, _) => Some(Family::V4),
        (_, true) => Some(Family::V6),
        _ => None,
    }
}

/// The endpoint a TLS `connect` runs as `pair - EP`; `None` when TLS is not asked for.
pub fn connect_endpoint(args: &ConnectArgs) -> Result<Option<String>> {
    let t = &args.tls;
    let net = &args.net;
    let one = match args.target.as_slice() {
        [one] if Endpoint::looks_like(one) => Some(Endpoint::parse(one).map_err(usage)?),
        _ => None,
    };
    let typed_tls = one.as_ref().is_some_and(|e| matches!(e.kind, Kind::Tls(_)));
    if !t.tls && !typed_tls {
        return match option_used(t) {
            Some(f) => Err(usage(format!("{f} needs --tls (or a tls: endpoint)"))),
            None => Ok(None),
        };
    }
    // Until TLS rides on a proxied end, --proxy must not be dropped silently (that would
    // connect straight to HOST).
    if args.proxy.proxy.is_some() {
        return Err(usage(
            "--proxy cannot be used with TLS yet (TLS through a proxy is not supported)",
        ));
    }
    if let Some(flag) = [
        (net.udp, "-u"),
        (net.unix.is_some(), "-U"),
        (
            args.exec.exec.is_some() || args.exec.sh_exec.is_some(),
            "--exec/--sh-exec",
        ),
    ]
    .into_iter()
    .find_map(|(used, f)| used.then_some(f))
    {
        return Err(usage(format!(
            "{flag} cannot be used with TLS (pair tls:HOST:PORT exec:COMMAND runs a command)"
        )));
    }
    let flags = flag_opts(t)?;
    let (hp, mut opts) = match (one, args.target.as_slice()) {
        (Some(ep), _) => match ep.kind {
            Kind::Tls(hp) | Kind::Tcp(hp) => (hp, ep.opts),
            _ => {
                return Err(usage(format!(
                    "--tls needs HOST PORT or a tcp:/tls: endpoint, not '{}'",
                    ep.text
                )));
            }
        },
        (None, [host, port]) => (host_port(host, port)?, EndpointOpts::default()),
        (None, [one]) => return Err(usage(format!("missing PORT after '{one}'"))),
        (None, []) => {
            return Err(usage(
                "missing HOST PORT (or an endpoint like tls:HOST:PORT)",
            ));
        }
        _ => return Err(usage("too many arguments")),
    };
    opts.tls = Box::new(opts.tls.over(&flags));
    opts.family = opts.family.or(family(net.ipv4, net.ipv6));
    fold_sock(&mut opts, &sock_opts(&args.sock, net, None)?, false);
    let ep = Endpoint {
        kind: Kind::Tls(hp),
        opts,
        text: String::new(),
    };
    Ok(Some(ep.canonical()))
}

/// The `tls-listen:` endpoint of a TLS `listen`; `None` when TLS is not asked for.
pub fn listen_endpoint(args: &ListenArgs) -> Result<Option<Endpoint>> {
    let t = &args.tls;
    let net = &args.net;
    let one = match args.target.as_slice() {
        [one] if Endpoint::looks_like(one) => Some(Endpoint::parse(one).map_err(usage)?),
        _ => None,
    };
    let typed_tls = one
        .as_ref()
        .is_some_and(|e| matches!(e.kind, Kind::TlsListen(_)));
    if !t.tls && !typed_tls {
        return match option_used(t) {
            Some(f) => Err(usage(format!(
                "{f} needs --tls (or a tls-listen: endpoint)"
            ))),
            None => Ok(None),
        };
    }
    if net.udp || net.unix.is_some() {
        let flag = if net.udp { "-u" } else { "-U" };
        return Err(usage(format!(
            "{flag} cannot be used with TLS (TLS runs over TCP)"
        )));
    }
    let flags = flag_opts(t)?;
    let (hp, mut opts) = match (one, args.target.as_slice()) {
        (Some(ep), _) => match ep.kind {
            Kind::TlsListen(hp) | Kind::TcpListen(hp) => (hp, ep.opts),
            _ => {
                return Err(usage(format!(
                    "--tls needs [ADDR] PORT or a tcp-listen:/tls-listen: endpoint, not '{}'",
                    ep.text
                )));
            }
        },
        (None, [port]) => (host_port("", port)?, EndpointOpts::default()),
        (None, [host, port]) => (host_port(host, port)?, EndpointOpts::default()),
        (None, []) => return Err(usage("missing PORT (use 0 for any free port)")),
        _ => return Err(usage("too many arguments")),
    };
    opts.tls = Box::new(opts.tls.over(&flags));
    opts.family = opts.family.or(family(net.ipv4, net.ipv6));
    fold_sock(&mut opts, &sock_opts(&args.sock, net, None)?, true);
    let mut ep = Endpoint {
        kind: Kind::TlsListen(hp),
        opts,
        text: String::new(),
    };
    ep.text = ep.canonical();
    Ok(Some(ep))
}
