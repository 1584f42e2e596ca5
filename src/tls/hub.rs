//! The TLS pumps of one loop, on that loop's reactor: tokens from [`BASE`] up, two per pump
//! (its TCP socket, its end of the pair). The loop hands over a pump and uses the pair's other
//! end as its client; it passes on the wake-ups of [`Hub::owns`] tokens. A pump that finishes
//! is deregistered and dropped; `-v` lines (handshake done, failures) go to the log, and a
//! failure is also kept for a one-session caller to exit with.

use std::io;
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use super::pump::Pump;
use crate::event::log::{Event, Log, Record};
use crate::event::reactor::{Reactor, Ready, Token, Watch};

/// The first token of a hub: far above every loop's own (slots, children, timers).
pub const BASE: Token = 1 << 50;
/// The hub's one timer (see [`Hub::on_timer`]), just below its fd tokens.
pub const TIMER: Token = BASE - 1;
/// Scratch per loop: records read from TCP (one TLS record is at most 16 KiB; a large read
/// means few syscalls), or plaintext read from the pair to encrypt.
const SCRATCH: usize = 512 * 1024;
/// A client that has not finished its handshake by then is dropped, by the hub's one timer
/// (no timer per client): armed for the oldest handshake, at most once a [`SWEEP`], so a
/// stalled client goes between 10 and 11 s after it came, even if nothing else happens.
const HANDSHAKE_LIMIT: Duration = Duration::from_secs(10);
const SWEEP: Duration = Duration::from_secs(1);

struct Entry {
    pump: Pump,
    tcp: Watch,
    plain: Watch,
    since: Instant,
}

pub struct Hub {
    slots: Vec<Option<Entry>>,
    free: Vec<usize>,
    scratch: Vec<u8>,
    log: Log,
    /// Report failures on the log as they happen (many clients), or keep them (one session).
    log_failures: bool,
    failures: Vec<anyhow::Error>,
    /// When the hub's timer is due, if one is armed on the loop's reactor.
    timer: Option<Instant>,
}

impl Hub {
    pub fn new(log: Log, log_failures: bool) -> Hub {
        Hub {
            slots: Vec::new(),
            free: Vec::new(),
            scratch: Vec::new(),
            log,
            log_failures,
            failures: Vec::new(),
            timer: None,
        }
    }

    pub fn owns(&self, t: Token) -> bool {
        t >= BASE && t - BASE < 2 * self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.len() == self.free.len()
    }

    /// The first failure of a pump (one-session callers).
    pub fn take_failure(&mut self) -> Option<anyhow::Error> {
        (!self.failures.is_empty()).then(|| self.failures.remove(0))
    }

    /// Take over a pump: it is stepped at once and registered for what it waits for.
    pub fn add(&mut self, r: &mut Reactor, pump: Pump) {
        let slot = self.keep(pump);
        self.service(r, slot);
        if self.timer.is_none() {
            self.arm(r, Instant::now());
        }
    }

    /// Arm the hub's timer for the oldest handshake still going (none: no timer), not before
    /// `earliest`. Only many-client hubs (`log_failures`) limit handshakes; a one-session
    /// caller has its own `-w`.
    fn arm(&mut self, r: &mut Reactor, earliest: Instant) {
        if !self.log_failures {
            return;
        }
        let oldest = self
            .slots
            .iter()
            .flatten()
            .filter(|e| !e.pump.established())
            .map(|e| e.since)
            .min();
        self.timer = oldest.map(|since| (since + HANDSHAKE_LIMIT).max(earliest));
        if let Some(at) = self.timer {
            r.timer(at, TIMER);
        }
    }

    /// A timer fired on the loop: whether it was the hub's ([`TIMER`]). Drops the clients stuck
    /// in their handshake for [`HANDSHAKE_LIMIT`] (a client that sends half a ClientHello and
    /// waits holds no one else up, but must not hold its fds forever), then re-arms.
    pub fn on_timer(&mut self, r: &mut Reactor, token: Token) -> bool {
        if token != TIMER {
            return false;
        }
        let now = Instant::now();
        // Not the armed one (left from a loop the hub was on before): nothing to do.
        if self.timer.is_none_or(|at| now < at) {
            return true;
        }
        for slot in 0..self.slots.len() {
            let stuck = self.slots[slot]
                .as_ref()
                .is_some_and(|e| !e.pump.established() && now >= e.since + HANDSHAKE_LIMIT);
            if stuck {
                let e = self.remove(r, slot);
                let line = format!(
                    "TLS handshake with {} failed: not done within {} s",
                    e.pump.peer,
                    HANDSHAKE_LIMIT.as_secs()
                );
                self.log.emit(Event::new(line, Record::Error));
            }
        }
        self.arm(r, now + SWEEP);
        true
    }

    fn remove(&mut self, r: &mut Reactor, slot: usize) -> Entry {
        let mut e = self.slots[slot].take().expect("present");
        e.tcp.clear(r, e.pump.tcp.as_fd());
        e.plain.clear(r, e.pump.plain.as_fd());
        self.free.push(slot);
        e
    }

    /// Hold a pump until [`crate::event::session::Aux::attach`] registers it on a loop.
    pub fn keep(&mut self, pump: Pump) -> usize {
        let slot = self.free.pop().unwrap_or_else(|| {
            self.slots.push(None);
            self.slots.len() - 1
        });
        self.slots[slot] = Some(Entry {
            pump,
            tcp: Watch::new(BASE + 2 * slot),
            plain: Watch::new(BASE + 2 * slot + 1),
            since: Instant::now(),
        });
        slot
    }

    /// A wake-up for one of [`Hub::owns`]'s tokens.
    pub fn on_ready(&mut self, r: &mut Reactor, e: Ready) {
        self.service(r, (e.token - BASE) / 2);
    }

    fn service(&mut self, r: &mut Reactor, slot: usize) {
        if self.scratch.is_empty() {
            self.scratch = vec![0u8; SCRATCH];
        }
        let Some(Some(entry)) = self.slots.get_mut(slot) else {
            return;
        };
        entry.pump.step(&mut self.scratch);
        // Nothing to say without -v: no summary is built.
        if self.log.verbose
            && let Some(s) = entry.pump.take_established()
        {
            let p = &entry.pump.peer;
            self.log.emit(Event::new(
                format!("TLS with {p}: {s}"),
                Record::Tls {
                    peer: p,
                    tls_version: &s.version,
                    tls_cipher: &s.cipher,
                    tls_alpn: s.alpn.as_deref(),
                    tls_peer_subject: s.peer_subject.as_deref(),
                },
            ));
        }
        if entry.pump.finished() {
            let mut e = self.remove(r, slot);
            if !self.log_failures {
                self.failures.extend(e.pump.take_failure());
            } else if self.log.verbose
                && let Some(text) = e.pump.take_failure_line()
            {
                self.log.emit(Event::new(text, Record::Error));
            }
            return;
        }
        let (t, p) = entry.pump.interest();
        let ok = entry.tcp.set(r, entry.pump.tcp.as_fd(), t).is_ok()
            && entry.plain.set(r, entry.pump.plain.as_fd(), p).is_ok();
        if !ok {
            self.remove(r, slot);
            self.failures.push(
                anyhow::Error::from(io::Error::last_os_error())
                    .context("cannot watch a TLS connection"),
            );
        }
    }

    /// Register every pump on `r` afresh (a new loop: the session's, or one of their own
    /// after it is gone).
    fn rewatch(&mut self, r: &mut Reactor) {
        for slot in 0..self.slots.len() {
            if let Some(e) = self.slots[slot].as_mut() {
                e.tcp = Watch::new(BASE + 2 * slot);
                e.plain = Watch::new(BASE + 2 * slot + 1);
                self.service(r, slot);
            }
        }
        self.arm(r, Instant::now());
    }

    /// After the loop ended: let the pumps send what they hold and their close_notify, until
    /// all are done or `until` passes.
    pub fn drain(&mut self, until: Instant) {
        if self.is_empty() {
            return;
        }
        let Ok(mut r) = Reactor::new() else { return };
        self.rewatch(&mut r);
        let (mut ready, mut fired) = (Vec::new(), Vec::new());
        while !self.is_empty() && Instant::now() < until {
            ready.clear();
            if r.wait(Some(until), &mut ready, &mut fired).is_err() {
                return;
            }
            for e in &ready {
                if self.owns(e.token) {
                    self.on_ready(&mut r, *e);
                }
            }
        }
    }
}

impl crate::event::session::Aux for Hub {
    fn attach(&mut self, r: &mut Reactor) {
        self.rewatch(r);
    }

    fn owns(&self, t: Token) -> bool {
        Hub::owns(self, t)
    }

    fn on_ready(&mut self, r: &mut Reactor, e: Ready) {
        Hub::on_ready(self, r, e)
    }

    fn failed(&self) -> bool {
        !self.failures.is_empty()
    }
}
