//! `can send`: frames in cansend's syntax, from the arguments or stdin, written to one
//! interface; a full queue (ENOBUFS) is waited out on the reactor, not spun on.

use std::io::{self, BufRead};
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::can::link;
use crate::can::{Frame, parse};
use crate::cli::can::SendArgs;
use crate::cmd::usage;
use crate::event::reactor::{self, Interest};
use crate::exit::Code;

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
    let name = &args.iface;
    let link::Bound {
        sock: s,
        fd: fd_ok,
        mtu,
    } = link::bound(name, false, "send on")?;
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
    stdin_frames(|f, n| put(&f, &|| format!("line {n}")))?;
    Ok(Code::Success)
}

/// Each frame of stdin (cansend syntax or candump -L lines; blank lines skipped) with its line
/// number, as it is read; a bad line is exit 2 naming it.
pub(super) fn stdin_frames(mut each: impl FnMut(Frame, u64) -> Result<()>) -> Result<()> {
    let mut input = io::stdin().lock();
    let mut line = String::new();
    let mut n = 0u64;
    loop {
        line.clear();
        if input.read_line(&mut line).context("cannot read stdin")? == 0 {
            return Ok(());
        }
        n += 1;
        let text = line.trim_end_matches(['\n', '\r']);
        if text.trim().is_empty() {
            continue;
        }
        let f = parse::input_line(text)
            .map_err(|e| usage(format!("bad frame on stdin line {n} '{text}': {e}")))?;
        each(f, n)?;
    }
}
