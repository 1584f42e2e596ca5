//! `sockcli pair LEFT RIGHT`: open two endpoints and run one session between them; with `-k`
//! a listening LEFT serves every client with a fresh RIGHT ([`crate::event::forward`]).

use std::time::Instant;

use anyhow::{Context, Result, anyhow};

use super::exec;
use super::listen::access::Access;
use super::{nonzero, shape, usage};
use crate::cli::{FrameArg, PairArgs};
use crate::endpoint::open::{self, Ctx};
use crate::endpoint::{Endpoint, Kind};
use crate::event::end::{Addrs, Io, Opened};
use crate::event::hexdump::Dir;
use crate::event::log::{Event, Log, Record};
use crate::event::pcap_tap::Conversation;
use crate::event::session::{self, EofMode, Rules, Session, SessionError};
use crate::event::signals::Signals;
use crate::exit::Code;
use crate::sock::addr::{Family, Proto};

/// How long a UDP side waits for replies after the other side's EOF when `-i` is not given.
const UDP_LINGER: std::time::Duration = super::UDP_LINGER;

pub fn run(args: &PairArgs) -> Result<Code> {
    let start = Instant::now();
    let left = Endpoint::parse(&args.left).map_err(usage)?;
    let right = Endpoint::parse(&args.right).map_err(usage)?;
    check(args, &left, &right)?;
    let access = Access::plan(&args.clients)?;
    let shape = shape(&args.data)?;
    let log = Log {
        verbose: args.verbose,
        json: args.json,
    };
    let signals = Signals::install().context("cannot install signal handlers")?;
    let s = &args.session;
    let ctx = Ctx {
        family: match (args.ipv4, args.ipv6) {
            (true, _) => Family::V4,
            (_, true) => Family::V6,
            _ => Family::Any,
        },
        numeric: args.numeric,
        // A forwarder takes bursts of clients: a deep accept queue (the kernel caps it at
        // net.core.somaxconn) instead of listen(2)'s usual 128, which overflows into resets.
        sock: crate::sock::SockOpts {
            backlog: Some(if args.keep_open { 4096 } else { 128 }),
            ..Default::default()
        },
        deadline: [nonzero(s.connect_timeout), nonzero(s.timeout)]
            .into_iter()
            .flatten()
            .map(|d| start + d)
            .min(),
        signals: &signals,
        proxy: super::proxy::settings(&args.proxy, log)?,
        tls_link: tls_link_ok(args, &left, &right, &shape),
    };
    let session_deadline = nonzero(s.timeout).map(|d| start + d);
    let rules = Rules {
        eof: match s.eof {
            _ if s.half_close => EofMode::HalfClose,
            crate::cli::EofArg::HalfClose => EofMode::HalfClose,
            crate::cli::EofArg::Keep => EofMode::Keep,
            crate::cli::EofArg::Close => EofMode::Close,
        },
        idle: nonzero(s.idle_timeout),
        deadline: session_deadline,
        quit_after: s.quit_after,
        linger: UDP_LINGER,
        progress: args.data.progress,
        pcap: shape.pcap.clone(),
    };
    if args.keep_open {
        return serve_many(args, &left, &right, &ctx, rules, &access, &log, &shape);
    }

    // An exec child learns the other side's addresses, so that side opens first.
    let left_first = !matches!(left.kind, Kind::Exec { .. });
    let (mut l, mut r);
    if left_first {
        l = open_side(&left, "left", &ctx, Addrs::default(), &access, &log, args)?;
        r = open_side(&right, "right", &ctx, l.addrs, &access, &log, args)?;
    } else {
        r = open_side(&right, "right", &ctx, Addrs::default(), &access, &log, args)?;
        l = open_side(&left, "left", &ctx, r.addrs, &access, &log, args)?;
    }
    if let Some(p) = &shape.pcap {
        p.begin(conversation(&l, &r));
    }
    hello(&l, &right, &r);
    hello(&r, &left, &l);
    let mut dirs = [
        flow(&l, &r, !s.recv_only, &shape, Dir::Sent)?,
        flow(&r, &l, !s.send_only, &shape, Dir::Received)?,
    ];
    if rules.eof == EofMode::Keep
        && let Some(f) = dirs[0].as_mut()
    {
        f.keep_tls_open_at_eof();
    }
    let (mut lchild, mut rchild) = (l.child.take(), r.child.take());
    // TLS ends: their pumps run on the session's reactor.
    let mut tls = crate::tls::hub::Hub::new(log, false);
    for pump in [l.tls.take(), r.tls.take()].into_iter().flatten() {
        tls.keep(*pump);
    }
    let result = {
        let ends = [l.end()?, r.end()?];
        let mut session = Session::new(&ends, dirs, rules, session::FIRST);
        // A child that exits mid-session is reaped at once (try_wait keeps its status).
        let mut reap = || {
            for c in [lchild.as_mut(), rchild.as_mut()].into_iter().flatten() {
                let _ = c.try_wait();
            }
        };
        let aux: Option<&mut dyn session::Aux> = if tls.is_empty() { None } else { Some(&mut tls) };
        let result = session::run_with(&mut session, &ends, &signals, &mut reap, aux);
        let [lr, rl] = session.stats();
        if let Some(e) = args.voice.closed(&l.label, &r.label, lr, rl) {
            log.emit(e);
        }
        if let Some(p) = &shape.pcap {
            p.close(matches!(&result, Err(SessionError::Io { err, .. })
                if err.kind() == std::io::ErrorKind::ConnectionReset));
        }
        result
    };
    // A TLS end whose records the session handled: our close_notify (if not sent yet) and
    // what is sealed go out; its failure is the reason the session ended.
    let result = finish_links(&[&l, &r], result, &signals);
    // Our ends close before the children are waited for: a child reading its stdin sees EOF.
    let children = [("left", &left, lchild), ("right", &right, rchild)];
    drop((l, r));
    // Our EOF (close_notify) and what the pumps still hold go out; a TLS failure is the
    // reason the session ended, so it is the one reported.
    tls.drain(Instant::now() + std::time::Duration::from_secs(2));
    let tls_failure = tls.take_failure();
    let mut failed = None;
    for (side, ep, child) in children {
        let Some(mut child) = child else { continue };
        // Only --timeout bounds this wait: -w is for opening, long over by now.
        let status = exec::wait_child(&mut child, &signals, session_deadline)?;
        let Kind::Exec { shown, .. } = &ep.kind else {
            continue;
        };
        log.emit(Event::new(
            format!("'{shown}' (pid {}) {}", child.id(), exec::describe(status)),
            Record::Exited {
                side: Some(side),
                pid: child.id(),
                status: status.code().unwrap_or(-1),
            },
        ));
        if !status.success() && failed.is_none() {
            failed = Some(anyhow!("'{shown}' {}", exec::describe(status)));
        }
    }
    if let Some(e) = tls_failure {
        return Err(e);
    }
    session_result(result, &left, &right)?;
    match failed {
        Some(e) => Err(e),
        None => Ok(Code::Success),
    }
}

/// A CAN bus bridged to `udp:` announces itself with an empty datagram, so that a
/// `udp-listen:` bridge on the other host learns where to send its bus's frames before this
/// bus has sent any (CAN ends ignore empty datagrams).
fn hello(can: &Opened, other: &Endpoint, opened: &Opened) {
    if can.can.is_some()
        && matches!(other.kind, Kind::Udp(_))
        && let Io::Socket(sock) = &opened.io
    {
        // Best effort: a lost hello is the same as a late one; the first frame also does it.
        let _ = sock.send(&[]);
    }
}

/// What pair refuses before opening anything.
fn check(args: &PairArgs, left: &Endpoint, right: &Endpoint) -> Result<()> {
    let d = &args.data;
    if let Some(flag) = [
        (d.frame != FrameArg::Raw, "--frame"),
        (d.crlf, "--crlf"),
        (d.tty, "--tty"),
    ]
    .into_iter()
    .find_map(|(used, f)| used.then_some(f))
    {
        return Err(usage(format!("{flag} is not supported by pair")));
    }
    if matches!(left.kind, Kind::Stdio) && matches!(right.kind, Kind::Stdio) {
        return Err(usage("stdio can be only one of the two endpoints"));
    }
    if d.pcap.is_some()
        && let Some(ep) = [left, right]
            .into_iter()
            .find(|e| matches!(e.kind, Kind::Can(_)))
    {
        return Err(usage(format!(
            "--pcap records TCP/UDP conversations; it cannot record '{ep}' (use can dump -w)"
        )));
    }
    if args.keep_open {
        if !left.kind.is_listen() {
            return Err(usage(format!(
                "-k needs a listening LEFT endpoint (tcp-listen:, udp-listen:, unix-listen:), not '{left}'"
            )));
        }
        if right.kind.is_listen() {
            return Err(usage(format!(
                "-k opens RIGHT for every client; it cannot listen ('{right}')"
            )));
        }
        if matches!(right.kind, Kind::Stdio | Kind::Pty | Kind::Fd(_)) {
            return Err(usage(format!(
                "-k opens RIGHT for every client; '{right}' exists only once"
            )));
        }
        if args.data.progress {
            return Err(usage("--progress cannot be used with -k"));
        }
        if args.data.pcap.is_some() {
            return Err(usage(
                "--pcap records one session; it cannot be used with -k",
            ));
        }
    } else if args.clients.max_conns.is_some() {
        return Err(usage("--max-conns needs -k"));
    }
    Ok(())
}

/// Open one side: a listener waits for its first client; everything else opens at once.
fn open_side(
    ep: &Endpoint,
    side: &str,
    ctx: &Ctx<'_>,
    other: Addrs,
    access: &Access,
    log: &Log,
    args: &PairArgs,
) -> Result<Opened> {
    let voice = args.voice;
    if !ep.kind.is_listen() {
        let mut o = open::open(ep, ctx, other)?;
        if let Some(e) = voice.opened(&ep.kind, side, &ep.text, &o.label) {
            log.emit(e);
        }
        tls_established(&mut o, log);
        return Ok(o);
    }
    let listener = open::bind(ep, ctx)?;
    if voice.certificate_first() {
        tls_certificate(&listener, log);
    }
    log.emit(voice.listening(side, &listener.local));
    if !voice.certificate_first() {
        tls_certificate(&listener, log);
    }
    if let Some(path) = &args.ready_file {
        super::listen::write_ready_file(path, &listener.local)
            .with_context(|| format!("cannot write ready file {}", path.display()))?;
    }
    let mut o = listener.accept_one(ctx, &|ip| access.permits(ip), &mut |peer| {
        log.emit(voice.refused(side, peer))
    })?;
    log.emit(voice.accepted(side, &o.label));
    tls_established(&mut o, log);
    Ok(o)
}

// --- TLS (issue 14 §1) ---

/// `-v`: a generated certificate's fingerprint, for the clients' `pin=`.
pub(crate) fn tls_certificate(listener: &open::Listener, log: &Log) {
    if let Some(fp) = listener.tls.as_ref().and_then(|t| t.generated.as_deref()) {
        log.emit(Event::new(
            format!("TLS certificate generated, SHA-256 {fp}"),
            Record::TlsCertificate { sha256: fp },
        ));
    }
}

/// `-v`: the handshake an opened TLS end went through.
fn tls_established(o: &mut Opened, log: &Log) {
    if let Some(link) = &o.link {
        let link = link.borrow();
        emit_tls(&o.label, link.summary(), log);
        return;
    }
    let Some(pump) = o.tls.as_mut() else { return };
    if let Some(s) = pump.take_established() {
        emit_tls(&o.label, &s, log);
    }
}

fn emit_tls(peer: &str, s: &crate::tls::Summary, log: &Log) {
    log.emit(Event::new(
        format!("TLS with {peer}: {s}"),
        Record::Tls {
            peer,
            tls_version: &s.version,
            tls_cipher: &s.cipher,
            tls_alpn: s.alpn.as_deref(),
            tls_peer_subject: s.peer_subject.as_deref(),
        },
    ));
}

/// Whether a TLS end's records can be handled by the session itself ([`crate::tls::link`]):
/// one session, one TLS end, a stream on the other side, nothing watching the bytes. Otherwise
/// a pump behind a socketpair does it.
fn tls_link_ok(
    args: &PairArgs,
    left: &Endpoint,
    right: &Endpoint,
    shape: &crate::event::shape::Shape,
) -> bool {
    let tls = |e: &Endpoint| matches!(e.kind, Kind::Tls(_) | Kind::TlsListen(_));
    let stream = |e: &Endpoint| match &e.kind {
        Kind::Udp(_) | Kind::UdpListen(_) | Kind::Can(_) | Kind::Fd(_) => false,
        Kind::Unix { dgram, .. } | Kind::UnixListen { dgram, .. } => !dgram,
        _ => true,
    };
    !args.keep_open && !shape.watched() && tls(left) != tls(right) && stream(left) && stream(right)
}

/// After the session: each linked TLS end sends its close_notify and what it holds (at most
/// 2 s). A session that failed on a TLS end fails with that end's own words.
fn finish_links(
    ends: &[&Opened],
    result: Result<(), SessionError>,
    signals: &Signals,
) -> Result<(), SessionError> {
    let until = Instant::now() + std::time::Duration::from_secs(2);
    for (i, o) in ends.iter().enumerate() {
        if let (Some(link), Io::Socket(tcp)) = (&o.link, &o.io) {
            let broken = matches!(&result, Err(SessionError::Io { end, .. }) if *end == i);
            if !broken {
                link.borrow_mut().finish(tcp, until, signals);
            }
        }
    }
    result
}

// --- end TLS ---

/// The flow from `src` to `dst`, if both ends have that direction and it is wanted.
fn flow(
    src: &Opened,
    dst: &Opened,
    wanted: bool,
    shape: &crate::event::shape::Shape,
    dir: Dir,
) -> Result<Option<crate::event::flow::Flow>> {
    let (s, d) = (src.end()?, dst.end()?);
    Ok(shape.flow_between(&s, &d, dir).filter(|_| wanted))
}

/// A session's failure as one line naming the endpoint.
fn session_result(
    result: Result<(), SessionError>,
    left: &Endpoint,
    right: &Endpoint,
) -> Result<()> {
    let name = |end: usize| if end == 0 { left } else { right };
    // A TLS end's own failure (an alert, a truncated stream) says everything itself.
    let result = match result {
        Err(SessionError::Io { end, write, err }) => match crate::tls::link::LinkError::take(err) {
            Ok(e) => return Err(e),
            Err(err) => Err(SessionError::Io { end, write, err }),
        },
        other => other,
    };
    match result {
        Ok(()) => Ok(()),
        Err(SessionError::Timeout(t)) => Err(t.into()),
        Err(SessionError::Interrupted(i)) => Err(i.into()),
        Err(SessionError::Setup(e)) => Err(e).context("event loop failed"),
        // A closed stdout (`| head`) is a normal way to stop.
        Err(SessionError::Io {
            end,
            write: true,
            err,
        }) if err.kind() == std::io::ErrorKind::BrokenPipe
            && matches!(name(end).kind, Kind::Stdio) =>
        {
            Ok(())
        }
        Err(SessionError::Io {
            end,
            write: true,
            err,
        }) => Err(err).with_context(|| format!("write to {} failed", name(end))),
        Err(SessionError::Io {
            end,
            write: false,
            err,
        }) => Err(err).with_context(|| format!("read from {} failed", name(end))),
    }
}

/// `--pcap`: the capture shows LEFT's peer as the client and RIGHT's peer as the server (the
/// two real ends of a forwarded connection); made-up addresses where an end has none.
fn conversation(l: &Opened, r: &Opened) -> Conversation {
    let proto = if l.dgram || r.dgram {
        Proto::Udp
    } else {
        Proto::Tcp
    };
    let mut c = Conversation::placeholder(proto);
    let (client, server) = (
        l.addrs.peer.or(l.addrs.local),
        r.addrs.peer.or(r.addrs.local),
    );
    if let (Some(a), Some(b)) = (client, server) {
        c.client = a;
        c.server = b;
    }
    c
}

/// `pair -k`: bind LEFT, then every client gets its own RIGHT in the one reactor.
#[allow(clippy::too_many_arguments)]
fn serve_many(
    args: &PairArgs,
    left: &Endpoint,
    right: &Endpoint,
    ctx: &Ctx<'_>,
    rules: Rules,
    access: &Access,
    log: &Log,
    shape: &crate::event::shape::Shape,
) -> Result<Code> {
    use crate::event::forward::{self, Opts};
    let dgram = left.kind.is_datagram();
    // RIGHT is resolved before binding, so a bad one fails before any client is accepted.
    if dgram && shape.watched() {
        return Err(usage(
            "-x and --pcap are not supported by the UDP forwarder",
        ));
    }
    // Thousands of clients need thousands of fds: take what the hard limit allows.
    crate::sock::fd_budget();
    let plan = if dgram {
        Right::Dgram(open::DgramRight::new(right, ctx)?)
    } else {
        Right::Stream(open::StreamRight::new(right, ctx)?)
    };
    let mut listener = open::bind(left, ctx)?;
    log.emit(Event::new(
        format!("Listening on {}", listener.local),
        Record::Listening {
            side: Some("left"),
            addr: &listener.local,
        },
    ));
    tls_certificate(&listener, log);
    if let Some(path) = &args.ready_file {
        super::listen::write_ready_file(path, &listener.local)
            .with_context(|| format!("cannot write ready file {}", path.display()))?;
    }
    let emit = |e: Event| log.emit(e);
    let permits = |ip| access.permits(ip);
    let tls_cfg = listener.tls.take();
    let opts = Opts {
        rules,
        max_conns: args.clients.max_conns.map(|n| n as usize),
        permits: &permits,
        log: &emit,
        verbose: log.verbose,
        shape,
        connect_timeout: nonzero(args.session.connect_timeout),
        signals: ctx.signals,
        tls: tls_cfg.as_ref().map(|c| (c, *log)),
        tls_log: *log,
    };
    let (sock, _keep) = listener.into_parts();
    match plan {
        Right::Stream(r) => forward::serve_stream(sock, &r, opts)?,
        Right::Dgram(r) => forward::serve_dgram(sock, &r, opts)?,
    }
    Ok(Code::Success)
}

/// RIGHT of `pair -k`, planned for the kind of listener LEFT is.
enum Right<'a> {
    Stream(open::StreamRight<'a>),
    Dgram(open::DgramRight<'a>),
}
