//! `can send --every DUR [--count N]`: cyclic sending through the kernel's broadcast manager
//! (`sys::can_bcm`). The kernel keeps the timing (an hrtimer per job), not a sleep loop here:
//! this process sets the job up with one TX_SETUP and then only waits on the reactor — for
//! TX_EXPIRED (the kernel's word that `--count` frames went out), a signal (TX_DELETE, exit
//! 130/143) or the socket's error when the interface goes down or away (exit 1). Whatever
//! the exit, the socket closes with it and the kernel deletes its jobs, so nothing keeps
//! sending after sockcli is gone.

use std::io::{self, Write};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use super::ifindex;
use crate::can::link::no_can;
use crate::can::{Frame, parse};
use crate::cli::can::SendArgs;
use crate::cmd::usage;
use crate::event::Interrupted;
use crate::event::reactor::{Reactor, watch_read};
use crate::event::signals::Signals;
use crate::exit::Code;
use crate::sys::can as raw;
use crate::sys::can_bcm::{BcmSocket, MAX_FRAMES, Notice, TxJob};

/// How much longer than `count` intervals the kernel may take to report TX_EXPIRED before
/// sockcli gives up (its hrtimer only runs late under heavy load).
const EXPIRY_SLACK: Duration = Duration::from_secs(10);

pub fn run(args: &SendArgs, every: Duration) -> Result<Code> {
    let frames = frames(args)?;
    let name = &args.iface;
    if name == "any" {
        return Err(usage(
            "cannot send on 'any': frames are sent on one interface each",
        ));
    }
    let bcm = BcmSocket::open().map_err(no_bcm)?;
    let index = ifindex(name)?;
    if !raw::is_up(name).unwrap_or(true) {
        anyhow::bail!("cannot send on {name}: the interface is down");
    }
    let mtu = raw::mtu(name).unwrap_or(raw::CANFD_MTU as u32);
    if frames[0].fd && (mtu as usize) < raw::CANFD_MTU {
        // The BCM would accept the job and then drop every frame (can_send's EINVAL).
        anyhow::bail!(
            "cannot send CAN FD frames on {name}: it is a classic CAN interface (MTU {mtu}), a CAN FD frame does not fit"
        );
    }
    bcm.connect(index)
        .with_context(|| format!("cannot send on {name}"))?;
    let job = TxJob {
        frames: &frames,
        every,
        count: args.count,
    };
    let signals = Signals::install().context("cannot install signal handlers")?;
    let mut reactor = Reactor::new().context("cannot create the event loop")?;
    const SIGNAL: usize = 0;
    const BCM: usize = 1;
    let _signal_watch =
        watch_read(&mut reactor, signals.fd(), SIGNAL).context("cannot watch for signals")?;
    let _bcm_watch = watch_read(&mut reactor, &bcm, BCM).context("cannot watch the BCM socket")?;
    bcm.tx_setup(&job).map_err(|e| match e.raw_os_error() {
        Some(libc::ENETDOWN | libc::ENODEV | libc::ENOTCONN) => gone(e, name),
        _ => anyhow::Error::new(e).context(format!("cannot set up cyclic sending on {name}")),
    })?;
    // The kernel sends the first frame inside TX_SETUP and counts it; a job of one frame has
    // no timer left to run, so no TX_EXPIRED ever comes.
    if args.count == Some(1) {
        return Ok(Code::Success);
    }
    // The last frame is due (count - 1) intervals after the first.
    let deadline = args.count.and_then(|n| {
        let total = every.checked_mul(n - 1)?;
        Instant::now().checked_add(total + total / 4 + EXPIRY_SLACK)
    });
    let (mut ready, mut fired) = (Vec::new(), Vec::new());
    loop {
        ready.clear();
        fired.clear();
        reactor
            .wait(deadline, &mut ready, &mut fired)
            .context("poll failed")?;
        if let Some(signal) = signals.pending() {
            // Best effort: closing the socket below deletes the job as well.
            let _ = bcm.tx_delete(&job);
            drop(bcm);
            let e = Interrupted { signal };
            let _ = writeln!(
                io::stderr().lock(),
                "sockcli: {e}: stopped sending on {name} (the kernel's cyclic job is deleted)"
            );
            return Err(e.into());
        }
        if ready.iter().any(|r| r.token == BCM) {
            // Bounded: each read takes one queued message; the kernel queues one per event.
            for _ in 0..64 {
                match bcm.recv() {
                    Ok(Some(Notice::Expired { .. })) => return Ok(Code::Success),
                    Ok(Some(Notice::Other { .. })) => {}
                    Ok(None) => break,
                    Err(e) => return Err(gone(e, name)),
                }
            }
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            anyhow::bail!(
                "sending on {name}: the kernel did not report the end of the job (TX_EXPIRED) in time"
            );
        }
    }
}

/// The frames of the job: the arguments, or every line of stdin for `-`; checked like `can
/// send` checks them (exit 2 naming the position), all classic or all CAN FD (one BCM job
/// sends one kind), at most the BCM's 256.
fn frames(args: &SendArgs) -> Result<Vec<Frame>> {
    let mut out: Vec<(Frame, String)> = Vec::new();
    if args.frames.len() == 1 && args.frames[0] == "-" {
        super::send::stdin_frames(|f, n| {
            out.push((f, format!("stdin line {n}")));
            check(&out)
        })?;
        if out.is_empty() {
            return Err(usage("no frames on stdin for --every"));
        }
    } else {
        for (i, text) in args.frames.iter().enumerate() {
            let f = parse::frame(text)
                .map_err(|e| usage(format!("bad frame '{text}' (argument {}): {e}", i + 1)))?;
            out.push((f, format!("'{text}' (argument {})", i + 1)));
            check(&out)?;
        }
    }
    Ok(out.into_iter().map(|(f, _)| f).collect())
}

/// The newest frame of `so_far` may join the job.
fn check(so_far: &[(Frame, String)]) -> Result<()> {
    let (Some((first, first_at)), Some((last, last_at))) = (so_far.first(), so_far.last()) else {
        return Ok(());
    };
    if so_far.len() > MAX_FRAMES {
        return Err(usage(format!(
            "too many frames for --every at {last_at}: the kernel's BCM takes at most {MAX_FRAMES} in one job"
        )));
    }
    if first.fd != last.fd {
        let kind = |f: &Frame| if f.fd { "CAN FD" } else { "classic" };
        return Err(usage(format!(
            "frame {last_at} is {} but {first_at} is {}: one --every job sends only classic or only CAN FD frames",
            kind(last),
            kind(first)
        )));
    }
    Ok(())
}

/// A kernel without CAN_BCM sockets: one line naming the module.
fn no_bcm(e: io::Error) -> anyhow::Error {
    match e.raw_os_error() {
        Some(libc::EAFNOSUPPORT) => anyhow::anyhow!(
            "this kernel has no AF_CAN sockets: the 'can' kernel module is missing or not loaded (modprobe can can-bcm)"
        ),
        Some(libc::EPROTONOSUPPORT) => anyhow::anyhow!(
            "this kernel has no CAN_BCM sockets: the 'can-bcm' kernel module is missing or not loaded (modprobe can-bcm)"
        ),
        _ => no_can(e),
    }
}

/// The BCM socket's error: the interface went down (ENETDOWN) or away (ENODEV; a TX_SETUP
/// after that finds the socket unbound, ENOTCONN).
fn gone(e: io::Error, name: &str) -> anyhow::Error {
    match e.raw_os_error() {
        Some(libc::ENETDOWN) => {
            anyhow::anyhow!("sending on {name} stopped: the interface went down")
        }
        Some(libc::ENODEV) => {
            anyhow::anyhow!("sending on {name} stopped: the interface was removed")
        }
        _ => anyhow::Error::new(e).context(format!("sending on {name} failed")),
    }
}
