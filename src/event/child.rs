//! Child processes the loops start (`--exec`, `exec:`/`sh:` endpoints): how one ended, in the
//! words `-v` uses, and stopping the ones still running when we shut down.

use std::os::fd::AsFd;
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

use super::reactor::{Reactor, child_exit_fd, watch_read};

/// How long children get to exit after SIGTERM when we shut down, before SIGKILL.
const CHILD_GRACE: Duration = Duration::from_secs(1);

/// How a child ended, as `-v` logs it: `exited with status 0`, `killed by signal 9`.
pub fn describe(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with status {code}"),
        (None, Some(sig)) => format!("killed by signal {sig}"),
        _ => "ended".into(),
    }
}

/// SIGTERM every child, give them [`CHILD_GRACE`] to exit, SIGKILL the rest, reap them all.
/// The grace period is waited on the children's pidfds (token = index); a child without one
/// (a kernel before 5.3) is looked at every 10 ms instead.
pub fn stop_children(children: &mut [Child]) {
    for c in children.iter() {
        let pid = rustix::process::Pid::from_raw(c.id() as i32);
        if let Some(pid) = pid {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
        }
    }
    let until = Instant::now() + CHILD_GRACE;
    let mut reactor = Reactor::new().ok();
    let exit_fds: Vec<_> = children.iter().map(|c| child_exit_fd(c.id())).collect();
    // A pidfd stays readable once its child exited: its watch goes when the child is reaped,
    // so the wait only wakes for the ones still running.
    let mut watches: Vec<_> = exit_fds
        .iter()
        .enumerate()
        .map(|(i, fd)| {
            Some((
                fd.as_ref()?,
                watch_read(reactor.as_mut()?, fd.as_ref()?, i).ok()?,
            ))
        })
        .collect();
    let (mut ready, mut fired) = (Vec::new(), Vec::new());
    loop {
        let mut unwatched = false;
        let mut running = 0;
        for (c, w) in children.iter_mut().zip(watches.iter_mut()) {
            if matches!(c.try_wait(), Ok(None)) {
                running += 1;
                unwatched |= w.is_none();
            } else if let (Some((fd, mut watch)), Some(r)) = (w.take(), reactor.as_mut()) {
                watch.clear(r, fd.as_fd());
            }
        }
        let now = Instant::now();
        if running == 0 || now >= until {
            break;
        }
        let wake = if unwatched {
            until.min(now + Duration::from_millis(10))
        } else {
            until
        };
        ready.clear();
        let waited = reactor
            .as_mut()
            .is_some_and(|r| r.wait(Some(wake), &mut ready, &mut fired).is_ok());
        if !waited {
            std::thread::sleep(wake.saturating_duration_since(now));
        }
    }
    for c in children.iter_mut() {
        if matches!(c.try_wait(), Ok(None)) {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}
