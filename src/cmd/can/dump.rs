//! `can dump`: one CAN_RAW socket per interface argument (as candump does), on the reactor
//! with the signal pipe, printing candump's formats or writing pcap; the kernel's drop
//! counters are summed and printed at exit.

use std::collections::HashMap;
use std::io::{self, IsTerminal, Write};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use super::{ifindex, open, write_result};
use crate::can::filter::{self, Filters};
use crate::can::format::{Printer, TsStyle};
use crate::can::{self as frames, ERR_MASK, Frame};
use crate::cli::can::DumpArgs;
use crate::cmd::usage;
use crate::event::Interrupted;
use crate::event::reactor::{Reactor, watch_read};
use crate::event::signals::Signals;
use crate::exit::Code;
use crate::sniff::link::LinkType;
use crate::sniff::pcap::{self, Precision};
use crate::sys::can as sock;
use crate::sys::iface;

/// How long and how much printed output may wait, when stdout is not a terminal (candump's
/// stdio holds 4 KiB with no time limit).
const HOLD: Duration = Duration::from_millis(50);
const HOLD_BYTES: usize = 32 * 1024;
/// recvmmsg batches taken from one socket per wake-up, so that one flooded interface does
/// not starve the others or the output.
const PER_WAKE: usize = 16;
/// After a signal a socket is drained until a short batch; this bounds it beyond any receive
/// buffer (262144 frames; a CAN frame takes several hundred bytes of one).
const DRAIN_BATCHES: usize = 4096;

/// A frame received this long before it is read says the socket has fallen behind.
const LATE: Duration = Duration::from_millis(1);

/// The kernel stamped `r` more than [`LATE`] ago.
fn is_late(r: &sock::Received) -> bool {
    let stamped = Duration::new(r.ts_sec.max(0) as u64, r.ts_nsec);
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .is_ok_and(|now| now.saturating_sub(stamped) > LATE)
}

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

pub fn run(args: &DumpArgs) -> Result<Code> {
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
                LinkType::CAN_SOCKETCAN,
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
    let mut behind = vec![false; socks.len()];
    let mut count = 0u64;
    let limit = args.count;
    let mut stop: Option<Result<Code>> = None;
    let (mut ready, mut fired) = (Vec::new(), Vec::new());
    let mut batch = sock::RecvBatch::default();
    // Lines for a terminal go out at every wake-up; for a pipe or file they are held until
    // HOLD_BYTES or HOLD has passed, so frames arriving one by one do not cost a write each.
    let hold = !io::stdout().is_terminal();
    let mut flush_by: Option<Instant> = None;
    let end = loop {
        ready.clear();
        fired.clear();
        reactor
            .wait(flush_by, &mut ready, &mut fired)
            .context("poll failed")?;
        // The handler sets its flag before it writes the pipe, so the pipe's readiness says
        // when to look (a read of the empty pipe per frame otherwise).
        let signal = if ready.iter().any(|r| r.token == SIGNAL) {
            signals.pending()
        } else {
            None
        };
        // On a signal every socket is drained first, so nothing already received is lost.
        let drain_all = signal.is_some();
        'socks: for i in 0..socks.len() {
            if !drain_all && !ready.iter().any(|r| r.token == i) {
                continue;
            }
            // One recvmmsg takes up to BATCH frames; a short batch means the queue is empty
            // (no extra call to see EAGAIN). A flood is taken PER_WAKE batches at a time, the
            // reactor being level-triggered; after a signal, everything already queued.
            let rounds = if drain_all { DRAIN_BATCHES } else { PER_WAKE };
            for _ in 0..rounds {
                // A socket that is keeping up takes one frame a wake-up: recvmmsg asked for
                // more looks for a second (in the kernel) and finds none, which cost 7% of
                // the CPU per frame of a paced bus. One that fell behind takes batches.
                let want = if behind[i] || drain_all {
                    sock::BATCH
                } else {
                    1
                };
                // With -c, no more frames are taken off the socket than will be printed.
                let max = limit.map_or(want, |l| (l.saturating_sub(count) as usize).min(want));
                if let Err(e) = socks[i].recv_batch(&mut batch, max) {
                    let name = &specs[i].0;
                    let e = match e.raw_os_error() {
                        Some(libc::ENETDOWN) => {
                            anyhow::anyhow!("receiving on {name} ended: the interface went down")
                        }
                        Some(libc::ENODEV) => {
                            anyhow::anyhow!("receiving on {name} ended: the interface was removed")
                        }
                        _ => anyhow::Error::new(e).context(format!("receiving on {name} failed")),
                    };
                    stop = Some(Err(e));
                    break 'socks;
                }
                for r in &batch.frames {
                    if limit.is_some_and(|l| count >= l) {
                        break 'socks;
                    }
                    if let Some(d) = r.drops {
                        drops[i] = d;
                    }
                    count += 1;
                    let res = match &mut sink {
                        Sink::Print { printer, buf } => {
                            let name = names.entry(r.ifindex).or_insert_with(|| {
                                iface::if_name(r.ifindex).unwrap_or_else(|_| r.ifindex.to_string())
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
                if batch.frames.len() < max {
                    behind[i] = false;
                    break;
                }
                if limit.is_some_and(|l| count >= l) {
                    break;
                }
                // One frame taken and it was fresh: the socket keeps up, epoll says when the
                // next one comes. An old one means more are queued: batches from here.
                if want == 1 && batch.frames.last().is_none_or(|r| !is_late(r)) {
                    break;
                }
                behind[i] = true;
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
            && (!hold
                || stop.is_some()
                || signal.is_some()
                || buf.len() >= HOLD_BYTES
                || flush_by.is_some_and(|t| Instant::now() >= t))
        {
            flush_by = None;
            let r = {
                let mut out = io::stdout().lock();
                out.write_all(buf.as_bytes()).and_then(|_| out.flush())
            };
            buf.clear();
            if !write_result(r)? {
                stop = Some(Ok(Code::Success));
            }
        }
        if let Sink::Print { buf, .. } = &sink
            && !buf.is_empty()
            && flush_by.is_none()
        {
            flush_by = Some(Instant::now() + HOLD);
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
