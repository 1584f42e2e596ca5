//! `sockcli listen`: bind (dual-stack by default), announce, then relay one client with
//! stdin/stdout, run the echo server, or serve datagrams.

pub(crate) mod access;
mod dgram;
mod peers;

use std::io::Write;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use socket2::{SockAddr, Socket};

use super::exec::ExecCmd;
use super::{
    data_flag_used, event_log, family, host_port, log, nonzero, proto, relay_opts, relay_result,
    session_flag_used, shape, sock_opts, terminal_opts, usage,
};
use crate::cli::ListenArgs;
use crate::endpoint::{Endpoint, EndpointOpts, Kind};
use crate::event::reactor::{Reactor, watch_read};
use crate::event::relay::{RelayOpts, relay};
use crate::event::server;
use crate::event::signals::Signals;
use crate::exit::Code;
use crate::sock::addr::{self, HostPort, Proto};
use crate::sock::{self, SockOpts, UnixPathGuard};
use access::Access;

pub(crate) use crate::event::server::Ctx;

/// Which many-client server `listen` runs.
enum Mode {
    Echo,
    Hub { broker: bool },
    Exec(ExecCmd),
}

enum Target {
    Inet(Proto, HostPort),
    Unix {
        path: PathBuf,
        dgram: bool,
    },
    /// `--vsock PORT`, `vsock-listen:PORT`.
    Vsock {
        port: u32,
    },
}

/// Where to listen; an endpoint string's own options go to `ep_opts`.
fn plan_target(args: &ListenArgs, ep_opts: &mut EndpointOpts) -> Result<Target> {
    let net = &args.net;
    if let Some(path) = &net.unix {
        if !args.target.is_empty() {
            return Err(usage("-U PATH takes no ADDR or PORT"));
        }
        return Ok(Target::Unix {
            path: path.clone(),
            dgram: net.udp,
        });
    }
    if net.vsock {
        return match args.target.as_slice() {
            [port] if !Endpoint::looks_like(port) => Ok(Target::Vsock {
                port: crate::sock::vsock::number(port, "port").map_err(usage)?,
            }),
            _ => Err(usage("--vsock takes PORT (e.g. --vsock 5000)")),
        };
    }
    // netcat habit: `nc -l -p PORT [-s ADDR]` names the listening port with -p.
    let sock = &args.sock;
    match args.target.as_slice() {
        [] if let Some(port) = &sock.source_port => Ok(Target::Inet(
            proto(net),
            host_port(sock.source.as_deref().unwrap_or(""), port)?,
        )),
        [] => Err(usage("missing PORT (use 0 for any free port)")),
        _ if sock.source_port.is_some() || sock.source.is_some() => Err(usage(
            "-s/-p name the listening address when no [ADDR] PORT is given; give one or the other",
        )),
        [one] if Endpoint::looks_like(one) => {
            let ep = Endpoint::parse(one).map_err(usage)?;
            *ep_opts = ep.opts.clone();
            let tcp = matches!(ep.kind, Kind::TcpListen(_));
            match ep.kind {
                Kind::TcpListen(hp) | Kind::UdpListen(hp) => {
                    if net.udp && tcp {
                        return Err(usage(format!("-u conflicts with the tcp endpoint '{one}'")));
                    }
                    Ok(Target::Inet(if tcp { Proto::Tcp } else { Proto::Udp }, hp))
                }
                Kind::UnixListen { path, dgram } => Ok(Target::Unix {
                    path,
                    dgram: dgram || net.udp,
                }),
                Kind::VsockListen { port } if !net.udp => Ok(Target::Vsock { port }),
                _ => Err(usage(format!(
                    "'{one}' is not a listening endpoint: use 'sockcli connect {one}' or 'sockcli pair'"
                ))),
            }
        }
        [port] => Ok(Target::Inet(proto(net), host_port("", port)?)),
        [host, port] => Ok(Target::Inet(proto(net), host_port(host, port)?)),
        _ => Err(usage("too many arguments")),
    }
}

/// A bound server socket and what it needs to remember.
struct Server {
    sock: Socket,
    local: String,
    _unix_path: Option<UnixPathGuard>,
}

/// What the server does with its clients.
enum Plan {
    /// One client relayed with stdin/stdout (netcat's `-l`).
    Relay,
    /// Many clients (or one, without -k) in the server loop.
    Server { mode: Mode, keep_open: bool },
    /// A datagram server.
    Dgram,
}

fn plan(args: &ListenArgs, target: &Target) -> Result<Plan> {
    let exec = ExecCmd::plan(&args.exec)?;
    let dgram = match target {
        Target::Inet(p, _) => *p == Proto::Udp,
        Target::Unix { dgram, .. } => *dgram,
        Target::Vsock { .. } => false,
    };
    if dgram {
        if let Some(flag) = [
            (args.broker, "--broker"),
            (exec.is_some(), "--exec/--sh-exec"),
        ]
        .into_iter()
        .find_map(|(used, f)| used.then_some(f))
        {
            return Err(usage(format!("{flag} needs a stream socket (not -u)")));
        }
        // The datagram server has its own loop, without the relay's framing or terminal.
        if let Some(flag) = data_flag_used(&args.data) {
            return Err(usage(format!("{flag} is not supported by listen -u")));
        }
        return Ok(Plan::Dgram);
    }
    let keep_open = args.keep_open || args.broker;
    let (mode, what) = match exec {
        Some(cmd) => (Mode::Exec(cmd), "--exec/--sh-exec"),
        None if args.echo => (Mode::Echo, "--echo"),
        None if args.broker => (Mode::Hub { broker: true }, "--broker"),
        None if keep_open => (Mode::Hub { broker: false }, "-k"),
        None => return Ok(Plan::Relay),
    };
    // -k without --echo/--broker/--exec still has stdin and stdout, so directions apply.
    let refused = match mode {
        Mode::Hub { broker: false } => data_flag_used(&args.data),
        _ => session_flag_used(&args.data, &args.session),
    };
    if let Some(flag) = refused {
        return Err(usage(format!("{flag} cannot be used with {what}")));
    }
    Ok(Plan::Server { mode, keep_open })
}

pub fn run(args: &ListenArgs) -> Result<Code> {
    let start = Instant::now();
    let mut ep_opts = EndpointOpts::default();
    // TLS: `listen --tls P` is `listen tls-listen:P`: the TCP server with a TLS layer.
    let tls_ep = super::tls::listen_endpoint(args)?;
    let mut target = match &tls_ep {
        Some(Endpoint {
            kind: Kind::TlsListen(hp),
            opts,
            ..
        }) => {
            ep_opts = opts.clone();
            Target::Inet(Proto::Tcp, hp.clone())
        }
        _ => plan_target(args, &mut ep_opts)?,
    };
    if let (Some(ip), Target::Inet(_, hp)) = (ep_opts.bind, &mut target) {
        // `bind=ADDR` names the listening address, as socat's bind option does.
        hp.host = crate::sock::addr::Host::Name(ip.to_string());
    }
    let plan = plan(args, &target)?;
    if let (Some(ep), Plan::Relay) = (&tls_ep, &plan) {
        // One client with stdin/stdout: the pair session, which drives the TLS pump.
        return super::pair::run(&relay_pair(args, &ep.text));
    }
    let tls = match (&tls_ep, &target) {
        (Some(ep), Target::Inet(_, hp)) => Some(crate::endpoint::open::tls_server(ep, hp)?),
        _ => None,
    };
    let access = Access::plan(&args.clients)?;
    if !access.is_open() && matches!(target, Target::Unix { .. }) {
        return Err(usage("--allow/--deny need an IP socket (not -U)"));
    }
    if !access.is_open() && matches!(target, Target::Vsock { .. }) {
        return Err(usage("--allow/--deny need an IP socket (not --vsock)"));
    }
    let mut opts = ep_opts.sock_opts(&sock_opts(&args.sock, &args.net, Some(args.backlog))?);
    opts.source = None;
    // Made before binding, so a hexdump file that cannot be created fails before any client.
    let shape = match plan {
        Plan::Relay => shape(&args.data)?,
        _ => Default::default(),
    };
    let signals = Signals::install().context("cannot install signal handlers")?;
    let server = bind(&target, &opts, &ep_opts, args)?;
    log(
        event_log(&args.net, args.json),
        format_args!("Listening on {}", server.local),
    );
    if let Some(fp) = tls.as_ref().and_then(|t| t.generated.as_deref()) {
        event_log(&args.net, args.json).emit(crate::event::log::Event::new(
            format!("TLS certificate generated, SHA-256 {fp}"),
            crate::event::log::Record::TlsCertificate { sha256: fp },
        ));
    }
    if let Some(path) = &args.ready_file {
        write_ready_file(path, &server.local)
            .with_context(|| format!("cannot write ready file {}", path.display()))?;
    }

    let session = &args.session;
    let deadline = nonzero(session.timeout).map(|d| start + d);
    let first_client_deadline = nonzero(session.connect_timeout).map(|d| start + d);
    let ctx = Ctx {
        log: event_log(&args.net, args.json),
        signals: &signals,
        deadline,
        first_client_deadline,
        idle: nonzero(session.idle_timeout),
    };
    let max_conns = args.clients.max_conns.map(|n| n as usize);
    match plan {
        Plan::Dgram => {
            let relay = relay_opts(session, true, start);
            let opts = dgram::Opts {
                echo: args.echo,
                keep_open: args.keep_open,
                max_peers: max_conns,
                access: &access,
            };
            return dgram::serve(&server.sock, &opts, &relay, &ctx).map(|()| Code::Success);
        }
        Plan::Server { mode, keep_open } => {
            // Thousands of clients need thousands of fds: take what the hard limit allows.
            sock::fd_budget();
            let mode = match &mode {
                Mode::Echo => server::Mode::Echo,
                Mode::Hub { broker } => server::Mode::Hub { broker: *broker },
                Mode::Exec(cmd) => server::Mode::Exec(cmd),
            };
            let permits = |ip| access.permits(ip);
            let opts = server::Opts {
                mode,
                keep_open,
                max_conns,
                permits: &permits,
                send: !session.recv_only,
                recv: !session.send_only,
                tls: tls.as_ref(),
            };
            return server::serve(&server.sock, opts, &ctx).map(|()| Code::Success);
        }
        Plan::Relay => {}
    }

    // One client relayed with stdin/stdout; the listener closes so nobody else gets in.
    let (client, peer) = accept_one(&server.sock, &access, &ctx)?;
    drop(server);
    let peer = addr::display(&peer);
    log(ctx.log, format_args!("Connected by {peer}"));
    let (stats, result) = relay(
        &client,
        std::io::stdin().as_fd(),
        std::io::stdout().as_fd(),
        &terminal_opts(
            RelayOpts {
                shape,
                ..relay_opts(session, false, start)
            },
            &args.data,
            ctx.log,
        ),
        &signals,
    );
    log(
        ctx.log,
        format_args!(
            "Closed {peer} (in {} bytes, out {} bytes)",
            stats.received, stats.sent
        ),
    );
    relay_result(result, &peer)?;
    Ok(Code::Success)
}

/// `listen --tls` for one client: `pair tls-listen:... -` with the same flags, saying
/// listen's -v lines.
fn relay_pair(args: &ListenArgs, ep: &str) -> crate::cli::PairArgs {
    crate::cli::PairArgs {
        clients: args.clients.clone(),
        ready_file: args.ready_file.clone(),
        voice: super::voice::Voice::Listen,
        ..crate::cli::PairArgs::one_session(
            ep,
            "-",
            &args.net,
            args.json,
            &args.session,
            &args.data,
        )
    }
}

/// The first client `access` permits. On the reactor: [`Ctx::SIGNAL`] and the listener
/// (token 1); the deadlines bound the wait.
fn accept_one(listener: &Socket, access: &Access, ctx: &Ctx<'_>) -> Result<(Socket, SockAddr)> {
    let mut r = Reactor::new().context("cannot create the event loop")?;
    let _signals = ctx.watch_signals(&mut r)?;
    let _listener = watch_read(&mut r, listener, 1).context("cannot watch the listener")?;
    let (mut ready, mut fired) = (Vec::new(), Vec::new());
    loop {
        if let Some((client, peer)) = sock::accept(listener).context("accept failed")? {
            if access.permits(peer.as_socket().map(|a| a.ip())) {
                return Ok((client, peer));
            }
            let peer = addr::display(&peer);
            log(
                ctx.log,
                format_args!("Refused {peer}: not allowed by --allow/--deny"),
            );
            continue;
        }
        ctx.check_deadlines(false)?;
        ready.clear();
        ctx.wait(&mut r, &mut ready, &mut fired, ctx.next_wake(false, None))?;
    }
}

fn bind(target: &Target, opts: &SockOpts, ep: &EndpointOpts, args: &ListenArgs) -> Result<Server> {
    match target {
        Target::Unix { path, dgram } => {
            if ep.unlink && !path.to_string_lossy().starts_with('@') {
                let _ = std::fs::remove_file(path);
            }
            let (sock, guard) = sock::bind_unix(path, *dgram, opts.backlog)
                .with_context(|| format!("listen on {} failed", path.display()))?;
            if let Some(mode) = ep.mode {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
                    .with_context(|| format!("cannot set mode {mode:o} on {}", path.display()))?;
            }
            Ok(Server {
                local: path.display().to_string(),
                sock,
                _unix_path: Some(guard),
            })
        }
        Target::Vsock { port } => {
            let sock = sock::vsock::listen(*port, opts.backlog).with_context(|| {
                format!(
                    "listen on {} failed",
                    sock::vsock::display(sock::vsock::ANY, *port)
                )
            })?;
            Ok(Server {
                local: sock::local_display(&sock),
                sock,
                _unix_path: None,
            })
        }
        Target::Inet(p, hp) => {
            let sock = crate::endpoint::open::bind_inet(
                hp,
                *p,
                ep.family.unwrap_or(family(&args.net)),
                args.net.numeric,
                opts,
            )?;
            Ok(Server {
                local: sock::local_display(&sock),
                sock,
                _unix_path: None,
            })
        }
    }
}

/// Write `ADDR:PORT\n` to a temporary file beside `path`, then rename it into place, so a
/// reader never sees a half-written file.
pub(crate) fn write_ready_file(path: &Path, local: &str) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(format!("{local}\n").as_bytes())?;
    std::fs::rename(&tmp, path)
}
