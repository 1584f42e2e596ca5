//! The server's state machines on real socketpairs: queue levels and the stall clock, the
//! full count, slot reuse, and the idle and stall timers' re-arm rules (with a real reactor).

use std::io::Read;
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use socket2::Socket;

use super::conn::{Conn, Conns, Fired, QUEUE_LIMIT, Queue, STALL_LIMIT, Slab, State};
use crate::event::flow::Flow;
use crate::event::reactor::{Reactor, Watch};

/// Our end as a non-blocking Socket, and the peer's end (blocking, for the test to read).
fn pair() -> (Socket, UnixStream) {
    let (a, b) = UnixStream::pair().unwrap();
    a.set_nonblocking(true).unwrap();
    (Socket::from(OwnedFd::from(a)), b)
}

fn hub_conn(now: Instant) -> (Conn, UnixStream) {
    let (s, peer) = pair();
    let c = Conn::new(
        s,
        "peer".into(),
        State::Hub(Queue::default()),
        Watch::new(0),
        now,
    );
    (c, peer)
}

/// Read what is there without blocking for long.
fn drain(peer: &mut UnixStream, max: usize) -> usize {
    peer.set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0;
    while total < max {
        match peer.read(&mut buf[..(max - total).min(64 * 1024)]) {
            Ok(0) | Err(_) => break,
            Ok(n) => total += n,
        }
    }
    total
}

#[test]
fn queue_levels_stall_clock_and_flush() {
    let (s, mut peer) = pair();
    let mut q = Queue::default();
    let t0 = Instant::now();
    // Under the limit: written at once or queued, never full.
    q.offer(&s, &[1u8; 1000], t0).unwrap();
    assert!(!q.full() && q.stalled_since.is_none());
    // The peer does not read: 2 MiB cannot all go out, the rest queues over the limit.
    let big = vec![7u8; 2 * QUEUE_LIMIT];
    q.offer(&s, &big, t0).unwrap();
    assert!(q.full());
    assert_eq!(q.stalled_since, Some(t0));
    let queued = q.queued();
    assert_eq!(q.bytes_out as usize + queued, 1000 + big.len());
    // More time passes without a byte taken: the clock keeps its start.
    let t1 = t0 + Duration::from_secs(1);
    q.note_level(t1);
    assert_eq!(q.stalled_since, Some(t0));
    // Nothing taken: flush writes nothing and the clock runs on.
    q.flush(&s).unwrap();
    q.note_level(t1);
    assert_eq!(q.stalled_since, Some(t0));
    // The peer takes some: flush moves bytes, and the clock restarts (or stops).
    let took = drain(&mut peer, 256 * 1024);
    assert!(took > 0);
    q.flush(&s).unwrap();
    q.note_level(t1);
    assert!(q.stalled_since.is_none_or(|t| t == t1), "clock restarted");
    // The peer reads everything: the queue empties and frees its buffer.
    let mut seen = took;
    while q.queued() > 0 {
        seen += drain(&mut peer, usize::MAX);
        q.flush(&s).unwrap();
    }
    seen += drain(&mut peer, usize::MAX);
    q.note_level(t1);
    assert!(!q.full() && q.stalled_since.is_none());
    assert_eq!(seen, 1000 + big.len());
    assert_eq!(q.bytes_out as usize, seen);
    // A gone peer is an error.
    drop(peer);
    assert!(q.offer(&s, b"x", t1).is_err());
}

/// A client that reads, but always a queue's worth behind: 64 MiB pass through its queue and
/// the queue's memory stays about its limit (a `Vec` cleared only when empty held all 64 MiB).
#[test]
fn a_lagging_reader_keeps_its_queue_memory_bounded() {
    let (s, mut peer) = pair();
    let mut q = Queue::default();
    let now = Instant::now();
    let chunk = vec![5u8; 64 * 1024];
    while !q.full() {
        q.offer(&s, &chunk, now).unwrap();
    }
    let mut most = 0;
    for _ in 0..1024 {
        assert_eq!(drain(&mut peer, chunk.len()), chunk.len());
        q.flush(&s).unwrap();
        assert!(q.queued() > 0, "the reader stays behind");
        if !q.full() {
            q.offer(&s, &chunk, now).unwrap();
        }
        most = most.max(q.capacity());
    }
    assert!(
        most <= 2 * QUEUE_LIMIT + 2 * chunk.len(),
        "a queue of at most {} bytes held {most} bytes of memory",
        QUEUE_LIMIT + chunk.len()
    );
}

#[test]
fn slab_reuses_freed_slots() {
    let mut slab = Slab::default();
    let a = slab.insert("a");
    let b = slab.insert("b");
    let c = slab.insert("c");
    assert_eq!((a, b, c), (0, 1, 2));
    assert_eq!(slab.remove(b), Some("b"));
    assert_eq!(slab.remove(b), None);
    assert_eq!(slab.get(b), None);
    assert_eq!(slab.len(), 2);
    assert_eq!(slab.insert("d"), b, "the freed slot is reused");
    assert_eq!(slab.insert("e"), 3);
    assert_eq!(slab.slots().collect::<Vec<_>>(), [0, 1, 2, 3]);
    slab.remove(0);
    slab.remove(2);
    assert_eq!(slab.slots().collect::<Vec<_>>(), [1, 3]);
    assert_eq!(slab.len(), 2);
    assert!(!slab.is_empty());
}

#[test]
fn full_count_follows_queues_closes_and_removals() {
    let now = Instant::now();
    let mut conns = Conns::default();
    let mut peers = Vec::new();
    let mut slots = Vec::new();
    for _ in 0..3 {
        let (c, p) = hub_conn(now);
        slots.push(conns.insert(c));
        peers.push(p);
    }
    let mut dirty = Vec::new();
    conns.take_dirty(&mut dirty);
    assert_eq!(dirty, slots);
    assert!(!conns.any_full());
    let big = vec![0u8; 2 * QUEUE_LIMIT];
    // Two clients over the limit.
    for &i in &slots[..2] {
        conns.get_mut(i).unwrap().offer(&big, now);
        conns.changed(i);
        conns.changed(i);
    }
    assert!(conns.any_full());
    conns.take_dirty(&mut dirty);
    assert_eq!(dirty, slots[..2], "each changed client listed once");
    // One gets a reason to close: no longer counted, listed for closing once.
    conns.get_mut(slots[0]).unwrap().closing = Some("gone".into());
    conns.changed(slots[0]);
    conns.changed(slots[0]);
    assert!(conns.any_full());
    assert_eq!(conns.take_closing(), [slots[0]]);
    assert!(conns.take_closing().is_empty());
    // The other catches up: its peer reads everything, the queue drains.
    let c = conns.get_mut(slots[1]).unwrap();
    let State::Hub(q) = &mut c.state else {
        unreachable!()
    };
    while q.queued() > 0 {
        drain(&mut peers[1], usize::MAX);
        q.flush(&c.sock).unwrap();
    }
    conns.changed(slots[1]);
    assert!(!conns.any_full());
    // Full again, then removed: the count forgets it.
    conns.get_mut(slots[2]).unwrap().offer(&big, now);
    conns.changed(slots[2]);
    assert!(conns.any_full());
    assert!(conns.remove(slots[2]).is_some());
    assert!(!conns.any_full());
    assert_eq!(conns.len(), 2);
    // A stall timer was asked for each client that went over the limit, once.
    let timers = conns.take_stall_timers();
    assert_eq!(
        timers.iter().map(|t| t.0).collect::<Vec<_>>(),
        [slots[0], slots[1], slots[2]]
    );
    assert!(timers.iter().all(|t| t.1 == now + STALL_LIMIT));
}

#[test]
fn idle_timer_rearms_after_activity_and_expires_after_silence() {
    let idle = Duration::from_millis(40);
    let mut r = Reactor::new().unwrap();
    let t0 = Instant::now();
    let (s, _peer) = pair();
    let mut c = Conn::new(
        s,
        "p".into(),
        State::Echo(Flow::copy(false)),
        Watch::new(0),
        t0,
    );
    c.idle_due = Some(t0 + idle);
    r.timer(t0 + idle, 1);
    // Traffic halfway through: the timer fires, finds the client active, re-arms.
    c.last_activity = t0 + idle / 2;
    let (mut ready, mut fired) = (Vec::new(), Vec::new());
    let mut verdicts = Vec::new();
    while verdicts.last() != Some(&Fired::Expired) && t0.elapsed() < Duration::from_secs(5) {
        r.wait(None, &mut ready, &mut fired).unwrap();
        for _ in fired.drain(..) {
            let v = c.fire_idle(Instant::now(), idle);
            if let Fired::Rearm(due) = v {
                r.timer(due, 1);
            }
            verdicts.push(v);
        }
        // One timer per client, however often it re-arms.
        assert!(r.timers_armed() <= 1);
    }
    assert_eq!(
        verdicts,
        [Fired::Rearm(t0 + idle / 2 + idle), Fired::Expired]
    );
    assert!(t0.elapsed() >= idle / 2 + idle);
    assert_eq!(c.idle_due, None);
}

#[test]
fn a_timer_of_an_earlier_client_in_the_slot_is_stale() {
    let idle = Duration::from_secs(10);
    let t0 = Instant::now();
    let (mut c, _peer) = hub_conn(t0);
    // This client's idle timer is due in 10 s; an earlier client's fires now.
    c.idle_due = Some(t0 + idle);
    assert_eq!(c.fire_idle(t0 + Duration::from_secs(1), idle), Fired::Stale);
    assert_eq!(c.idle_due, Some(t0 + idle));
    // No stall timer armed: a stall timer firing is stale too.
    assert_eq!(c.fire_stall(t0 + Duration::from_secs(1)), Fired::Stale);
    // Its own timer, after 10 s of silence: expired.
    assert_eq!(c.fire_idle(t0 + idle, idle), Fired::Expired);
}

#[test]
fn stall_timer_rearms_while_reading_and_expires_when_stuck() {
    let t0 = Instant::now();
    let (mut c, mut peer) = hub_conn(t0);
    let big = vec![0u8; 2 * QUEUE_LIMIT];
    c.offer(&big, t0);
    assert_eq!(c.stall_timer_wanted(), Some(t0 + STALL_LIMIT));
    assert_eq!(c.stall_timer_wanted(), None, "one timer at a time");
    // It took some bytes at t0 + 1 s: the clock restarted, so the timer re-arms.
    let t1 = t0 + Duration::from_secs(1);
    drain(&mut peer, 64 * 1024);
    let State::Hub(q) = &mut c.state else {
        unreachable!()
    };
    q.flush(&c.sock).unwrap();
    q.note_level(t1);
    assert!(q.full());
    let t2 = t0 + STALL_LIMIT;
    assert_eq!(c.fire_stall(t2), Fired::Rearm(t1 + STALL_LIMIT));
    // Nothing more taken: its time is up.
    assert_eq!(c.fire_stall(t1 + STALL_LIMIT), Fired::Expired);
    assert_eq!(c.stall_due, None);
}
