//! `can send`: frames in cansend's syntax, from the arguments or stdin, written to one
//! interface; a full queue (ENOBUFS) is waited out on the reactor, not spun on.

use std::io::{self, BufRead};
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use super::{ifindex, open};
use crate::can::{Frame, parse};
use crate::cli::can::SendArgs;
use crate::cmd::usage;
use crate::event::reactor::{self, Interest};
use crate::exit::Code;
use crate::sys::can as sock;

/// How long one frame may wait for room in the interface's queue (ENOBUFS) before send gives up.
const SEND_WAIT: Duration = Duration::from_secs(5);

pub fn run(args: &SendArgs) -> Result<Code> {
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
