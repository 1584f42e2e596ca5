//! `--exec` / `--sh-exec`: a child process per connection with the socket as its stdin and
//! stdout (stderr stays ours, so its diagnostics reach the user). `--exec` splits COMMAND into
//! words as a shell would (quotes, backslashes) but runs no shell; `--sh-exec` runs
//! `/bin/sh -c COMMAND`.

use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use socket2::Socket;

use super::usage;
use crate::cli::ExecArgs;
use crate::event::reactor::{Reactor, child_exit_fd, watch_read};
use crate::event::server::Spawn;
use crate::event::signals::Signals;
use crate::event::{Interrupted, Timeout};

/// A command to run per connection.
#[derive(Debug, Clone)]
pub struct ExecCmd {
    argv: Vec<String>,
    /// COMMAND as the user typed it, for messages.
    pub shown: String,
}

/// How long children get to exit after SIGTERM when we shut down, before SIGKILL.
const CHILD_GRACE: Duration = Duration::from_secs(1);

impl ExecCmd {
    /// The command the flags ask for, if any.
    pub fn plan(args: &ExecArgs) -> Result<Option<ExecCmd>> {
        if let Some(cmd) = &args.sh_exec {
            return Ok(Some(ExecCmd {
                argv: vec!["/bin/sh".into(), "-c".into(), cmd.clone()],
                shown: cmd.clone(),
            }));
        }
        let Some(cmd) = &args.exec else {
            return Ok(None);
        };
        let argv = shlex::split(cmd).ok_or_else(|| {
            usage(format!(
                "--exec '{cmd}': unbalanced quotes or a trailing backslash"
            ))
        })?;
        if argv.is_empty() {
            return Err(usage("--exec needs a command"));
        }
        Ok(Some(ExecCmd {
            argv,
            shown: cmd.clone(),
        }))
    }

    /// Start the child with `sock` as its stdin and stdout. Our copy of the socket is closed
    /// when `sock` drops, so the peer sees EOF exactly when the child closes its end.
    pub fn spawn(&self, sock: Socket) -> Result<Child> {
        // O_NONBLOCK lives on the shared open file: the child expects a blocking socket.
        sock.set_nonblocking(false)
            .context("cannot make the socket blocking")?;
        let out = OwnedFd::from(sock.try_clone().context("cannot duplicate the socket")?);
        Command::new(&self.argv[0])
            .args(&self.argv[1..])
            .stdin(Stdio::from(OwnedFd::from(sock)))
            .stdout(Stdio::from(out))
            .spawn()
            .with_context(|| format!("cannot run '{}'", self.argv[0]))
    }
}

impl Spawn for ExecCmd {
    fn spawn(&self, sock: Socket) -> Result<Child> {
        ExecCmd::spawn(self, sock)
    }

    fn describe(&self, status: ExitStatus) -> String {
        describe(status)
    }

    fn check(&self, status: ExitStatus) -> Result<()> {
        check(self, status)
    }

    fn stop(&self, children: &mut [Child]) {
        stop_children(children)
    }
}

/// How a child ended, as `-v` logs it: `exited with status 0`, `killed by signal 9`.
pub fn describe(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with status {code}"),
        (None, Some(sig)) => format!("killed by signal {sig}"),
        _ => "ended".into(),
    }
}

/// A child failed: the error `connect --exec` (and one-shot `listen --exec`) exits with.
pub fn check(cmd: &ExecCmd, status: ExitStatus) -> Result<()> {
    if status.success() {
        Ok(())
    } else {
        Err(anyhow::anyhow!("'{}' {}", cmd.shown, describe(status)))
    }
}

/// Wait for one child; SIGINT/SIGTERM or `deadline` end it first. On the reactor: token 0 is
/// the signal pipe, token 1 the child's pidfd (readable once it exited); on kernels without
/// pidfds the SIGCHLD byte on the signal pipe is the wake-up instead.
pub fn wait_child(
    child: &mut Child,
    signals: &Signals,
    deadline: Option<Instant>,
) -> Result<ExitStatus> {
    let mut reactor = Reactor::new().context("cannot create the event loop")?;
    let _signals = watch_read(&mut reactor, signals.fd(), 0).context("cannot watch signals")?;
    let exit_fd = child_exit_fd(child.id());
    let _exit = match &exit_fd {
        Some(fd) => Some(watch_read(&mut reactor, fd, 1).context("cannot watch the command")?),
        None => None,
    };
    let (mut ready, mut fired) = (Vec::new(), Vec::new());
    loop {
        if let Some(status) = child.try_wait().context("cannot wait for the command")? {
            return Ok(status);
        }
        ready.clear();
        reactor
            .wait(deadline, &mut ready, &mut fired)
            .context("poll failed")?;
        if let Some(signal) = signals.pending() {
            stop_children(std::slice::from_mut(child));
            return Err(Interrupted { signal }.into());
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            stop_children(std::slice::from_mut(child));
            return Err(Timeout {
                what: "session timeout (--timeout)".into(),
            }
            .into());
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(exec: Option<&str>, sh: Option<&str>) -> Result<Option<ExecCmd>> {
        ExecCmd::plan(&ExecArgs {
            exec: exec.map(Into::into),
            sh_exec: sh.map(Into::into),
        })
    }

    #[test]
    fn splits_like_a_shell_without_one() {
        let c = plan(Some(r#"printf '%s|' "a b" c\ d"#), None)
            .unwrap()
            .unwrap();
        assert_eq!(c.argv, ["printf", "%s|", "a b", "c d"]);
        let c = plan(None, Some("echo $HOME | wc")).unwrap().unwrap();
        assert_eq!(c.argv, ["/bin/sh", "-c", "echo $HOME | wc"]);
        assert!(plan(None, None).unwrap().is_none());
        assert!(plan(Some("echo 'open"), None).is_err());
        assert!(plan(Some("  "), None).is_err());
    }
}
