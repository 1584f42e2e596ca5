//! `sockcli conv`: every op against Python's `socket`/`struct` (glibc underneath) on thousands
//! of seeded random values, in argv and stdin mode; formats, JSON, errors, streaming, EPIPE.
//!
//! The random cases are generated here and sent to ONE Python process per test over stdin
//! (`ORACLE_PY`), which answers each with its result or `ERR`.

use crate::ensure;
use crate::util::*;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

fn conv(args: &[&str]) -> Command {
    let mut c = sockcli();
    c.arg("conv").args(args);
    c
}

/// A seeded random stream drawn from `xorshift_bytes`.
struct Rng {
    pool: Vec<u8>,
    pos: usize,
    seed: u64,
}

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng {
            pool: Vec::new(),
            pos: 0,
            seed,
        }
    }
    fn next(&mut self) -> u64 {
        if self.pos + 8 > self.pool.len() {
            self.seed = self.seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
            self.pool = xorshift_bytes(1 << 16, self.seed);
            self.pos = 0;
        }
        let v = u64::from_le_bytes(self.pool[self.pos..self.pos + 8].try_into().unwrap());
        self.pos += 8;
        v
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// Answers lines `KIND<TAB>VALUE` with one line each: the result or `ERR`.
/// Byte-order kinds answer `dec hex bin bytes-as-hex`, the C library's and struct's results.
const ORACLE_PY: &str = r#"
import socket, struct, sys
W = {'htons': 16, 'ntohs': 16, 'htonl': 32, 'ntohl': 32, 'htonll': 64, 'ntohll': 64}
F = {16: 'H', 32: 'I', 64: 'Q'}
def num(op, v):
    w = W[op]
    if op == 'htons': r = socket.htons(v)
    elif op == 'ntohs': r = socket.ntohs(v)
    elif op == 'htonl': r = socket.htonl(v)
    elif op == 'ntohl': r = socket.ntohl(v)
    elif op == 'htonll': r = struct.unpack('=Q', struct.pack('>Q', v))[0]
    else: r = struct.unpack('>Q', struct.pack('=Q', v))[0]
    return '%d 0x%0*x 0b%s %s' % (r, w // 4, r, format(r, '0%db' % w), struct.pack('=' + F[w], r).hex())
out = []
for line in sys.stdin:
    kind, v = line.rstrip('\n').split('\t', 1)
    try:
        if kind in W: res = num(kind, int(v))
        elif kind == 'aton': res = socket.inet_aton(v).hex()
        elif kind == 'pton4': res = socket.inet_pton(socket.AF_INET, v).hex()
        elif kind == 'pton6': res = socket.inet_pton(socket.AF_INET6, v).hex()
        elif kind == 'ntoa': res = socket.inet_ntoa(bytes.fromhex(v))
        elif kind == 'ntop4': res = socket.inet_ntop(socket.AF_INET, bytes.fromhex(v))
        elif kind == 'ntop6': res = socket.inet_ntop(socket.AF_INET6, bytes.fromhex(v))
        else: raise SystemExit('unknown kind ' + kind)
    except (OSError, ValueError):
        res = 'ERR'
    out.append(res)
sys.stdout.write('\n'.join(out) + '\n')
"#;

/// Python's answer for every (kind, value), in order.
fn oracle(cases: &[(&str, String)]) -> Vec<String> {
    let input: String = cases
        .iter()
        .map(|(k, v)| {
            assert!(!v.contains('\n'), "{v:?}");
            format!("{k}\t{v}\n")
        })
        .collect();
    let o = run(&mut python(ORACLE_PY, &[]), Some(input.as_bytes()));
    o.expect_code(0);
    let lines: Vec<String> = o.stdout_str().lines().map(String::from).collect();
    ensure!(o, lines.len() == cases.len(), "one answer per case");
    lines
}

/// Stdin mode on `inputs` (one per line): stdout must be the non-`ERR` answers in order, and
/// stderr must report exactly the `ERR` lines, by number; exit 2 when there are any.
#[track_caller]
fn check_filter(args: &[&str], inputs: &[String], want: &[String]) {
    assert_eq!(inputs.len(), want.len());
    let input: String = inputs.iter().map(|v| format!("{v}\n")).collect();
    let o = run(&mut conv(args), Some(input.as_bytes()));
    let got: Vec<String> = o.stdout_str().lines().map(String::from).collect();
    let good: Vec<(&String, &String)> = inputs
        .iter()
        .zip(want)
        .filter(|(_, w)| *w != "ERR")
        .collect();
    for (i, (input, w)) in good.iter().enumerate() {
        let g = got.get(i).map_or("<nothing>", String::as_str);
        ensure!(o, g == *w, "input {input:?}: want {w:?}, got {g:?}");
    }
    ensure!(
        o,
        got.len() == good.len(),
        "{} output lines for {} good inputs",
        got.len(),
        good.len()
    );
    let bad_want: Vec<usize> = (0..want.len())
        .filter(|&i| want[i] == "ERR")
        .map(|i| i + 1)
        .collect();
    let bad_got: Vec<usize> = o
        .stderr_str()
        .lines()
        .map(|l| {
            let n = l.split(": line ").nth(1).and_then(|r| r.split(':').next());
            n.and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("not a bad-line report: {l:?}\n{o}"))
        })
        .collect();
    if bad_got != bad_want {
        let i = (0..).find(|&i| bad_got.get(i) != bad_want.get(i)).unwrap();
        let n = match (bad_got.get(i), bad_want.get(i)) {
            (Some(g), Some(w)) => *g.min(w),
            (g, w) => *g.or(w).unwrap(),
        };
        panic!(
            "bad lines differ: {} reported, {} expected; first difference at line {n}: {:?}, \
             python says {:?}\n{o}",
            bad_got.len(),
            bad_want.len(),
            inputs[n - 1],
            want[n - 1]
        );
    }
    o.expect_code(if bad_want.is_empty() { 0 } else { 2 });
}

// ---------------------------------------------------------------- byte order

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

const NUM_OPS: [(&str, u32); 6] = [
    ("htons", 16),
    ("ntohs", 16),
    ("htonl", 32),
    ("ntohl", 32),
    ("htonll", 64),
    ("ntohll", 64),
];

/// Values of every size up to `bits`, the edges included.
fn random_values(rng: &mut Rng, bits: u32, n: usize) -> Vec<u64> {
    let max = u64::MAX >> (64 - bits);
    let mut v = vec![0, 1, max, max - 1, max >> 1, (max >> 1) + 1, 0xff, 0x100];
    while v.len() < n {
        let x = rng.next() & max;
        // A random shift: as many small values as large ones.
        v.push(x >> rng.below(bits as u64));
    }
    v
}

/// `v` as a user might type it: decimal, 0x/0X (digits in either case), 0o or 0b.
fn spelled(rng: &mut Rng, v: u64) -> String {
    match rng.below(6) {
        0 => format!("0x{v:x}"),
        1 => format!("0X{v:X}"),
        2 => format!("0x{v:0>20x}"),
        3 => format!("0o{v:o}"),
        4 => format!("0b{v:b}"),
        _ => v.to_string(),
    }
}

#[test]
fn byte_order_ops_match_python_on_random_values_in_argv_and_stdin_mode() {
    if !require_tool("python3") {
        return;
    }
    let mut rng = Rng::new(0xc0_4e_17);
    let per_op = 2000;
    let mut cases = Vec::new();
    let mut typed = Vec::new();
    for (op, bits) in NUM_OPS {
        for v in random_values(&mut rng, bits, per_op) {
            cases.push((op, v.to_string()));
            typed.push(spelled(&mut rng, v));
        }
    }
    let answers = oracle(&cases);
    for (k, (op, _)) in NUM_OPS.iter().enumerate() {
        let range = k * per_op..(k + 1) * per_op;
        let typed = &typed[range.clone()];
        let fields: Vec<Vec<&str>> = answers[range]
            .iter()
            .map(|a| a.split(' ').collect())
            .collect();
        let column =
            |i: usize| -> String { fields.iter().map(|f| format!("{}\n", f[i])).collect() };
        // argv: every format as text; the first and the last value are the edges 0 and max.
        for (format, i) in [("dec", 0), ("hex", 1), ("bin", 2)] {
            let o = run(conv(&[op, "--format", format]).args(typed), None);
            o.expect_code(0).expect_stdout(column(i).as_bytes());
        }
        let o = run(conv(&[op]).args(typed), None);
        o.expect_code(0).expect_stdout(column(0).as_bytes());
        // stdin: CRLF and surrounding blanks on some lines change nothing.
        let input: String = typed
            .iter()
            .enumerate()
            .map(|(i, t)| match i % 4 {
                0 => format!("{t}\r\n"),
                1 => format!("  {t}\t\n"),
                _ => format!("{t}\n"),
            })
            .collect();
        let o = run(&mut conv(&[op, "-"]), Some(input.as_bytes()));
        o.expect_code(0).expect_stdout(column(0).as_bytes());
        // --format bytes: the result as this host stores it (struct's '=' order).
        let want: Vec<u8> = fields.iter().flat_map(|f| unhex(f[3])).collect();
        let o = run(
            &mut conv(&[op, "--format", "bytes"]),
            Some(input.as_bytes()),
        );
        o.expect_code(0).expect_stdout(&want);
    }
}

#[test]
fn out_of_range_values_exit_2_naming_the_value_and_the_range() {
    for (op, value, range) in [
        ("htons", "70000", "0 to 65535"),
        ("ntohs", "65536", "0 to 65535"),
        ("htons", "0x10000", "0 to 65535"),
        ("htonl", "4294967296", "0 to 4294967295"),
        (
            "ntohl",
            "0b100000000000000000000000000000000",
            "0 to 4294967295",
        ),
        (
            "htonll",
            "18446744073709551616",
            "0 to 18446744073709551615",
        ),
        ("ntohll", "0x10000000000000000", "0 to 18446744073709551615"),
    ] {
        let o = run(&mut conv(&[op, value]), None);
        o.expect_code(2).expect_stdout(b"");
        let line = o.expect_one_error_line();
        ensure!(
            o,
            line.contains(&format!("'{value}'")),
            "names the value: {line}"
        );
        ensure!(o, line.contains(range), "names the range: {line}");
    }
    // A bad value anywhere on the command line: nothing is printed.
    let o = run(&mut conv(&["htons", "1", "70000", "2"]), None);
    o.expect_code(2).expect_stdout(b"");
    ensure!(o, o.expect_one_error_line().contains("'70000'"));
}

#[test]
fn malformed_numbers_exit_2() {
    for value in [
        "", "-1", "+1", "0x", "0o", "0b", "1 2", " 1", "1_000", "0b2", "0o8", "abc", "1e3", "0x1g",
        "١",
    ] {
        let o = run(&mut conv(&["htonl", value]), None);
        o.expect_code(2).expect_stdout(b"");
        let line = o.expect_one_error_line();
        ensure!(o, line.contains("is not a number"), "{line}");
    }
    // Prefixes are case-insensitive and a leading zero is still decimal.
    let o = run(
        &mut conv(&["ntohs", "0X100", "0O400", "0B100000000", "0256"]),
        None,
    );
    o.expect_code(0).expect_stdout(b"1\n1\n1\n1\n");
}

// ---------------------------------------------------------------- aton

/// Forms glibc accepts and forms it rejects; each runs on the command line as typed.
const ATON_FORMS: &[&str] = &[
    "123.45.67.89",
    "127.1",
    "0x7f.1",
    "0X7F.0X1",
    "127.0.1",
    "1.2.65535",
    "1.16777215",
    "4294967295",
    "0xffffffff",
    "037777777777",
    "017700000001",
    "0",
    "00",
    "0x0",
    "1.2.3.0377",
    "0x0000000000000000ff.1",
    "1.2.3.4 junk",
    "1.2.3.4\tjunk",
    "1.2.3.4 ",
    "1.2.3.4\x0bx",
    "1 .2",
    "255.255.255.255",
    // rejected by glibc
    "256.1.1.1",
    "1.2.3.4.5",
    "0x",
    "08",
    "09",
    "0x.1",
    "",
    " ",
    "1..2",
    "1.",
    ".1",
    "1.2.3.",
    " 1.2.3.4",
    "1.2.3.4x",
    "1.2.3.256",
    "1.2.65536",
    "1.16777216",
    "4294967296",
    "0x100000000",
    "1.2.3.0400",
    "1. 2",
    "+1",
    "-1",
    "0xg",
    "1e1",
    "99999999999999999999999",
    "1.2.3.4\u{a0}x",
    "a.b.c.d",
    "1:2",
    "١.2.3.4",
];

#[test]
fn aton_accepts_exactly_the_forms_python_inet_aton_accepts() {
    if !require_tool("python3") {
        return;
    }
    let cases: Vec<(&str, String)> = ATON_FORMS.iter().map(|f| ("aton", f.to_string())).collect();
    let answers = oracle(&cases);
    assert!(answers.iter().any(|a| a == "ERR") && answers.iter().any(|a| a != "ERR"));
    for (form, want) in ATON_FORMS.iter().zip(&answers) {
        let o = run(&mut conv(&["aton", form]), None);
        if want == "ERR" {
            o.expect_code(2).expect_stdout(b"");
            let line = o.expect_one_error_line();
            ensure!(o, line.contains("inet_aton"), "{form:?}: {line}");
        } else {
            o.expect_code(0)
                .expect_stdout(format!("{want}\n").as_bytes());
        }
    }
}

/// One part of an aton address, of value `v`, in a random radix (and now and then a bad one).
fn aton_part(rng: &mut Rng, v: u64) -> String {
    match rng.below(20) {
        0..=5 => format!("0x{v:x}"),
        6 => format!("0X{:0>width$X}", v, width = rng.below(12) as usize),
        7..=10 => format!("0{v:o}"),
        11 => "0x".into(),
        12 => format!("0{v}9"),
        _ => v.to_string(),
    }
}

#[test]
fn aton_matches_python_on_random_forms() {
    if !require_tool("python3") {
        return;
    }
    let mut rng = Rng::new(0xa7_04);
    let mut inputs = Vec::new();
    while inputs.len() < 4000 {
        let most = if rng.chance(5) { 5 } else { 4 };
        let parts = 1 + rng.below(most) as u32;
        let mut text = Vec::new();
        for p in 0..parts {
            let last = p + 1 == parts;
            let bits = if last {
                8 * (4 - (parts - 1).min(3))
            } else {
                8
            };
            // Mostly in range; sometimes just over.
            let max = (1u64 << bits) - 1;
            let v = match rng.below(10) {
                0 => max + 1 + rng.below(300),
                1 => max,
                _ => rng.below(max + 1) >> rng.below(bits as u64),
            };
            text.push(aton_part(&mut rng, v));
        }
        let mut s = text.join(".");
        match rng.below(25) {
            0 => s.push_str(" junk"),
            1 => s.push_str("\tx y"),
            2 => s.push('x'),
            3 => s.push('.'),
            4 => s = s.replacen('.', "..", 1),
            _ => {}
        }
        inputs.push(s);
    }
    let cases: Vec<(&str, String)> = inputs.iter().map(|s| ("aton", s.clone())).collect();
    let want = oracle(&cases);
    let bad = want.iter().filter(|w| *w == "ERR").count();
    assert!(
        bad > 200 && bad < 3000,
        "a useful mix: {bad} of 4000 rejected"
    );
    check_filter(&["aton"], &inputs, &want);
}

// ---------------------------------------------------------------- pton / ntop

/// Random addresses with zero runs of random length, the IPv4 forms glibc prints specially,
/// and uniform ones.
fn random_v6(rng: &mut Rng) -> [u16; 8] {
    let mut w = [0u16; 8];
    for x in w.iter_mut() {
        *x = rng.next() as u16 >> rng.below(16);
    }
    match rng.below(8) {
        0 => {
            // ::a.b.c.d and friends: 96 zero bits, then anything (often small).
            w[..6].fill(0);
            w[6] = match rng.below(3) {
                0 => 0,
                1 => w[6] & 3,
                _ => w[6],
            };
            w[7] = match rng.below(4) {
                0 => 0,
                1 => 1,
                2 => w[7] & 0xff,
                _ => w[7],
            };
        }
        1 => {
            w[..5].fill(0);
            w[5] = if rng.chance(80) { 0xffff } else { 0xfffe };
            if rng.chance(30) {
                w[6] = 0;
            }
        }
        2 => {}
        _ => {
            // Zero each group with a chance, and sometimes one run of zeros.
            for x in w.iter_mut() {
                if rng.chance(40) {
                    *x = 0;
                }
            }
            let start = rng.below(8) as usize;
            let len = rng.below(9 - start as u64) as usize;
            w[start..start + len].fill(0);
        }
    }
    w
}

fn hex16(w: &[u16; 8]) -> String {
    w.iter().map(|x| format!("{x:04x}")).collect()
}

/// `w` as text, in one of the many spellings inet_pton takes, and now and then a broken one.
fn spell_v6(rng: &mut Rng, w: &[u16; 8]) -> String {
    let dotted = rng.chance(20);
    let groups = if dotted { 6 } else { 8 };
    let mut parts: Vec<String> = w[..groups]
        .iter()
        .map(|x| {
            let width = rng.below(5) as usize;
            if rng.chance(50) {
                format!("{x:0width$x}")
            } else {
                format!("{x:0width$X}")
            }
        })
        .collect();
    let mut text = if rng.chance(70) {
        // Compress a random run of zero groups (maybe not the longest, maybe of one group).
        let runs: Vec<(usize, usize)> = (0..groups)
            .filter(|&i| w[i] == 0 && (i == 0 || w[i - 1] != 0))
            .map(|i| (i, (i..groups).take_while(|&j| w[j] == 0).count()))
            .collect();
        match runs.is_empty() {
            true => parts.join(":"),
            false => {
                let (at, len) = *rng.pick(&runs);
                let len = 1 + rng.below(len as u64) as usize;
                let tail = parts.split_off(at + len);
                parts.truncate(at);
                format!("{}::{}", parts.join(":"), tail.join(":"))
            }
        }
    } else {
        parts.join(":")
    };
    if dotted {
        let b = [w[6] >> 8, w[6] & 0xff, w[7] >> 8, w[7] & 0xff];
        if !text.ends_with(':') {
            text.push(':');
        }
        text.push_str(&format!("{}.{}.{}.{}", b[0], b[1], b[2], b[3]));
    }
    if rng.chance(30) {
        let mut bytes = text.into_bytes();
        let at = rng.below(bytes.len() as u64 + 1) as usize;
        let junk = *rng.pick(b":.0123456789abcdefABCDEFg%");
        match rng.below(5) {
            0 if at < bytes.len() => {
                bytes.remove(at);
            }
            1 => bytes.extend_from_slice(b"%eth0"),
            2 => bytes.insert(at, b':'),
            _ => bytes.insert(at, junk),
        }
        text = String::from_utf8(bytes).unwrap();
    }
    text
}

fn spell_v4(rng: &mut Rng) -> String {
    let n = if rng.chance(90) {
        4
    } else {
        3 + 2 * rng.below(2)
    };
    let parts: Vec<String> = (0..n)
        .map(|_| {
            let v = if rng.chance(5) {
                256 + rng.below(100)
            } else {
                rng.below(256) >> rng.below(8)
            };
            if rng.chance(5) {
                format!("0{v}")
            } else {
                v.to_string()
            }
        })
        .collect();
    let mut s = parts.join(".");
    if rng.chance(3) {
        s.push(*rng.pick(&['.', 'x', '/']));
    }
    s
}

#[test]
fn pton_matches_python_inet_pton_on_random_and_edge_forms() {
    if !require_tool("python3") {
        return;
    }
    let mut rng = Rng::new(0x9_70_6e);
    let mut v6: Vec<String> = [
        "::",
        "::1",
        "1::",
        "::ffff:1.2.3.4",
        "::1:2:3:4:5:6:7",
        "1:2:3:4:5:6:7::",
        "12345::",
        ":::",
        "1::2::3",
        "1.2.3.4::",
        "::1.2.3.4:1",
        "fe80::1%eth0",
        "1:2:3:4:5:6:7:8::",
        "::1:2:3:4:5:6:7:8",
        "1:2:3:4:5:6:1.2.3.4",
        "1:2:3:4:5:6:7:1.2.3.4",
        "::01.2.3.4",
        "1::1.2.3.4",
        "::ffff:1.2.3",
        "0001::",
        "00001::",
        ":1::",
        "1:",
        "::a.2.3.4",
        "1:2:3:4::5:6:7:8",
        "::FFFF:1.2.3.4",
        "2001:DB8::1",
        "1:2:3:4:5:6:7:8",
        "1:2:3:4:5:6:7",
    ]
    .map(String::from)
    .to_vec();
    while v6.len() < 4000 {
        let w = random_v6(&mut rng);
        v6.push(spell_v6(&mut rng, &w));
    }
    let mut v4: Vec<String> = [
        "1.2.3.4",
        "01.2.3.4",
        "1.2.3",
        "0.0.0.0",
        "255.255.255.255",
        "1.2.3.04",
        "0x1.2.3.4",
    ]
    .map(String::from)
    .to_vec();
    while v4.len() < 2000 {
        v4.push(spell_v4(&mut rng));
    }
    for (family, kind, inputs) in [("6", "pton6", &v6), ("4", "pton4", &v4)] {
        let cases: Vec<(&str, String)> = inputs.iter().map(|s| (kind, s.clone())).collect();
        let want = oracle(&cases);
        let bad = want.iter().filter(|w| *w == "ERR").count();
        assert!(
            bad > inputs.len() / 20 && bad < inputs.len() / 2,
            "{kind}: {bad} rejected"
        );
        check_filter(&["pton", family, "-"], inputs, &want);
    }
}

#[test]
fn ntop_formats_like_python_inet_ntop_and_round_trips_through_pton() {
    if !require_tool("python3") {
        return;
    }
    let mut rng = Rng::new(0x17_0b);
    let mut hex6: Vec<String> = [
        "00000000000000000000000000000000",
        "00000000000000000000000000000001",
        "00000000000000000000000000020003",
        "00000000000000000000000000010000",
        "00000000000000000000ffff00000000",
        "00000000000000000000ffff01020304",
        "00000000000000000000fffe01020304",
        "0000000000000000000000000000ffff",
        "00010000000000010000000000000001",
        "20010DB8000000000000000000000001",
    ]
    .map(String::from)
    .to_vec();
    while hex6.len() < 5000 {
        hex6.push(hex16(&random_v6(&mut rng)));
    }
    let hex4: Vec<String> = (0..1000)
        .map(|_| format!("{:08x}", (rng.next() as u32) >> rng.below(32)))
        .collect();
    let mut cases: Vec<(&str, String)> = hex6.iter().map(|h| ("ntop6", h.clone())).collect();
    cases.extend(hex4.iter().map(|h| ("ntop4", h.clone())));
    cases.extend(hex4.iter().map(|h| ("ntoa", h.clone())));
    let want = oracle(&cases);
    let (want6, want4) = want.split_at(hex6.len());
    check_filter(&["ntop", "6"], &hex6, want6);
    check_filter(&["ntop", "4", "-"], &hex4, &want4[..hex4.len()]);
    check_filter(&["ntoa"], &hex4, &want4[hex4.len()..]);
    // argv mode too, and `0x` in front is fine.
    let some: Vec<String> = hex6[..300].iter().map(|h| format!("0x{h}")).collect();
    let o = run(conv(&["ntop", "6"]).args(&some), None);
    o.expect_code(0);
    o.expect_stdout(
        want6[..300]
            .iter()
            .map(|w| format!("{w}\n"))
            .collect::<String>()
            .as_bytes(),
    );
    // What ntop printed, pton reads back to the same bytes.
    let lower: Vec<String> = hex6.iter().map(|h| h.to_lowercase()).collect();
    check_filter(&["pton", "6"], want6, &lower);
}

// ---------------------------------------------------------------- formats and JSON

#[test]
fn formats_of_numbers_and_packed_addresses() {
    let mut cases: Vec<(&[&str], &[u8])> = vec![
        (&["aton", "123.45.67.89"], b"7b2d4359\n"),
        (&["aton", "--format", "hex", "127.1"], b"7f000001\n"),
        (&["aton", "--format", "dec", "127.1"], b"2130706433\n"),
        (
            &["aton", "--format", "bin", "128.0.0.255"],
            b"0b10000000000000000000000011111111\n",
        ),
        (
            &["aton", "--format", "bytes", "65.66.67.68", "0x45464748"],
            b"ABCDEFGH",
        ),
        (
            &["pton", "4", "--format", "dec", "10.0.0.1"],
            b"167772161\n",
        ),
        (
            &["pton", "6", "--format", "dec", "::1:0:0:0"],
            b"281474976710656\n",
        ),
        (
            &[
                "pton",
                "6",
                "--format",
                "dec",
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            ],
            b"340282366920938463463374607431768211455\n",
        ),
        (
            &["pton", "6", "--format", "bytes", "::41"],
            b"\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x41",
        ),
        (
            &["ntoa", "7b2d4359", "0xC0A80001"],
            b"123.45.67.89\n192.168.0.1\n",
        ),
        // The bytes C would store for htons(1) are network order on any host.
        (
            &["htons", "--format", "bytes", "1", "2"],
            b"\x00\x01\x00\x02",
        ),
    ];
    if cfg!(target_endian = "little") {
        cases.extend_from_slice(&[
            (&["htons", "1"][..], &b"256\n"[..]),
            (&["htons", "--format", "dec", "1"], b"256\n"),
            (&["htons", "--format", "hex", "1"], b"0x0100\n"),
            (&["htons", "--format", "bin", "1"], b"0b0000000100000000\n"),
            (&["htonl", "--format", "hex", "0"], b"0x00000000\n"),
            (&["htonll", "--format", "hex", "1"], b"0x0100000000000000\n"),
        ]);
        // What aton prints in bin, ntohl reads; and so on.
        let o = run(&mut conv(&["aton", "--format", "bin", "1.2.3.4"]), None);
        let bin = o.stdout_str();
        run(&mut conv(&["ntohl", "--format", "hex", bin.trim()]), None)
            .expect_code(0)
            .expect_stdout(b"0x04030201\n");
    }
    for (args, want) in cases {
        run(&mut conv(args), None)
            .expect_code(0)
            .expect_stdout(want);
    }
}

#[test]
fn format_with_a_text_op_or_bytes_in_json_is_a_usage_error() {
    for args in [
        &["ntoa", "--format", "hex", "7b2d4359"][..],
        &[
            "ntop",
            "6",
            "--format",
            "dec",
            "00000000000000000000000000000001",
        ],
        &["ntop", "4", "--format", "bytes", "7b2d4359"],
        &["htons", "--json", "--format", "bytes", "1"],
        &["htons", "--format", "oct", "1"],
    ] {
        let o = run(&mut conv(args), Some(b"7b2d4359\n"));
        o.expect_code(2).expect_stdout(b"");
        let line = o.expect_one_error_line();
        ensure!(o, line.contains("--format"), "{line}");
    }
}

#[test]
fn json_lines_have_stable_fields() {
    let o = run(&mut conv(&["htons", "--json", "1", "0x2"]), None);
    o.expect_code(0).expect_stdout(
        b"{\"op\":\"htons\",\"input\":\"1\",\"output\":\"256\"}\n\
          {\"op\":\"htons\",\"input\":\"0x2\",\"output\":\"512\"}\n",
    );
    let o = run(
        &mut conv(&["ntohl", "--json", "--format", "hex", "1"]),
        None,
    );
    o.expect_code(0)
        .expect_stdout(b"{\"op\":\"ntohl\",\"input\":\"1\",\"output\":\"0x01000000\"}\n");
    // stdin: the line number; the input as read (trimmed), escaped; a family for pton/ntop.
    let o = run(
        &mut conv(&["aton", "--json"]),
        Some(b"127.1\r\n1.2.3.4 \"x\"\\\tq\nbad\n"),
    );
    o.expect_code(2).expect_stdout(
        b"{\"op\":\"aton\",\"input\":\"127.1\",\"output\":\"7f000001\",\"line\":1}\n\
          {\"op\":\"aton\",\"input\":\"1.2.3.4 \\\"x\\\"\\\\\\tq\",\"output\":\"01020304\",\"line\":2}\n",
    );
    ensure!(o, o.expect_one_error_line().contains("line 3: 'bad'"));
    let o = run(
        &mut conv(&["ntop", "6", "--json", "-"]),
        Some(b"20010db8000000000000000000000001\n"),
    );
    o.expect_code(0).expect_stdout(
        b"{\"op\":\"ntop\",\"family\":6,\"input\":\"20010db8000000000000000000000001\",\"output\":\"2001:db8::1\",\"line\":1}\n",
    );
}

// ---------------------------------------------------------------- stdin mode

#[test]
fn a_bad_stdin_line_is_reported_with_its_number_and_the_rest_converted() {
    let o = run(
        &mut conv(&["htonl", "-"]),
        Some(b"1\n2\nabc\n4\n70000000000\n5"),
    );
    o.expect_code(2)
        .expect_stdout(b"16777216\n33554432\n67108864\n83886080\n");
    let err = o.stderr_str();
    let lines: Vec<&str> = err.lines().collect();
    ensure!(o, lines.len() == 2, "one line per bad value");
    ensure!(
        o,
        lines[0].starts_with("sockcli: conv htonl: line 3: 'abc' is not a number")
    );
    ensure!(
        o,
        lines[1] == "sockcli: conv htonl: line 5: '70000000000' is out of range (0 to 4294967295)"
    );
    // No VALUE at all also reads stdin; a pton line that is bad names the family.
    let o = run(&mut conv(&["pton", "6"]), Some(b"::1\n1::2::3\n"));
    o.expect_code(2)
        .expect_stdout(b"00000000000000000000000000000001\n");
    ensure!(
        o,
        o.expect_one_error_line()
            .starts_with("sockcli: conv pton 6: line 2: '1::2::3'")
    );
}

#[test]
fn usage_errors_of_the_value_list() {
    for (args, mention) in [
        (&["pton"][..], "4 or 6"),
        (&["pton", "5", "1.2.3.4"], "'5'"),
        (&["ntop", "::1"], "'::1'"),
        (&["htons", "1", "-"], "'-'"),
        (&["nope", "1"], "nope"),
    ] {
        let o = run(&mut conv(args), None);
        o.expect_code(2).expect_stdout(b"");
        let line = o.expect_one_error_line();
        ensure!(o, line.contains(mention), "{line}");
    }
}

#[test]
fn stdin_mode_streams_each_result_before_more_input_arrives() {
    let mut c = conv(&["htons", "-"]);
    c.stdin(Stdio::piped());
    let mut r = Running::spawn(&mut c);
    r.write_stdin(b"1\n");
    ensure!(
        r.snapshot(),
        r.wait_stdout_contains(b"256\n", WAIT),
        "first result while stdin is open"
    );
    // A partial line waits for its newline, but the results before it do not.
    r.write_stdin(b"2\n3");
    ensure!(r.snapshot(), r.wait_stdout_contains(b"512\n", WAIT));
    ensure!(r.snapshot(), !r.stdout_snapshot().ends_with(b"768\n"));
    r.write_stdin(b"\n");
    ensure!(r.snapshot(), r.wait_stdout_contains(b"768\n", WAIT));
    r.close_stdin();
    r.finish().expect_code(0).expect_stdout(b"256\n512\n768\n");
}

#[test]
fn a_closed_stdout_ends_quietly_with_exit_0() {
    let mut c = conv(&["htonl", "-"]);
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("spawn sockcli");
    let stdout = child.stdout.take().unwrap();
    let mut r = Running::from_child(child, "sockcli conv htonl - | head -1".into(), true);
    // Far more than the pipe holds, so sockcli is still writing when the reader goes.
    let lines: String = (0..2_000_000u32).map(|i| format!("{i}\n")).collect();
    let feeder = r.feed_stdin(lines.into_bytes());
    let mut first = String::new();
    BufReader::new(stdout).read_line(&mut first).unwrap();
    assert_eq!(first, "0\n");
    // The reader is dropped here: the pipe is closed.
    let o = r.finish_within(Duration::from_secs(20));
    o.expect_code(0);
    ensure!(o, o.stderr.is_empty(), "nothing on stderr");
    let _ = feeder.join();
}
