//! `can` (SPEC §8): `dump` receives on one CAN_RAW socket per interface argument (as candump
//! does), on the reactor with the signal pipe, and prints candump's formats or writes pcap;
//! `send` writes frames parsed from cansend's syntax. Frames and formats are in `crate::can`,
//! the socket in `sys::can`.

use std::collections::HashMap;
use std::io::{self, BufRead, Write};
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::can::filter::{self, Filters};
use crate::can::format::{Printer, TsStyle};
use crate::can::{self as frames, ERR_MASK, Frame, parse};
use crate::cli::can::{CanArgs, CanCommand, DumpArgs, SendArgs};
use crate::cmd::usage;
use crate::event::Interrupted;
use crate::event::reactor::{self, Interest, Reactor, watch_read};
use crate::event::signals::Signals;
use crate::exit::Code;
use crate::sniff::link::LinkType;
use crate::sniff::pcap::{self, Precision};
use crate::sys::can::{self as sock, CanSocket};
use crate::sys::packet;

/// pcap's LINKTYPE_CAN_SOCKETCAN: the kernel's frame with the id in network byte order.
pub const LINKTYPE_CAN_SOCKETCAN: LinkType = LinkType(227);

pub fn run(args: &CanArgs) -> Result<Code> {
    match &args.command {
        CanCommand::Dump(a) => dump(a),
        CanCommand::Send(a) => send(a),
    }
}

/// The one line for a kernel without SocketCAN (exit 1, documented in `can --help`).
fn no_can(e: io::Error) -> anyhow::Error {
    match e.raw_os_error() {
        Some(libc::EAFNOSUPPORT) => anyhow::anyhow!(
            "this kernel has no AF_CAN sockets: the 'can' kernel module is missing or not loaded (modprobe can can-raw)"
        ),
        Some(libc::EPROTONOSUPPORT) => anyhow::anyhow!(
            "this kernel has no CAN_RAW sockets: the 'can-raw' kernel module is missing or not loaded (modprobe can-raw)"
        ),
        _ => anyhow::Error::new(e).context("cannot open a CAN socket"),
    }
}

fn open() -> Result<CanSocket> {
    CanSocket::open().map_err(no_can)
}

/// The index of CAN interface `name` (0 for `any`).
fn ifindex(name: &str) -> Result<u32> {
    if name == "any" {
        return Ok(0);
    }
    packet::if_index(name).map_err(|_| usage(format!("no such CAN interface '{name}'")))
}

// ------------------------------------------------------------------------------ dump

/// One `IFACE[,FILTER]...` argument, with `--filter` added.
fn interface_spec(arg: &str, extra: &[String]) -> Result<(String, Filters)> {
    let (name, rest) = match arg.split_once(',') {
        Some((n, r)) => (n, Some(r)),
        None => (arg, None),
    };
    if name.is_empty() {
        return Err(usage(format!(
            "'{arg}': no interface name before the filters"
        )));
    }
    let mut f = Filters::default();
    if let Some(rest) = rest {
        filter::parse_into(rest, name.len() + 1, &mut f)
            .map_err(|e| usage(format!("bad filter in '{arg}': {e}")))?;
    }
    for x in extra {
        filter::parse_into(x, 0, &mut f)
            .map_err(|e| usage(format!("bad filter '{x}' (--filter): {e}")))?;
    }
    Ok((name.to_string(), f))
}

/// Where frames go.
enum Sink {
    Print { printer: Printer, buf: String },
    Pcap(pcap::Writer<Box<dyn Write>>),
}

fn dump(args: &DumpArgs) -> Result<Code> {
    let specs: Vec<(String, Filters)> = args
        .ifaces
        .iter()
        .map(|a| interface_spec(a, &args.filter))
        .collect::<Result<_>>()?;
    let mut socks = Vec::with_capacity(specs.len());
    for (name, f) in &specs {
        let s = open()?;
        let index = ifindex(name)?;
        // Classic-only kernels refuse CAN FD; such an interface has no FD frames to show.
        let _ = s.enable_fd();
        s.enable_rx_meta()
            .context("cannot ask for timestamps and drop counts")?;
        if !f.rules.is_empty() {
            let rules: Vec<(u32, u32)> = f.rules.iter().map(|r| (r.id, r.mask)).collect();
            s.set_filters(&rules)
                .with_context(|| format!("cannot set the filters of {name}"))?;
        }
        if f.join {
            s.join_filters()
                .with_context(|| format!("cannot join the filters of {name}"))?;
        }
        let err_mask = f.err_mask.or(args.errors.then_some(ERR_MASK));
        if let Some(m) = err_mask {
            s.set_err_mask(m)
                .with_context(|| format!("cannot set the error filter of {name}"))?;
        }
        s.bind(index)
            .with_context(|| format!("cannot receive on {name}"))?;
        socks.push(s);
    }
    let width = specs.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    let ts = args
        .ts
        .as_deref()
        .and_then(TsStyle::from_letter)
        .unwrap_or_default();
    let mut sink = match &args.write {
        Some(path) => {
            let path = path.to_string_lossy();
            let w = pcap::Writer::create(
                &path,
                LINKTYPE_CAN_SOCKETCAN,
                sock::CANFD_MTU as u32,
                Precision::Micro,
            )
            .with_context(|| format!("cannot write {path}"))?;
            Sink::Pcap(w)
        }
        None => Sink::Print {
            printer: Printer::new(ts, args.log, args.errors, args.json, width),
            buf: String::with_capacity(64 * 1024),
        },
    };
    let signals = Signals::install().context("cannot install signal handlers")?;
    const SIGNAL: usize = usize::MAX;
    let mut reactor = Reactor::new().context("cannot create the event loop")?;
    let _signal_watch =
        watch_read(&mut reactor, signals.fd(), SIGNAL).context("cannot watch for signals")?;
    let mut watches = Vec::with_capacity(socks.len());
    for (i, s) in socks.iter().enumerate() {
        watches.push(watch_read(&mut reactor, s, i).context("cannot watch a CAN socket")?);
    }
    let mut names: HashMap<u32, String> = HashMap::new();
    let mut drops = vec![0u32; socks.len()];
    let mut count = 0u64;
    let limit = args.count;
    let mut stop: Option<Result<Code>> = None;
    let (mut ready, mut fired) = (Vec::new(), Vec::new());
    let end = loop {
        ready.clear();
        fired.clear();
        reactor
            .wait(None, &mut ready, &mut fired)
            .context("poll failed")?;
        let signal = signals.pending();
        // On a signal every socket is drained first, so nothing already received is lost.
        let which: Vec<usize> = if signal.is_some() {
            (0..socks.len()).collect()
        } else {
            ready
                .iter()
                .filter(|r| r.token != SIGNAL)
                .map(|r| r.token)
                .collect()
        };
        'socks: for i in which {
            loop {
                if limit.is_some_and(|l| count >= l) {
                    break 'socks;
                }
                let r = match socks[i].recv() {
                    Ok(Some(r)) => r,
                    Ok(None) => break,
                    Err(e) => {
                        let name = &specs[i].0;
                        let e = if e.raw_os_error() == Some(libc::ENETDOWN) {
                            anyhow::anyhow!("receiving on {name} ended: the interface went down")
                        } else {
                            anyhow::Error::new(e).context(format!("receiving on {name} failed"))
                        };
                        stop = Some(Err(e));
                        break 'socks;
                    }
                };
                if let Some(d) = r.drops {
                    drops[i] = d;
                }
                count += 1;
                let res = match &mut sink {
                    Sink::Print { printer, buf } => {
                        let name = names.entry(r.ifindex).or_insert_with(|| {
                            packet::if_name(r.ifindex).unwrap_or_else(|_| r.ifindex.to_string())
                        });
                        printer.frame(name, r.ts_sec, r.ts_nsec, &r.frame, buf);
                        Ok(())
                    }
                    Sink::Pcap(w) => {
                        let rec = pcap_record(&r.frame);
                        w.write(r.ts_sec, r.ts_nsec, rec.len() as u32, &rec)
                    }
                };
                if let Err(e) = res {
                    stop = Some(write_result(Err(e)).map(|_| Code::Success));
                    break 'socks;
                }
            }
        }
        if stop.is_none() {
            if limit.is_some_and(|l| count >= l) {
                stop = Some(Ok(Code::Success));
            } else if let Some(signal) = signal {
                stop = Some(Err(Interrupted { signal }.into()));
            }
        }
        if let Sink::Print { buf, .. } = &mut sink
            && !buf.is_empty()
        {
            let r = {
                let mut out = io::stdout().lock();
                out.write_all(buf.as_bytes()).and_then(|_| out.flush())
            };
            buf.clear();
            if !write_result(r)? {
                stop = Some(Ok(Code::Success));
            }
        }
        if let Some(end) = stop.take() {
            break end;
        }
    };
    if let Sink::Pcap(w) = &mut sink {
        write_result(w.flush())?;
    }
    let dropped: u64 = drops.iter().map(|&d| u64::from(d)).sum();
    let _ = writeln!(
        io::stderr().lock(),
        "{count} frames received, {dropped} dropped by kernel"
    );
    end
}

/// A frame as LINKTYPE_CAN_SOCKETCAN stores it (what libpcap captures on Linux): the
/// kernel's `can_frame`/`canfd_frame` with the id (and its flag bits) big-endian, and the
/// CANFD_FDF flag set on CAN FD frames so readers tell them apart.
pub fn pcap_record(f: &Frame) -> Vec<u8> {
    let mut b = sock::frame_to_bytes(f);
    b[..4].copy_from_slice(&f.can_id.to_be_bytes());
    if f.fd {
        b[5] |= frames::FD_FDF;
    }
    b
}

/// A closed stdout (`| head`) ends the dump quietly.
fn write_result(r: io::Result<()>) -> Result<bool> {
    match r {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(e).context("write failed"),
    }
}

// ------------------------------------------------------------------------------ send

/// How long one frame may wait for room in the interface's queue (ENOBUFS) before send gives up.
const SEND_WAIT: Duration = Duration::from_secs(5);

fn send(args: &SendArgs) -> Result<Code> {
    let from_stdin = args.frames.len() == 1 && args.frames[0] == "-";
    let given: Vec<Frame> = if from_stdin {
        Vec::new()
    } else {
        args.frames
            .iter()
            .enumerate()
            .map(|(i, text)| {
                parse::frame(text)
                    .map_err(|e| usage(format!("bad frame '{text}' (argument {}): {e}", i + 1)))
            })
            .collect::<Result<_>>()?
    };
    let s = open()?;
    let name = &args.iface;
    if name == "any" {
        return Err(usage("can send needs one interface, not 'any'"));
    }
    let index = ifindex(name)?;
    let mtu = sock::mtu(name).unwrap_or(sock::CANFD_MTU as u32);
    // Frames sent are not received back on this socket.
    s.set_filters(&[]).context("cannot set the filters")?;
    let fd_ok = mtu as usize >= sock::CANFD_MTU && s.enable_fd().is_ok();
    s.bind(index)
        .with_context(|| format!("cannot send on {name}"))?;
    if !sock::is_up(name).unwrap_or(true) {
        anyhow::bail!("cannot send on {name}: the interface is down");
    }
    let put = |f: &Frame, what: &dyn Fn() -> String| -> Result<()> {
        if f.fd && !fd_ok {
            anyhow::bail!(
                "cannot send {}: {name} is a classic CAN interface (MTU {mtu}), a CAN FD frame does not fit",
                what()
            );
        }
        let deadline = Instant::now() + SEND_WAIT;
        loop {
            match s.send(f) {
                Ok(()) => return Ok(()),
                Err(e)
                    if (e.raw_os_error() == Some(libc::ENOBUFS)
                        || e.kind() == io::ErrorKind::WouldBlock)
                        && Instant::now() < deadline =>
                {
                    // The queue is full: wait until the socket can take one more.
                    reactor::wait_one(
                        s.as_fd(),
                        Interest::WRITE,
                        Some(deadline.min(Instant::now() + Duration::from_millis(10))),
                    )
                    .context("poll failed")?;
                }
                Err(e) => {
                    return Err(
                        anyhow::Error::new(e).context(format!("cannot send {} on {name}", what()))
                    );
                }
            }
        }
    };
    if !from_stdin {
        for (f, text) in given.iter().zip(&args.frames) {
            put(f, &|| format!("'{text}'"))?;
        }
        return Ok(Code::Success);
    }
    let stdin = io::stdin();
    let mut line = String::new();
    let mut n = 0u64;
    let mut input = stdin.lock();
    loop {
        line.clear();
        if input.read_line(&mut line).context("cannot read stdin")? == 0 {
            break;
        }
        n += 1;
        let text = line.trim_end_matches(['\n', '\r']);
        if text.trim().is_empty() {
            continue;
        }
        let f = parse::input_line(text)
            .map_err(|e| usage(format!("bad frame on stdin line {n} '{text}': {e}")))?;
        put(&f, &|| format!("line {n}"))?;
    }
    Ok(Code::Success)
}
