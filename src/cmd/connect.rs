//! `sockcli connect`: connect (Happy Eyeballs for TCP), then relay stdin/stdout.

use std::os::fd::AsFd;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use socket2::Socket;

use super::exec::{self, ExecCmd};
use super::{
    event_log, family, host_port, log, nonzero, proto, relay_opts, relay_result, session_flag_used,
    shape, sock_opts, terminal_opts, usage,
};
use crate::cli::ConnectArgs;
use crate::event::relay::{RelayOpts, relay};
use crate::event::signals::Signals;
use crate::event::{Interrupted, Timeout};
use crate::exit::Code;
use crate::sock::addr::{self, Endpoint, HostPort, Lookup, Proto};
use crate::sock::{self, SockOpts};

enum Target {
    Inet(Proto, HostPort),
    Unix { path: PathBuf, dgram: bool },
}

fn plan_target(args: &ConnectArgs) -> Result<Target> {
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
    match args.target.as_slice() {
        [] => Err(usage(
            "missing HOST PORT (or an endpoint like tcp:HOST:PORT)",
        )),
        [one] if Endpoint::looks_like(one) => match Endpoint::parse(one).map_err(usage)? {
            Endpoint::Connect(p, hp) => {
                if net.udp && p == Proto::Tcp {
                    return Err(usage(format!("-u conflicts with the tcp endpoint '{one}'")));
                }
                Ok(Target::Inet(p, hp))
            }
            Endpoint::Unix(path) => Ok(Target::Unix {
                path,
                dgram: net.udp,
            }),
            Endpoint::Listen(..) | Endpoint::UnixListen(_) => Err(usage(format!(
                "'{one}' is a listening endpoint: use 'sockcli listen {one}'"
            ))),
        },
        [one] => Err(usage(format!("missing PORT after '{one}'"))),
        [host, port] => Ok(Target::Inet(proto(net), host_port(host, port)?)),
        _ => Err(usage("too many arguments")),
    }
}

pub fn run(args: &ConnectArgs) -> Result<Code> {
    if args.zero_io {
        return super::scan::run(args);
    }
    let start = Instant::now();
    let target = plan_target(args)?;
    let exec = ExecCmd::plan(&args.exec)?;
    if exec.is_some()
        && let Some(flag) = session_flag_used(&args.data, &args.session)
    {
        return Err(usage(format!(
            "{flag} cannot be used with --exec/--sh-exec"
        )));
    }
    let opts = sock_opts(&args.sock, &args.net, None)?;
    let shape = shape(&args.data)?;
    let signals = Signals::install().context("cannot install signal handlers")?;
    let session = &args.session;
    let connect_deadline = [nonzero(session.connect_timeout), nonzero(session.timeout)]
        .into_iter()
        .flatten()
        .map(|d| start + d)
        .min();

    let (sock, peer, datagram) = match &target {
        Target::Inet(p, hp) => {
            let (sock, peer) = connect_inet(*p, hp, &opts, args, connect_deadline, &signals)?;
            (sock, addr::display_inet(peer), *p == Proto::Udp)
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

fn connect_inet(
    p: Proto,
    hp: &HostPort,
    opts: &SockOpts,
    args: &ConnectArgs,
    deadline: Option<Instant>,
    signals: &Signals,
) -> Result<(Socket, std::net::SocketAddr)> {
    let how = Lookup {
        family: family(&args.net),
        proto: p,
        passive: false,
        numeric: args.net.numeric,
    };
    let mut addrs = addr::resolve(hp, how)?;
    addrs.retain(|a| opts.source_matches(a));
    if addrs.is_empty() {
        return Err(usage(format!(
            "{hp} has no address of the source address's family"
        )));
    }
    if p == Proto::Udp {
        let mut opts = opts.clone();
        opts.broadcast |= matches!(hp.host, addr::Host::Broadcast);
        return sock::connect_dgram(&addrs, &opts).map_err(|e| {
            // The kernel's EACCES for a broadcast address without SO_BROADCAST says nothing
            // about the fix.
            let hint = if e.kind() == std::io::ErrorKind::PermissionDenied && !opts.broadcast {
                " (a broadcast address needs --broadcast)"
            } else {
                ""
            };
            anyhow::Error::from(e).context(format!("connect to udp {hp} failed{hint}"))
        });
    }
    sock::connect_stream(&addrs, opts, deadline, signals.fd()).map_err(|e| match e.kind() {
        std::io::ErrorKind::TimedOut => Timeout {
            what: format!("connect to {hp}: connect timeout"),
        }
        .into(),
        std::io::ErrorKind::Interrupted => Interrupted {
            signal: signals.pending().unwrap_or(libc::SIGINT),
        }
        .into(),
        _ => anyhow::Error::from(e).context(format!("connect to {hp} failed")),
    })
}
