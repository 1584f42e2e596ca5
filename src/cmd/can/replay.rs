//! `can replay`: canplayer's job. A candump `-L` log is played back onto the interfaces it
//! names (or those `--iface WRITEIF=LOGIF` assigns), one CAN_RAW socket per interface, as fast
//! as the interfaces take the frames or, with `--realtime`, at the recorded gaps.
//!
//! A regular file is read twice, one line at a time (constant memory, whatever its size):
//! the first pass checks every line and opens every interface, so a bad line or a missing
//! interface stops the replay before anything is sent; the second pass (and each `--loop`)
//! plays it. Stdin or a pipe can be read only once, so it is played as it is read: a bad
//! line stops there, after the frames before it went out (as canplayer does).

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::os::fd::BorrowedFd;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use super::input::WatchedStdin;
use super::tx::{Events, Tx, is_interrupt};
use crate::can::log::{self, Entry, LogError, Reader};
use crate::cli::can::ReplayArgs;
use crate::cmd::usage;
use crate::exit::Code;

/// Distinct interface names a log may use (a bound on the memory a hostile log can take).
const MAX_IFACES: usize = 1024;
/// A gap longer than this (a year) is waited as a year.
const MAX_GAP: Duration = Duration::from_secs(365 * 24 * 3600);
/// Fast replays look at the signal pipe once every this many frames.
const SIGNAL_EVERY: u64 = 64;

/// `--iface WRITEIF=LOGIF` assignments, checked; a bare `--iface WRITEIF` (SPEC §8's
/// `--iface vcan0`) is kept with an empty LOGIF: it takes every interface not assigned.
fn assignments(args: &[String]) -> Result<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = Vec::with_capacity(args.len());
    for a in args {
        let bad = |why: &str| usage(format!("bad --iface '{a}': {why}"));
        let (write, logif) = a.split_once('=').unwrap_or((a, ""));
        let names: &[&str] = if a.contains('=') {
            &[write, logif]
        } else {
            &[write]
        };
        for name in names {
            if name.is_empty() || name.len() > 15 || name.contains(['/', ' ', '=']) {
                return Err(bad(&format!(
                    "'{name}' is not an interface name (WRITEIF=LOGIF: vcan1=can0 sends can0's frames on vcan1)"
                )));
            }
        }
        if out.iter().any(|(_, l)| l == logif) {
            return Err(bad(&if logif.is_empty() {
                "only one --iface may take every interface (no '=')".to_string()
            } else {
                format!("{logif} is already assigned")
            }));
        }
        out.push((write.to_string(), logif.to_string()));
    }
    Ok(out)
}

/// Where each logged interface's frames go, and the sockets, opened once per real interface.
struct Targets {
    assign: Vec<(String, String)>,
    txs: Vec<Tx>,
    by_log: HashMap<String, Option<usize>>,
}

impl Targets {
    /// The socket for frames logged on `logif`; `None` when assignments skip it.
    fn get(&mut self, logif: &str) -> Result<Option<usize>> {
        if let Some(&t) = self.by_log.get(logif) {
            return Ok(t);
        }
        if self.by_log.len() >= MAX_IFACES {
            return Err(usage(format!(
                "more than {MAX_IFACES} interfaces named in the log"
            )));
        }
        let write = if self.assign.is_empty() {
            Some(logif)
        } else {
            let assigned = |l: &str| self.assign.iter().find(|(_, x)| x == l);
            assigned(logif)
                .or_else(|| assigned(""))
                .map(|(w, _)| w.as_str())
        };
        let t = match write {
            None => None,
            Some(w) => match self.txs.iter().position(|t| t.name == w) {
                Some(i) => Some(i),
                None => {
                    self.txs.push(Tx::open(w, self.txs.len())?);
                    Some(self.txs.len() - 1)
                }
            },
        };
        self.by_log.insert(logif.to_string(), t);
        Ok(t)
    }
}

/// The log, or stdin (read on a reactor that also watches for Ctrl-C: `signal`).
fn reader(path: &str, signal: Option<BorrowedFd<'_>>) -> Result<Reader<Box<dyn BufRead>>> {
    let input: Box<dyn BufRead> = if let (true, Some(sig)) = (path == "-", signal) {
        Box::new(WatchedStdin::new(sig).context("cannot watch stdin")?)
    } else if path == "-" {
        Box::new(io::stdin().lock())
    } else {
        let f = File::open(path).with_context(|| format!("cannot open {path}"))?;
        Box::new(BufReader::with_capacity(64 * 1024, f))
    };
    Ok(Reader::new(input))
}

/// The next entry; a bad line is exit 2 naming the log and the line.
fn next(r: &mut Reader<Box<dyn BufRead>>, label: &str) -> Result<Option<Entry>> {
    r.next_entry().map_err(|e| match e {
        LogError::Bad { .. } => usage(format!("{label} {e}")),
        LogError::Io(e) => anyhow::Error::new(e).context(format!("cannot read {label}")),
    })
}

#[derive(Default)]
struct Stats {
    sent: u64,
    skipped: u64,
}

pub fn run(args: &ReplayArgs) -> Result<Code> {
    let assign = assignments(&args.iface)?;
    // Only a regular file can be read again: stdin, a pipe or a device is played as read.
    let twice = args.log != "-"
        && std::fs::metadata(&args.log)
            .with_context(|| format!("cannot open {}", args.log))?
            .is_file();
    if !twice && args.loops > 1 {
        return Err(usage(
            "--loop needs a LOG file that can be read again, not stdin or a pipe",
        ));
    }
    let label = if args.log == "-" { "stdin" } else { &args.log };
    let mut targets = Targets {
        assign,
        txs: Vec::new(),
        by_log: HashMap::new(),
    };
    let mut ev = Events::new()?;
    if twice {
        check_whole(&args.log, label, &mut targets, &ev).inspect_err(|e| {
            if is_interrupt(e) {
                let _ = writeln!(io::stderr().lock(), "0 frames sent");
            }
        })?;
    }
    let mut st = Stats::default();
    let started = Instant::now();
    match play(args, label, &mut targets, &mut ev, &mut st) {
        Ok(()) => {
            if args.verbose {
                let _ = writeln!(
                    io::stderr().lock(),
                    "{} frames sent, {} skipped (interface not assigned), in {:.3} s",
                    st.sent,
                    st.skipped,
                    started.elapsed().as_secs_f64()
                );
            }
            Ok(Code::Success)
        }
        Err(e) => {
            if is_interrupt(&e) {
                let _ = writeln!(io::stderr().lock(), "{} frames sent", st.sent);
            }
            Err(e)
        }
    }
}

/// The first pass over a file: every line parses, every interface opens, and each takes the
/// CAN FD frames logged for it. Interfaces are opened only once every line has parsed, so a
/// bad line is reported as such even where sockets cannot be opened.
fn check_whole(path: &str, label: &str, targets: &mut Targets, ev: &Events) -> Result<()> {
    let mut r = reader(path, None)?;
    // Each logged interface (in order of appearance) and its first CAN FD frame's line.
    let mut ifaces: Vec<(String, Option<u64>)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut entries = 0u64;
    while let Some(e) = next(&mut r, label)? {
        // A long log takes a while: Ctrl-C is looked for as it is read.
        entries += 1;
        if entries.is_multiple_of(4096) {
            ev.check_signal()?;
        }
        let i = match index.get(&e.rec.iface) {
            Some(&i) => i,
            None => {
                if ifaces.len() >= MAX_IFACES {
                    return Err(usage(format!(
                        "{label} line {}: more than {MAX_IFACES} interfaces named in the log",
                        e.line
                    )));
                }
                index.insert(e.rec.iface.clone(), ifaces.len());
                ifaces.push((e.rec.iface, None));
                ifaces.len() - 1
            }
        };
        if e.rec.frame.fd && ifaces[i].1.is_none() {
            ifaces[i].1 = Some(e.line);
        }
    }
    for (logif, fd_line) in &ifaces {
        let Some(t) = targets.get(logif)? else {
            continue;
        };
        if let Some(line) = fd_line {
            let mut probe = crate::can::Frame::new(0, &[]);
            probe.fd = true;
            targets.txs[t]
                .check_fits(&probe)
                .with_context(|| format!("cannot replay {label} line {line}"))?;
        }
    }
    Ok(())
}

/// The replay itself: every pass over the log, each starting its clock at its first frame.
fn play(
    args: &ReplayArgs,
    label: &str,
    targets: &mut Targets,
    ev: &mut Events,
    st: &mut Stats,
) -> Result<()> {
    for _ in 0..args.loops {
        let mut r = reader(&args.log, Some(ev.signal_fd()))?;
        // The instant the pass's first frame went out, and that frame's log timestamp (ns).
        let mut base: Option<(Instant, i128)> = None;
        let mut entries = 0u64;
        loop {
            let e = match next(&mut r, label) {
                Ok(Some(e)) => e,
                Ok(None) => break,
                Err(err) => {
                    // A read cut short by Ctrl-C is the interruption, not a read error.
                    ev.check_signal()?;
                    return Err(err);
                }
            };
            // Counted over every entry, so a log whose frames are all skipped still stops.
            entries += 1;
            if entries.is_multiple_of(SIGNAL_EVERY) {
                ev.check_signal()?;
            }
            let ctx = || format!("{label} line {}", e.line);
            let Some(t) = targets.get(&e.rec.iface).with_context(ctx)? else {
                st.skipped += 1;
                continue;
            };
            let tx = &mut targets.txs[t];
            tx.check_fits(&e.rec.frame)
                .with_context(|| format!("cannot replay {label} line {}", e.line))?;
            let ts = log::ts_nanos(&e.rec);
            if args.realtime
                && let Some((t0, ts0)) = base
            {
                // A timestamp earlier than the first (an unsorted log) is sent at once.
                let gap = (ts - ts0).clamp(0, MAX_GAP.as_nanos() as i128) as u64;
                ev.wait_until(t0 + Duration::from_nanos(gap))?;
            }
            ev.send(tx, &e.rec.frame).with_context(ctx)?;
            st.sent += 1;
            // The clock starts when the first frame has gone out, so however long that first
            // send took (opening paths, a full queue), the gaps after it are the log's.
            base.get_or_insert((Instant::now(), ts));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn assignments_are_canplayers_write_equals_log() {
        assert_eq!(
            assignments(&strings(&["vcan1=can0", "vcan1=can1"])).unwrap(),
            [
                ("vcan1".to_string(), "can0".to_string()),
                ("vcan1".to_string(), "can1".to_string())
            ]
        );
        assert_eq!(
            assignments(&strings(&["vcan0", "vcan1=can1"])).unwrap(),
            [
                ("vcan0".to_string(), String::new()),
                ("vcan1".to_string(), "can1".to_string())
            ]
        );
        assert!(
            assignments(&strings(&["vcan0", "vcan1"]))
                .unwrap_err()
                .to_string()
                .contains("only one --iface may take every interface")
        );
        for (bad, want) in [
            ("=can0", "'' is not an interface name"),
            ("vcan0=", "'' is not an interface name"),
            ("a=b=c", "'b=c' is not an interface name"),
            ("vcan0=abcdefghijklmnop", "is not an interface name"),
        ] {
            let e = assignments(&strings(&[bad])).unwrap_err().to_string();
            assert!(e.contains(want), "{bad}: {e}");
        }
        let e = assignments(&strings(&["a=x", "b=x"])).unwrap_err();
        assert_eq!(e.to_string(), "bad --iface 'b=x': x is already assigned");
        assert_eq!(crate::exit::classify(&e), Code::Usage);
    }

    #[test]
    fn unassigned_interfaces_are_skipped_without_a_socket() {
        let mut t = Targets {
            assign: strings(&["vcan1", "can0"])
                .chunks(2)
                .map(|c| (c[0].clone(), c[1].clone()))
                .collect(),
            txs: Vec::new(),
            by_log: HashMap::new(),
        };
        assert!(t.get("can1").unwrap().is_none());
        assert!(t.get("vcan1").unwrap().is_none());
        assert!(t.txs.is_empty());
        for i in 0..MAX_IFACES - 2 {
            assert!(t.get(&format!("x{i}")).unwrap().is_none());
        }
        let e = t.get("one-too-many").unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("more than {MAX_IFACES} interfaces named in the log")
        );
        // A catch-all is taken when no assignment names the interface: opening vcan9 fails
        // here (no AF_CAN on the build host, or no vcan9).
        t.assign.push(("vcan9".into(), String::new()));
        t.by_log.clear();
        assert!(t.get("can1").is_err());
    }
}
