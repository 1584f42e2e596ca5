//! The server's per-client state machines, kept apart from the loop so they can be tested on
//! real sockets: the hub [`Queue`] (levels, stall clock, flush), the [`Slab`] clients live in
//! (a slot index is the client's reactor token), and [`Conns`], which keeps the "some queue
//! is full" count, the list of clients whose wait changed and the list of clients to close in
//! step with every change, so no wake-up has to scan every client.

use std::io;
use std::time::{Duration, Instant};

use rustix::io::Errno;
use socket2::Socket;

use super::backlog::Backlog;
use crate::event::flow::Flow;
use crate::event::reactor::Watch;

/// Bytes queued for one client above which its sources pause (hub and broker).
pub const QUEUE_LIMIT: usize = 1 << 20;
/// How long a client may sit over [`QUEUE_LIMIT`] without taking a byte before it is dropped.
pub const STALL_LIMIT: Duration = Duration::from_secs(2);

/// Slots that are reused: a vector of optional entries and a free list. Insertion and removal
/// are O(1); a slot's index stays the entry's name for its whole life.
pub struct Slab<T> {
    slots: Vec<Option<T>>,
    free: Vec<usize>,
    len: usize,
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Slab {
            slots: Vec::new(),
            free: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Slab<T> {
    /// Store `value`, in the most recently freed slot if there is one; returns its index.
    pub fn insert(&mut self, value: T) -> usize {
        self.len += 1;
        match self.free.pop() {
            Some(i) => {
                self.slots[i] = Some(value);
                i
            }
            None => {
                self.slots.push(Some(value));
                self.slots.len() - 1
            }
        }
    }

    pub fn remove(&mut self, i: usize) -> Option<T> {
        let v = self.slots.get_mut(i)?.take()?;
        self.free.push(i);
        self.len -= 1;
        Some(v)
    }

    pub fn get(&self, i: usize) -> Option<&T> {
        self.slots.get(i)?.as_ref()
    }

    pub fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        self.slots.get_mut(i)?.as_mut()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every live entry with its slot (O(slots): for fan-out and shutdown only).
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (usize, &mut T)> {
        self.slots
            .iter_mut()
            .enumerate()
            .filter_map(|(i, s)| s.as_mut().map(|v| (i, v)))
    }

    pub fn slots(&self) -> impl Iterator<Item = usize> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_ref().map(|_| i))
    }
}

/// What waits to be sent to one hub client, and what it has done.
#[derive(Default)]
pub struct Queue {
    buf: Backlog,
    /// The client sent EOF: close it once its queue is empty.
    pub eof: bool,
    /// Over [`QUEUE_LIMIT`] since then, without taking a byte.
    pub stalled_since: Option<Instant>,
    pub bytes_in: u64,
    pub bytes_out: u64,
}

impl Queue {
    /// Bytes waiting for this client.
    pub fn queued(&self) -> usize {
        self.buf.len()
    }

    /// Bytes of memory the queue holds.
    #[cfg(test)]
    pub fn capacity(&self) -> usize {
        self.buf.capacity()
    }

    pub fn full(&self) -> bool {
        self.queued() > QUEUE_LIMIT
    }

    /// Start or stop the stall clock after the queue changed.
    pub fn note_level(&mut self, now: Instant) {
        if self.full() {
            self.stalled_since.get_or_insert(now);
        } else {
            self.stalled_since = None;
        }
    }

    /// Write what is queued until the socket is full; an error means the client is gone.
    pub fn flush(&mut self, sock: &Socket) -> Result<(), Errno> {
        let before = self.bytes_out;
        let r = self.buf.write_to(sock, &mut self.bytes_out);
        if self.bytes_out > before {
            // It is reading: the stall clock starts again.
            self.stalled_since = None;
        }
        r
    }

    /// Queue `data` behind what is already waiting (written at once if nothing is); an error
    /// means the client is gone.
    pub fn offer(&mut self, sock: &Socket, data: &[u8], now: Instant) -> Result<(), Errno> {
        if self.buf.is_empty() {
            let n = write_some(sock, data)?;
            self.bytes_out += n as u64;
            if n == data.len() {
                return Ok(());
            }
            self.buf.push(&data[n..]);
        } else {
            self.buf.push(data);
        }
        self.note_level(now);
        Ok(())
    }
}

pub enum State {
    Echo(Flow),
    Hub(Queue),
}

/// What a fired per-client timer means for its client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fired {
    /// Not this client's current timer (an earlier client's in the same slot, or one already
    /// replaced): nothing to do.
    Stale,
    /// Its time is up.
    Expired,
    /// Not yet: armed again for this instant.
    Rearm(Instant),
}

pub struct Conn {
    pub sock: Socket,
    pub peer: Box<str>,
    pub last_activity: Instant,
    pub state: State,
    /// Why this client is to be closed, once decided (`Some("")`: a normal end).
    pub closing: Option<String>,
    pub watch: Watch,
    /// When the idle and stall timers this client armed are due. Timers are never cancelled:
    /// one that fires for a slot is this client's only if it matches (see [`Conn::fire`]).
    pub idle_due: Option<Instant>,
    pub stall_due: Option<Instant>,
    /// Counted in [`Conns::full`].
    counted_full: bool,
    /// Listed in [`Conns::dirty`] / [`Conns::closing`].
    listed_dirty: bool,
    listed_closing: bool,
}

impl Conn {
    pub fn new(sock: Socket, peer: Box<str>, state: State, watch: Watch, now: Instant) -> Conn {
        Conn {
            sock,
            peer,
            last_activity: now,
            state,
            closing: None,
            watch,
            idle_due: None,
            stall_due: None,
            counted_full: false,
            listed_dirty: false,
            listed_closing: false,
        }
    }

    pub fn closed_line(&self) -> String {
        let (inb, out) = match &self.state {
            State::Echo(f) => (f.bytes + f.held() as u64, f.bytes),
            State::Hub(q) => (q.bytes_in, q.bytes_out),
        };
        let why = match self.closing.as_deref() {
            None | Some("") => String::new(),
            Some(why) => format!(": {why}"),
        };
        format!(
            "Closed {} (in {inb} bytes, out {out} bytes){why}",
            self.peer
        )
    }

    /// Give `data` to this hub client: written at once if nothing is queued, the rest queued
    /// (the caller stops reading sources while a queue is over [`QUEUE_LIMIT`]).
    pub fn offer(&mut self, data: &[u8], now: Instant) {
        let State::Hub(q) = &mut self.state else {
            return;
        };
        if self.closing.is_some() {
            return;
        }
        if let Err(e) = q.offer(&self.sock, data, now) {
            self.closing = Some(format!("send failed: {}", describe(e)));
        }
    }

    /// A hub client over [`QUEUE_LIMIT`] that is still being served.
    pub fn full(&self) -> bool {
        self.closing.is_none() && matches!(&self.state, State::Hub(q) if q.full())
    }

    /// When this client will have been stalled for [`STALL_LIMIT`].
    pub fn stall_deadline(&self) -> Option<Instant> {
        match &self.state {
            State::Hub(q) => q.stalled_since.map(|t| t + STALL_LIMIT),
            State::Echo(_) => None,
        }
    }

    /// The idle timer of this slot fired at `now`: expired when there was no traffic for
    /// `idle`, otherwise armed again for `idle` after the last traffic.
    pub fn fire_idle(&mut self, now: Instant, idle: Duration) -> Fired {
        if self.idle_due.is_none_or(|t| t > now) {
            return Fired::Stale;
        }
        let due = self.last_activity + idle;
        if now >= due {
            self.idle_due = None;
            Fired::Expired
        } else {
            self.idle_due = Some(due);
            Fired::Rearm(due)
        }
    }

    /// The stall timer of this slot fired at `now`: expired when the queue has been full
    /// without a byte taken for [`STALL_LIMIT`], re-armed while it is stalled for less.
    pub fn fire_stall(&mut self, now: Instant) -> Fired {
        if self.stall_due.is_none_or(|t| t > now) {
            return Fired::Stale;
        }
        self.stall_due = None;
        match self.stall_deadline() {
            Some(due) if now >= due => Fired::Expired,
            Some(due) => {
                self.stall_due = Some(due);
                Fired::Rearm(due)
            }
            None => Fired::Stale,
        }
    }

    /// A stall timer is needed and none is armed: the instant to arm one for.
    pub fn stall_timer_wanted(&mut self) -> Option<Instant> {
        if self.stall_due.is_some() || self.closing.is_some() {
            return None;
        }
        let due = self.stall_deadline()?;
        self.stall_due = Some(due);
        Some(due)
    }
}

/// The clients, with the bookkeeping that spares the loop from scanning them.
#[derive(Default)]
pub struct Conns {
    pub slab: Slab<Conn>,
    /// How many clients are [`Conn::full`].
    full: usize,
    /// Clients whose wait may have changed since the reactor last heard of it.
    dirty: Vec<usize>,
    /// Clients with a reason to close, not closed yet.
    closing: Vec<usize>,
    /// Stall timers to arm: (client, when).
    stall_timers: Vec<(usize, Instant)>,
}

impl Conns {
    pub fn insert(&mut self, c: Conn) -> usize {
        let i = self.slab.insert(c);
        self.changed(i);
        i
    }

    pub fn get_mut(&mut self, i: usize) -> Option<&mut Conn> {
        self.slab.get_mut(i)
    }

    pub fn len(&self) -> usize {
        self.slab.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slab.is_empty()
    }

    /// Whether some client being served is over [`QUEUE_LIMIT`].
    pub fn any_full(&self) -> bool {
        self.full > 0
    }

    /// Client `i` changed (bytes queued or sent, EOF, a reason to close): bring the full
    /// count, the dirty list and the closing list up to date. O(1).
    pub fn changed(&mut self, i: usize) {
        let Some(c) = self.slab.get_mut(i) else {
            return;
        };
        let full = c.full();
        if full != c.counted_full {
            c.counted_full = full;
            if full {
                self.full += 1;
            } else {
                self.full -= 1;
            }
        }
        if !c.listed_dirty {
            c.listed_dirty = true;
            self.dirty.push(i);
        }
        if c.closing.is_some() && !c.listed_closing {
            c.listed_closing = true;
            self.closing.push(i);
        }
        if let Some(due) = c.stall_timer_wanted() {
            self.stall_timers.push((i, due));
        }
    }

    /// Stall timers wanted since the last call.
    pub fn take_stall_timers(&mut self) -> Vec<(usize, Instant)> {
        std::mem::take(&mut self.stall_timers)
    }

    /// Every client's wait may have changed (a global switch such as "stdout is backed up").
    pub fn all_changed(&mut self) {
        for (i, c) in self.slab.iter_mut() {
            if !c.listed_dirty {
                c.listed_dirty = true;
                self.dirty.push(i);
            }
        }
    }

    /// The clients changed since the last call (each once).
    pub fn take_dirty(&mut self, out: &mut Vec<usize>) {
        out.clear();
        std::mem::swap(out, &mut self.dirty);
        for &i in out.iter() {
            if let Some(c) = self.slab.get_mut(i) {
                c.listed_dirty = false;
            }
        }
    }

    /// The clients that have a reason to close (each once).
    pub fn take_closing(&mut self) -> Vec<usize> {
        std::mem::take(&mut self.closing)
    }

    /// Take client `i` out; the full count forgets it.
    pub fn remove(&mut self, i: usize) -> Option<Conn> {
        let c = self.slab.remove(i)?;
        if c.counted_full {
            self.full -= 1;
        }
        Some(c)
    }
}

/// Write without blocking; EAGAIN is "nothing written".
pub fn write_some(sock: &Socket, data: &[u8]) -> Result<usize, Errno> {
    loop {
        match rustix::io::write(sock, data) {
            Ok(n) => return Ok(n),
            Err(Errno::INTR) => {}
            Err(Errno::AGAIN) => return Ok(0),
            Err(e) => return Err(e),
        }
    }
}

pub fn describe(e: impl Into<io::Error>) -> String {
    crate::exit::describe_io(&e.into())
}
