//! `--exec` / `--sh-exec`: a child process per connection with the socket as its stdin and
//! stdout (stderr stays ours, so its diagnostics reach the user). `--exec` splits COMMAND into
//! words as a shell would (quotes, backslashes) but runs no shell; `--sh-exec` runs
//! `/bin/sh -c COMMAND`.

use std::os::fd::OwnedFd;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Instant;

use anyhow::{Context, Result};
use socket2::Socket;

use super::usage;
use crate::cli::ExecArgs;
pub use crate::event::child::{describe, stop_children};
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
