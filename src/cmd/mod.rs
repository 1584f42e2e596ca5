//! One module per subcommand. Each turns its clap args into a checked plan, then runs it. This
//! file holds the planning both `connect` and `listen` share.

mod can;
mod connect;
mod conv;
mod exec;
mod listen;
mod pair;
mod proxy;
pub(crate) mod resolve;
mod scan;
mod sniff;
mod tls;
pub(crate) mod voice;

use std::net::IpAddr;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::cli::{Cli, Command, DataArgs, EofArg, FrameArg, NetArgs, SessionArgs, SockArgs};
use crate::event::frame::{Framing, Prefix};
use crate::event::hexdump::HexSink;
use crate::event::log::Log;
use crate::event::pcap_tap::PcapSink;
use crate::event::relay::{EofMode, RelayError, RelayOpts};
use crate::event::shape::{Shape, frame_error};
use crate::exit::{Code, Usage};
use crate::sock::SockOpts;
use crate::sock::addr::{self, Family, HostPort, Lookup, Port, Proto};

pub fn run(cli: Cli) -> Result<Code> {
    match cli.command {
        Command::Connect(args) => connect::run(&args),
        Command::Listen(args) => {
            // Bad data flags fail before anything listens, not when a client arrives.
            framing(&args.data)?;
            listen::run(&args)
        }
        Command::Pair(args) => pair::run(&args),
        Command::Resolve(args) => resolve::run(&args),
        Command::Conv(args) => conv::run(&args),
        Command::Sniff(args) => sniff::run(&args),
        Command::Can(args) => can::run(&args),
    }
}

/// How long a UDP client waits for replies after stdin EOF when `-i` is not given.
pub(crate) const UDP_LINGER: Duration = Duration::from_secs(2);

pub(crate) fn usage(msg: impl Into<String>) -> anyhow::Error {
    Usage(msg.into()).into()
}

pub(crate) fn family(net: &NetArgs) -> Family {
    match (net.ipv4, net.ipv6, net.family.as_deref()) {
        (true, _, _) | (_, _, Some("4")) => Family::V4,
        (_, true, _) | (_, _, Some("6")) => Family::V6,
        _ => Family::Any,
    }
}

/// The transport `-u` selects for internet addresses.
pub(crate) fn proto(net: &NetArgs) -> Proto {
    if net.udp { Proto::Udp } else { Proto::Tcp }
}

/// Parse `HOST PORT` positionals (HOST may be '' or `<broadcast>`).
pub(crate) fn host_port(host: &str, port: &str) -> Result<HostPort> {
    Ok(HostPort {
        host: addr::Host::parse(host),
        port: Port::parse(port).map_err(usage)?,
    })
}

/// Socket options from the flags; `-s` must be an address literal (or resolve to one).
pub(crate) fn sock_opts(args: &SockArgs, net: &NetArgs, backlog: Option<i32>) -> Result<SockOpts> {
    let source = match &args.source {
        None => None,
        Some(s) => Some(match s.parse::<IpAddr>() {
            Ok(ip) => ip,
            Err(_) => {
                let hp = HostPort {
                    host: addr::Host::parse(s),
                    port: Port::Number(0),
                };
                let how = Lookup {
                    family: family(net),
                    proto: proto(net),
                    passive: true,
                    numeric: net.numeric,
                };
                addr::resolve(&hp, how)?
                    .first()
                    .map(|a| a.ip())
                    .ok_or_else(|| usage(format!("source address '{s}' has no address")))?
            }
        }),
    };
    let source_port = match &args.source_port {
        None => None,
        Some(p) => Some(addr::resolve_port(
            &Port::parse(p).map_err(usage)?,
            proto(net),
        )?),
    };
    Ok(SockOpts {
        source,
        source_port,
        nodelay: args.nodelay,
        keepalive: args.keepalive,
        sndbuf: args.sndbuf,
        rcvbuf: args.rcvbuf,
        ttl: args.ttl,
        tos: args.tos,
        reuseaddr: args.reuseaddr || args.source_port.is_some(),
        reuseport: args.reuseport,
        broadcast: args.broadcast,
        backlog,
    })
}

pub(crate) fn relay_opts(s: &SessionArgs, datagram: bool, start: Instant) -> RelayOpts {
    RelayOpts {
        eof: match s.eof {
            _ if s.half_close => EofMode::HalfClose,
            EofArg::HalfClose => EofMode::HalfClose,
            EofArg::Keep => EofMode::Keep,
            EofArg::Close => EofMode::Close,
        },
        idle: nonzero(s.idle_timeout),
        deadline: nonzero(s.timeout).map(|d| start + d),
        quit_after: s.quit_after,
        send: !s.recv_only,
        recv: !s.send_only,
        datagram,
        linger: UDP_LINGER,
        ..RelayOpts::default()
    }
}

/// `-t` and `--progress` for a stdio session. `-t` needs a terminal on stdin; otherwise it is
/// ignored (with a note under `-v`), so a script may pass it unconditionally.
pub(crate) fn terminal_opts(opts: RelayOpts, data: &DataArgs, verbose: Log) -> RelayOpts {
    use std::io::IsTerminal;
    let tty = data.tty && opts.send && std::io::stdin().is_terminal();
    if data.tty && !tty && opts.send {
        log(verbose, format_args!("-t ignored: stdin is not a terminal"));
    }
    RelayOpts {
        tty,
        progress: data.progress,
        ..opts
    }
}

/// `--frame` checked against `--crlf`.
fn framing(d: &DataArgs) -> Result<Framing> {
    let framing = match d.frame {
        FrameArg::Raw => Framing::Raw,
        FrameArg::Line => Framing::Line,
        FrameArg::Len16 => Framing::Len(Prefix::LEN16),
        FrameArg::Len32 => Framing::Len(Prefix::LEN32),
        FrameArg::Len16le => Framing::Len(Prefix::LEN16LE),
        FrameArg::Len32le => Framing::Len(Prefix::LEN32LE),
    };
    if let (true, Framing::Len(p)) = (d.crlf, framing) {
        return Err(usage(format!(
            "--crlf changes line ends of --frame raw and line; --frame {} sends lines without them",
            p.name()
        )));
    }
    Ok(framing)
}

/// `--frame`, `--crlf`, `--max-frame`, `-x` and `--pcap` for a stdio session; opens the
/// hexdump and pcap files.
pub(crate) fn shape(d: &DataArgs) -> Result<Shape> {
    let framing = framing(d)?;
    let hexdump = match d.hexdump.as_deref() {
        None => None,
        Some(p) if p.as_os_str() == "-" => Some(HexSink::stderr()),
        Some(p) => {
            let file = std::fs::File::create(p)
                .with_context(|| format!("cannot create hexdump file {}", p.display()))?;
            Some(HexSink::file(file, p.display().to_string()))
        }
    };
    let pcap = match d.pcap.as_deref() {
        None => None,
        Some(p) if p.as_os_str() == "-" => {
            return Err(usage(
                "--pcap needs a file name: stdout carries the session's data",
            ));
        }
        Some(p) => Some(
            PcapSink::create(p)
                .with_context(|| format!("cannot create pcap file {}", p.display()))?,
        ),
    };
    Ok(Shape {
        framing,
        crlf: d.crlf,
        max_frame: d.max_frame,
        hexdump,
        pcap,
    })
}

/// `0` means "no timeout" for -w, -i and --timeout.
pub(crate) fn nonzero(d: Option<Duration>) -> Option<Duration> {
    d.filter(|d| !d.is_zero())
}

/// Turn a relay failure into an error naming the peer; a closed stdout is a normal end.
pub(crate) fn relay_result(result: Result<(), RelayError>, peer: &str) -> Result<()> {
    match result {
        Ok(()) => Ok(()),
        Err(RelayError::Stdout(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(RelayError::Timeout(t)) => Err(t.into()),
        Err(RelayError::Interrupted(i)) => Err(i.into()),
        // A framing error says itself what was wrong; where it came from is the context.
        Err(RelayError::Stdin(ref e)) if let Some(f) = frame_error(e) => {
            Err(f.clone()).context("cannot frame stdin")
        }
        Err(RelayError::Recv(ref e)) if let Some(f) = frame_error(e) => {
            Err(f.clone()).with_context(|| format!("bad message from {peer}"))
        }
        Err(RelayError::Stdout(e)) => Err(e).context("write to stdout failed"),
        Err(RelayError::Stdin(e)) => Err(e).context("read from stdin failed"),
        Err(RelayError::Recv(e)) => Err(e).with_context(|| format!("receive from {peer} failed")),
        Err(RelayError::Send(e)) => Err(e).with_context(|| format!("send to {peer} failed")),
        Err(RelayError::Setup(e)) => Err(e).context("event loop failed"),
    }
}

/// The first flag in use that shapes or shows a one-peer stdio session (framing, hexdump,
/// pcap, tty, progress), for modes that have no such session: these refuse it.
pub(crate) fn data_flag_used(d: &DataArgs) -> Option<&'static str> {
    [
        (d.frame != FrameArg::Raw, "--frame"),
        (d.crlf, "--crlf"),
        (d.hexdump.is_some(), "--hexdump"),
        (d.pcap.is_some(), "--pcap"),
        (d.tty, "--tty"),
        (d.progress, "--progress"),
    ]
    .into_iter()
    .find_map(|(used, name)| used.then_some(name))
}

/// As [`data_flag_used`], also counting `--send-only`/`--recv-only` (for modes without stdio).
pub(crate) fn session_flag_used(d: &DataArgs, s: &SessionArgs) -> Option<&'static str> {
    data_flag_used(d).or_else(|| {
        [(s.send_only, "--send-only"), (s.recv_only, "--recv-only")]
            .into_iter()
            .find_map(|(used, name)| used.then_some(name))
    })
}

/// `-v` connection events go to stderr, never stdout (as JSON Lines with `--json`).
pub(crate) fn log(log: Log, line: std::fmt::Arguments<'_>) {
    log.line(line);
}

/// What `-v` and `--json` ask of connection events.
pub(crate) fn event_log(net: &NetArgs, json: bool) -> Log {
    Log {
        verbose: net.verbose,
        json,
    }
}
