//! The peers a datagram listener sends stdin to: the last one heard, or with `-k` every one
//! heard, up to `--max-conns` (further ones are refused) or, without it, the [`TABLE`] heard
//! from most recently (the longest silent is forgotten).
//!
//! Every datagram looks its sender up, so the table is a hash map, and forgetting the longest
//! silent peer is the front of a log of hearings, not a scan: a flood from thousands of source
//! addresses costs O(1) per datagram (a linear table cost 4,096 comparisons each, 2.7 ms per
//! datagram in a debug build).

use std::collections::{HashMap, VecDeque};

use socket2::SockAddr;

/// Peers remembered for `-k` without `--max-conns`.
pub const TABLE: usize = 4096;

pub enum Heard {
    New,
    Known,
    /// `--max-conns` is reached: the datagram is dropped.
    Full,
}

pub struct Peers {
    keep_open: bool,
    max: Option<usize>,
    /// The peers, each with the tick it was last heard at, in slots that stay put (freed
    /// slots are reused), so the log can name a peer in a few bytes.
    slots: Vec<Option<(SockAddr, u64)>>,
    free: Vec<usize>,
    /// Each peer's slot.
    known: HashMap<SockAddr, usize>,
    /// Hearings in order (slot, tick); one whose tick is not its slot's latest is stale.
    /// Compacted when stale ones are the majority, so it stays under twice the table plus a
    /// little.
    log: VecDeque<(usize, u64)>,
    tick: u64,
}

impl Peers {
    pub fn new(keep_open: bool, max: Option<usize>) -> Peers {
        Peers {
            keep_open,
            max,
            slots: Vec::new(),
            free: Vec::new(),
            known: HashMap::new(),
            log: VecDeque::new(),
            tick: 0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.known.is_empty()
    }

    /// Slots to walk with [`Peers::at`] (some may be empty).
    pub fn slot_count(&self) -> usize {
        self.slots.len()
    }

    /// The peer in slot `i`, if any.
    pub fn at(&self, i: usize) -> Option<&SockAddr> {
        self.slots.get(i)?.as_ref().map(|(a, _)| a)
    }

    /// A datagram came from `from`.
    pub fn heard(&mut self, from: &SockAddr) -> Heard {
        self.tick += 1;
        let tick = self.tick;
        if let Some(&slot) = self.known.get(from) {
            if let Some((_, t)) = &mut self.slots[slot] {
                *t = tick;
            }
            self.note(slot, tick);
            return Heard::Known;
        }
        let len = self.known.len();
        if !self.keep_open {
            self.slots.clear();
            self.free.clear();
            self.known.clear();
            self.log.clear();
        } else if self.max.is_some_and(|m| len >= m) {
            return Heard::Full;
        } else if len >= TABLE {
            self.forget_longest_silent();
        }
        let entry = Some((from.clone(), tick));
        let slot = match self.free.pop() {
            Some(i) => {
                self.slots[i] = entry;
                i
            }
            None => {
                self.slots.push(entry);
                self.slots.len() - 1
            }
        };
        self.known.insert(from.clone(), slot);
        self.note(slot, tick);
        Heard::New
    }

    fn is_latest(&self, slot: usize, tick: u64) -> bool {
        matches!(self.slots.get(slot), Some(Some((_, t))) if *t == tick)
    }

    fn note(&mut self, slot: usize, tick: u64) {
        // Only a `-k` table that may outgrow TABLE forgets by age; others need no log.
        if !self.keep_open || self.max.is_some_and(|m| m <= TABLE) {
            return;
        }
        self.log.push_back((slot, tick));
        if self.log.len() > 2 * self.known.len() + 64 {
            let log = std::mem::take(&mut self.log);
            self.log = log
                .into_iter()
                .filter(|&(s, t)| self.is_latest(s, t))
                .collect();
        }
    }

    fn forget_longest_silent(&mut self) {
        while let Some((slot, tick)) = self.log.pop_front() {
            if self.is_latest(slot, tick) {
                if let Some((a, _)) = self.slots[slot].take() {
                    self.known.remove(&a);
                }
                self.free.push(slot);
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::SocketAddr;

    fn addr(i: usize) -> SockAddr {
        SockAddr::from(SocketAddr::from(([127, 2, (i >> 8) as u8, i as u8], 9)))
    }

    #[test]
    fn keeps_the_most_recently_heard_and_forgets_the_longest_silent() {
        let mut p = Peers::new(true, None);
        for i in 0..TABLE {
            assert!(matches!(p.heard(&addr(i)), Heard::New));
        }
        // Peer 0 speaks again: peer 1 is now the longest silent.
        assert!(matches!(p.heard(&addr(0)), Heard::Known));
        assert!(matches!(p.heard(&addr(TABLE)), Heard::New));
        assert_eq!(p.known.len(), TABLE);
        assert!(p.known.contains_key(&addr(0)) && !p.known.contains_key(&addr(1)));
        // 20,000 more: the table holds the last 4,096, and its log stays small.
        for i in TABLE + 1..TABLE + 20_000 {
            p.heard(&addr(i));
            p.heard(&addr(i));
            assert!(p.log.len() <= 2 * TABLE + 64);
        }
        assert_eq!(p.known.len(), TABLE);
        assert_eq!(p.slot_count(), TABLE, "freed slots are reused");
        let last = TABLE + 20_000;
        for i in last - TABLE..last {
            assert!(p.known.contains_key(&addr(i)), "peer {i}");
        }
        for (a, &slot) in &p.known {
            assert_eq!(p.at(slot), Some(a), "slot of {a:?}");
        }
    }

    #[test]
    fn max_conns_refuses_new_peers_and_one_peer_mode_keeps_the_last() {
        let mut p = Peers::new(true, Some(2));
        assert!(matches!(p.heard(&addr(1)), Heard::New));
        assert!(matches!(p.heard(&addr(2)), Heard::New));
        assert!(matches!(p.heard(&addr(3)), Heard::Full));
        assert!(matches!(p.heard(&addr(1)), Heard::Known));
        assert_eq!((p.at(0), p.at(1)), (Some(&addr(1)), Some(&addr(2))));
        let mut one = Peers::new(false, None);
        one.heard(&addr(1));
        assert!(matches!(one.heard(&addr(2)), Heard::New));
        assert!(matches!(one.heard(&addr(2)), Heard::Known));
        assert_eq!((one.slot_count(), one.at(0)), (1, Some(&addr(2))));
    }
}
