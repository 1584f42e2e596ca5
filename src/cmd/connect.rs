//! `sockcli connect`: connect (Happy Eyeballs for TCP), then relay stdin/stdout.

use std::os::fd::AsFd;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};

use super::exec::{self, ExecCmd};
use super::{
    event_log, family, host_port, log, nonzero, proto, relay_opts, relay_result, session_flag_used,
    shape, sock_opts, terminal_opts, usage,
};
use crate::cli::ConnectArgs;
use crate::endpoint::open;
use crate::endpoint::proxy::{self, Via};
use crate::endpoint::{Endpoint, EndpointOpts, Kind};
use crate::event::relay::{RelayOpts, relay};
use crate::event::signals::Signals;
use crate::exit::Code;
use crate::sock;
use crate::sock::addr::{self, HostPort, Proto};
use crate::sock::vsock;

enum Target {
    Inet(Proto, HostPort),
    Unix {
        path: PathBuf,
        dgram: bool,
    },
    /// Through a proxy (`--proxy`, `socks5:`, `http-proxy:`...).
    Proxy(Via),
    /// `--vsock CID PORT`, `vsock:CID:PORT`.
    Vsock {
        cid: u32,
        port: u32,
    },
}

enum Planned {
    /// A socket this command connects, and the endpoint string's own options.
    Socket(Target, Box<EndpointOpts>),
    /// Any other connecting endpoint (`exec:`, `file:`, `pty`...): `pair - ENDPOINT`.
    Pair(String),
}

/// Where to connect (`HOST PORT`, `-U PATH` or one endpoint string).
fn plan_target(args: &ConnectArgs) -> Result<Planned> {
    let none = EndpointOpts::default();
    let net = &args.net;
    if let [one] = args.target.as_slice()
        && Endpoint::looks_like(one)
    {
        if net.unix.is_some() {
            return Err(usage("-U PATH takes no HOST or PORT"));
        }
        if args.proxy.proxy.is_some() {
            return Err(usage(format!(
                "--proxy takes HOST PORT, not the endpoint '{one}'"
            )));
        }
        if net.vsock {
            return Err(usage(format!(
                "--vsock takes CID PORT, not the endpoint '{one}'"
            )));
        }
        let ep = Endpoint::parse(one).map_err(usage)?;
        let tcp = matches!(ep.kind, Kind::Tcp(_));
        let target = match ep.kind {
            Kind::Tcp(hp) | Kind::Udp(hp) => {
                let p = if tcp { Proto::Tcp } else { Proto::Udp };
                if net.udp && p == Proto::Tcp {
                    return Err(usage(format!("-u conflicts with the tcp endpoint '{one}'")));
                }
                Target::Inet(p, hp)
            }
            Kind::Unix { path, dgram } => Target::Unix {
                path,
                dgram: dgram || net.udp,
            },
            Kind::TcpListen(_)
            | Kind::UdpListen(_)
            | Kind::UnixListen { .. }
            | Kind::VsockListen { .. } => {
                return Err(usage(format!(
                    "'{one}' is a listening endpoint: use 'sockcli listen {one}'"
                )));
            }
            Kind::Stdio => return Err(usage("connect needs a peer, not stdio")),
            Kind::Proxy(via) if net.udp => {
                return Err(usage(format!(
                    "-u conflicts with the proxied endpoint '{}' (proxies carry TCP)",
                    via.target
                )));
            }
            Kind::Proxy(via) => Target::Proxy(via),
            Kind::Vsock { cid, port } => Target::Vsock { cid, port },
            _ => return Ok(Planned::Pair(one.clone())),
        };
        return Ok(Planned::Socket(target, Box::new(ep.opts)));
    }
    plan_hostport(args).map(|t| Planned::Socket(t, Box::new(none)))
}

fn plan_hostport(args: &ConnectArgs) -> Result<Target> {
    let net = &args.net;
    if let Some(path) = &net.unix {
        if !args.target.is_empty() {
            return Err(usage("-U PATH takes no HOST or PORT"));
        }
        return Ok(Target::Unix {
            path: path.clone(),
            dgram: net.udp,
        });
    }
    if net.vsock {
        if args.proxy.proxy.is_some() {
            return Err(usage("--proxy cannot be used with --vsock"));
        }
        return match args.target.as_slice() {
            [cid, port] => Ok(Target::Vsock {
                cid: vsock::number(cid, "CID").map_err(usage)?,
                port: vsock::number(port, "port").map_err(usage)?,
            }),
            _ => Err(usage("--vsock takes CID PORT (e.g. --vsock 2 5000)")),
        };
    }
    match args.target.as_slice() {
        [] => Err(usage(
            "missing HOST PORT (or an endpoint like tcp:HOST:PORT)",
        )),
        [one] => Err(usage(format!("missing PORT after '{one}'"))),
        [host, port] => match super::proxy::via(&args.proxy, host, port)? {
            Some(via) => Ok(Target::Proxy(via)),
            None => Ok(Target::Inet(proto(net), host_port(host, port)?)),
        },
        _ => Err(usage("too many arguments")),
    }
}

pub fn run(args: &ConnectArgs) -> Result<Code> {
    if args.zero_io {
        if args.tls.tls {
            return Err(usage(
                "--tls cannot be used with -z (a scan opens no session)",
            ));
        }
        return super::scan::run(args);
    }
    // TLS: `connect --tls H P` is `connect tls:H:P`, which is `pair - tls:H:P` saying
    // connect's -v lines.
    if let Some(ep) = super::tls::connect_endpoint(args)? {
        return super::pair::run(&crate::cli::PairArgs {
            voice: super::voice::Voice::Connect,
            ..stdio_pair(args, &ep)
        });
    }
    let start = Instant::now();
    let (target, ep_opts) = match plan_target(args)? {
        Planned::Socket(t, o) => (t, *o),
        Planned::Pair(ep) => return super::pair::run(&stdio_pair(args, &ep)),
    };
    let exec = ExecCmd::plan(&args.exec)?;
    if exec.is_some()
        && let Some(flag) = session_flag_used(&args.data, &args.session)
    {
        return Err(usage(format!(
            "{flag} cannot be used with --exec/--sh-exec"
        )));
    }
    let opts = ep_opts.sock_opts(&sock_opts(&args.sock, &args.net, None)?);
    let fam = ep_opts.family.unwrap_or(family(&args.net));
    let shape = shape(&args.data)?;
    let signals = Signals::install().context("cannot install signal handlers")?;
    let session = &args.session;
    let connect_deadline = [nonzero(session.connect_timeout), nonzero(session.timeout)]
        .into_iter()
        .flatten()
        .map(|d| start + d)
        .min();

    let ctx = open::Ctx {
        family: fam,
        numeric: args.net.numeric,
        sock: opts.clone(),
        deadline: connect_deadline,
        signals: &signals,
        proxy: super::proxy::settings(&args.proxy.common, event_log(&args.net, args.json))?,
        tls_link: false,
    };
    let (sock, peer, datagram) = match &target {
        Target::Inet(p, hp) => {
            let (sock, peer) = open::connect_inet(hp, *p, fam, args.net.numeric, &opts, &ctx)?;
            (sock, addr::display_inet(peer), *p == Proto::Udp)
        }
        Target::Proxy(via) => {
            let (sock, proxy) = proxy::connect(via, &ctx.proxy, &opts, fam, &ctx)?;
            (sock, via.label(proxy), false)
        }
        Target::Vsock { cid, port } => {
            let sock = open::connect_vsock(*cid, *port, &ctx)?;
            (sock, vsock::display(*cid, *port), false)
        }
        Target::Unix { path, dgram } => {
            let sock = sock::connect_unix(path, *dgram)
                .with_context(|| format!("connect to {} failed", path.display()))?;
            (sock, path.display().to_string(), *dgram)
        }
    };
    log(
        event_log(&args.net, args.json),
        format_args!("Connected to {peer}"),
    );

    if let Some(cmd) = exec {
        let mut child = cmd.spawn(sock)?;
        let deadline = nonzero(session.timeout).map(|d| start + d);
        let status = exec::wait_child(&mut child, &signals, deadline)?;
        log(
            event_log(&args.net, args.json),
            format_args!("Closed {peer} ('{}' {})", cmd.shown, exec::describe(status)),
        );
        exec::check(&cmd, status)?;
        return Ok(Code::Success);
    }

    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let (_, result) = relay(
        &sock,
        stdin.as_fd(),
        stdout.as_fd(),
        &terminal_opts(
            RelayOpts {
                shape,
                ..relay_opts(session, datagram, start)
            },
            &args.data,
            event_log(&args.net, args.json),
        ),
        &signals,
    );
    relay_result(result, &peer)?;
    Ok(Code::Success)
}

/// `connect ENDPOINT` for an endpoint that is not a socket: `pair - ENDPOINT` with the same
/// session and data flags (connect is a pair with stdio on one side).
fn stdio_pair(args: &ConnectArgs, ep: &str) -> crate::cli::PairArgs {
    crate::cli::PairArgs {
        proxy: args.proxy.common.clone(),
        ..crate::cli::PairArgs::one_session(
            "-",
            ep,
            &args.net,
            args.json,
            &args.session,
            &args.data,
        )
    }
}
