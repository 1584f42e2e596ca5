//! `can gen`: cangen's load generator. Frames with random, incrementing or fixed ids, lengths
//! and data go out on one interface, at `--rate` frames a second (timer-driven on the reactor:
//! each wake-up sends every frame due by then, so high rates go out in batches) or as fast as
//! the interface takes them. The randomness is a xorshift64* generator seeded from the clock,
//! or from `--seed` to repeat a run frame for frame.

use std::io::{self, Write};
use std::time::{Duration, Instant};

use anyhow::Result;

use super::tx::{Events, Tx, is_interrupt};
use crate::can::{EFF_FLAG, EFF_MASK, FD_BRS, FD_MAX_DLEN, Frame, MAX_DLEN, RTR_FLAG, SFF_MASK};
use crate::cli::can::GenArgs;
use crate::cmd::usage;
use crate::exit::Code;

/// The payload lengths a CAN FD frame can have (its DLC values 0 to 15).
const FD_LENS: [u8; 16] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 32, 48, 64];
/// Fast loops look at the signal pipe once every this many frames.
const SIGNAL_EVERY: u64 = 64;

/// xorshift64* (Vigna): fast, good enough for test traffic, and repeatable from a seed.
#[derive(Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        // splitmix64 spreads small seeds (0, 1, 2...) over the state; the state must not be 0.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number below `n` (n > 0); the slight modulo bias does not matter here.
    fn below(&mut self, n: u64) -> u64 {
        (self.next() >> 11) % n
    }
}

/// How a field changes from frame to frame (cangen's `r`, `i` or a fixed value).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Mode<T> {
    Random,
    Increment,
    Fixed(T),
}

fn mode<T>(text: &str, what: &str, fixed: impl Fn(&str) -> Result<T, String>) -> Result<Mode<T>> {
    match text.to_ascii_uppercase().as_str() {
        "RANDOM" | "R" => Ok(Mode::Random),
        "INCREMENT" | "I" => Ok(Mode::Increment),
        _ => fixed(text)
            .map(Mode::Fixed)
            .map_err(|e| usage(format!("bad {what} '{text}': {e}"))),
    }
}

fn hex_id(t: &str) -> Result<u32, String> {
    if t.is_empty() || t.len() > 8 || !t.bytes().all(|c| c.is_ascii_hexdigit()) {
        return Err("expected RANDOM, INCREMENT or a hex id of 1 to 8 digits".into());
    }
    let v = u32::from_str_radix(t, 16).map_err(|e| e.to_string())?;
    if v > EFF_MASK {
        return Err(format!("{v:X} is over 1FFFFFFF"));
    }
    Ok(v)
}

fn hex_bytes(t: &str) -> Result<Vec<u8>, String> {
    let t = t.replace('.', "");
    if t.is_empty() || !t.len().is_multiple_of(2) || !t.bytes().all(|c| c.is_ascii_hexdigit()) {
        return Err("expected RANDOM, INCREMENT or hex byte pairs (11223344)".into());
    }
    if t.len() / 2 > FD_MAX_DLEN {
        return Err(format!("{} bytes, more than {FD_MAX_DLEN}", t.len() / 2));
    }
    (0..t.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&t[i..i + 2], 16).map_err(|e| e.to_string()))
        .collect()
}

/// What every frame is made from.
#[derive(Debug)]
pub struct Gen {
    id: Mode<u32>,
    data: Mode<Vec<u8>>,
    /// `None`: random.
    len: Option<u8>,
    extended: bool,
    fd: bool,
    brs: bool,
    rtr: bool,
    next_id: u32,
    counter: u64,
    rng: Rng,
}

impl Gen {
    pub fn from_args(a: &GenArgs, seed: u64) -> Result<Gen> {
        let fd = a.fd || a.brs;
        let id = mode(&a.id, "--id", hex_id)?;
        let data = mode(&a.data, "--data", hex_bytes)?;
        // A fixed id over 7FF can only be an extended one.
        let extended = a.extended || matches!(id, Mode::Fixed(v) if v > SFF_MASK);
        let max = if fd { FD_MAX_DLEN } else { MAX_DLEN };
        let len = match a.len.as_deref() {
            None => match &data {
                Mode::Fixed(d) => Some(d.len() as u8),
                _ => None,
            },
            Some(t) if t.eq_ignore_ascii_case("RANDOM") || t.eq_ignore_ascii_case("r") => None,
            Some(t) => {
                let n: u8 = t
                    .parse()
                    .ok()
                    .filter(|&n| usize::from(n) <= max && (!fd || FD_LENS.contains(&n)))
                    .ok_or_else(|| {
                        usage(format!(
                            "bad --len '{t}': expected RANDOM or {}",
                            if fd {
                                "a CAN FD length (0-8, 12, 16, 20, 24, 32, 48, 64)"
                            } else {
                                "0 to 8 (CAN FD frames, --fd, take up to 64)"
                            }
                        ))
                    })?;
                Some(n)
            }
        };
        if let (Mode::Fixed(d), None) = (&data, &a.len) {
            if d.len() > max {
                return Err(usage(format!(
                    "bad --data '{}': {} bytes, more than 8 (CAN FD frames, --fd, take up to 64)",
                    a.data,
                    d.len()
                )));
            }
            if fd && !FD_LENS.contains(&(d.len() as u8)) {
                return Err(usage(format!(
                    "bad --data '{}': {} bytes is not a CAN FD length (0-8, 12, 16, 20, 24, 32, 48, 64); give --len",
                    a.data,
                    d.len()
                )));
            }
        }
        Ok(Gen {
            id,
            data,
            len,
            extended,
            fd,
            brs: a.brs,
            rtr: a.rtr,
            next_id: 0,
            counter: 0,
            rng: Rng::new(seed),
        })
    }

    /// The next frame.
    pub fn frame(&mut self) -> Frame {
        let mask = if self.extended { EFF_MASK } else { SFF_MASK };
        let id = match self.id {
            Mode::Random => self.rng.next() as u32 & mask,
            Mode::Increment => {
                let v = self.next_id;
                self.next_id = (v + 1) & mask;
                v
            }
            Mode::Fixed(v) => v,
        };
        let mut f = Frame::new(if self.extended { id | EFF_FLAG } else { id }, &[]);
        f.fd = self.fd;
        if self.brs {
            f.flags = FD_BRS;
        }
        f.len = match self.len {
            Some(n) => n,
            None if self.fd => FD_LENS[self.rng.below(16) as usize],
            // As cangen: an incrementing payload is at least one byte long.
            None if self.data == Mode::Increment => 1 + self.rng.below(8) as u8,
            None => self.rng.below(9) as u8,
        };
        if self.rtr {
            f.can_id |= RTR_FLAG;
            return f;
        }
        let n = usize::from(f.len);
        match &self.data {
            Mode::Random => {
                for chunk in f.data[..n].chunks_mut(8) {
                    let r = self.rng.next().to_le_bytes();
                    chunk.copy_from_slice(&r[..chunk.len()]);
                }
            }
            Mode::Increment => {
                let c = self.counter.to_le_bytes();
                let k = n.min(8);
                f.data[..k].copy_from_slice(&c[..k]);
                self.counter = self.counter.wrapping_add(1);
            }
            Mode::Fixed(d) => {
                let k = n.min(d.len());
                f.data[..k].copy_from_slice(&d[..k]);
            }
        }
        f
    }
}

/// A seed from the clock and the pid, for runs without `--seed`.
fn clock_seed() -> u64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    (now.as_nanos() as u64) ^ (u64::from(std::process::id()) << 32)
}

pub fn run(args: &GenArgs) -> Result<Code> {
    let mut g = Gen::from_args(args, args.seed.unwrap_or_else(clock_seed))?;
    let mut tx = Tx::open(&args.iface, 0)?;
    let mut probe = Frame::new(0, &[]);
    probe.fd = g.fd;
    tx.check_fits(&probe)
        .map_err(|e| e.context("cannot generate CAN FD frames"))?;
    let mut ev = Events::new()?;
    let mut sent = 0u64;
    let started = Instant::now();
    match generate(args, &mut g, &mut tx, &mut ev, &mut sent, started) {
        Ok(()) => {
            if args.verbose {
                let secs = started.elapsed().as_secs_f64();
                let _ = writeln!(
                    io::stderr().lock(),
                    "{sent} frames sent in {secs:.3} s ({:.0} frames/s)",
                    sent as f64 / secs.max(1e-9)
                );
            }
            Ok(Code::Success)
        }
        Err(e) => {
            if is_interrupt(&e) {
                let _ = writeln!(io::stderr().lock(), "{sent} frames sent");
            }
            Err(e)
        }
    }
}

fn generate(
    args: &GenArgs,
    g: &mut Gen,
    tx: &mut Tx,
    ev: &mut Events,
    sent: &mut u64,
    started: Instant,
) -> Result<()> {
    while args.count.is_none_or(|c| *sent < c) {
        if let Some(rate) = args.rate {
            // Frame k is due at k / rate seconds after the start.
            let due_at = |k: u64| {
                started
                    + Duration::from_nanos(
                        (u128::from(k) * 1_000_000_000 / u128::from(rate)) as u64,
                    )
            };
            if due_at(*sent) > Instant::now() {
                ev.wait_until(due_at(*sent))?;
                continue;
            }
        }
        if sent.is_multiple_of(SIGNAL_EVERY) {
            ev.check_signal()?;
        }
        ev.send(tx, &g.frame())?;
        *sent += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::can::format;
    use crate::cli::can::CanCommand;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    fn gen_from(args: &[&str]) -> Result<Gen> {
        let argv = ["sockcli", "can", "gen", "vcan0"].iter().chain(args);
        let cli = Cli::try_parse_from(argv).map_err(|e| anyhow::anyhow!("{e}"))?;
        let Command::Can(c) = cli.command else {
            unreachable!()
        };
        let CanCommand::Gen(g) = c.command else {
            unreachable!()
        };
        Gen::from_args(&g, g.seed.unwrap_or(42))
    }

    fn frames(args: &[&str], n: usize) -> Vec<String> {
        let mut g = gen_from(args).unwrap();
        (0..n)
            .map(|_| {
                let mut s = String::new();
                format::compact(&g.frame(), &mut s);
                s
            })
            .collect()
    }

    #[test]
    fn increment_modes_follow_cangen() {
        // cangen -I i -D i -L 8 printed 000#0000000000000000, 001#0100000000000000, ...
        assert_eq!(
            frames(&["--id", "i", "--data", "INCREMENT", "--len", "8"], 3),
            [
                "000#0000000000000000",
                "001#0100000000000000",
                "002#0200000000000000"
            ]
        );
        // cangen -I i -D i -L 12 -f: the counter in the first 8 bytes of an FD frame.
        assert_eq!(
            frames(
                &["--id", "INCREMENT", "--data", "i", "--len", "12", "--fd"],
                2
            ),
            [
                "000##0000000000000000000000000",
                "001##0010000000000000000000000"
            ]
        );
        assert_eq!(
            frames(&["--id", "123", "--data", "11223344"], 2),
            ["123#11223344", "123#11223344"]
        );
        assert_eq!(
            frames(&["--id", "800", "--data", "11", "--len", "2"], 1),
            ["00000800#1100"]
        );
        assert_eq!(
            frames(&["--id", "1", "-e", "-R", "--len", "3"], 1),
            ["00000001#R3"]
        );
        assert_eq!(
            frames(&["--id", "7ff", "--brs", "--data", "AA", "--len", "1"], 1),
            ["7FF##1AA"]
        );
    }

    #[test]
    fn random_frames_stay_in_range_and_repeat_with_the_seed() {
        for args in [
            &[][..],
            &["-e"],
            &["--fd"],
            &["--fd", "-e", "--brs"],
            &["-R"],
        ] {
            let mut g = gen_from(args).unwrap();
            let mut lens = std::collections::BTreeSet::new();
            for _ in 0..2000 {
                let f = g.frame();
                let mask = if g.extended { EFF_MASK } else { SFF_MASK };
                assert_eq!(f.id() & !mask, 0, "{args:?} {f:?}");
                assert_eq!(f.is_extended(), g.extended);
                assert_eq!(f.fd, g.fd);
                if g.fd {
                    assert!(FD_LENS.contains(&f.len), "{f:?}");
                } else {
                    assert!(f.len as usize <= MAX_DLEN, "{f:?}");
                }
                lens.insert(f.len);
            }
            assert_eq!(lens.len(), if g.fd { 16 } else { 9 }, "{args:?}: {lens:?}");
        }
        let a = frames(&["--seed", "7", "--fd"], 50);
        assert_eq!(a, frames(&["--seed", "7", "--fd"], 50));
        assert_ne!(a, frames(&["--seed", "8", "--fd"], 50));
    }

    #[test]
    fn bad_values_are_usage_errors() {
        for (args, want) in [
            (
                &["--id", "G12"][..],
                "bad --id 'G12': expected RANDOM, INCREMENT or a hex id",
            ),
            (
                &["--id", "20000000"],
                "bad --id '20000000': 20000000 is over 1FFFFFFF",
            ),
            (
                &["--data", "123"],
                "bad --data '123': expected RANDOM, INCREMENT or hex byte pairs",
            ),
            (
                &["--data", "112233445566778899"],
                "bad --data '112233445566778899': 9 bytes, more than 8",
            ),
            (&["--len", "9"], "bad --len '9': expected RANDOM or 0 to 8"),
            (
                &["--len", "10", "--fd"],
                "bad --len '10': expected RANDOM or a CAN FD length",
            ),
            (
                &["--fd", "--data", "112233445566778899"],
                "9 bytes is not a CAN FD length",
            ),
        ] {
            let e = gen_from(args).unwrap_err();
            assert!(e.to_string().contains(want), "{args:?}: {e}");
            assert_eq!(crate::exit::classify(&e), Code::Usage, "{args:?}");
        }
        assert!(gen_from(&["-R", "--fd"]).is_err());
    }
}
