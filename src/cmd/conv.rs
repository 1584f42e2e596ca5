//! `sockcli conv OP [VALUE...]`: the values on the command line, or a stdin filter with one
//! value per line. The conversions themselves are in [`crate::conv`]; this is reading,
//! writing and exit codes.

use std::io::{self, BufWriter, Read, Write};

use anyhow::{Context, Result};
use serde::Serialize;

use super::usage;
use crate::cli::conv::{ConvArgs, ConvFormat, ConvOp};
use crate::conv::{Conv, Family, Format, Op};
use crate::exit::Code;
use crate::json;

/// Bytes read at a time, and the longest stdin line taken (longer ones are reported and
/// skipped, so a stream without newlines cannot grow memory without bound).
const BUF: usize = 64 * 1024;

/// One `--json` result: `family` for pton/ntop only, `line` for stdin values only.
#[derive(Serialize)]
struct Record<'a> {
    op: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    family: Option<u8>,
    input: json::Lossy<'a>,
    output: json::Lossy<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u64>,
}

/// Where the values come from.
enum Source<'a> {
    Args(&'a [String]),
    Stdin,
}

struct Plan<'a> {
    conv: Conv,
    json: bool,
    source: Source<'a>,
}

fn plan(args: &ConvArgs) -> Result<Plan<'_>> {
    let mut values = args.values.as_slice();
    let op = match args.op {
        ConvOp::Htons => Op::Htons,
        ConvOp::Ntohs => Op::Ntohs,
        ConvOp::Htonl => Op::Htonl,
        ConvOp::Ntohl => Op::Ntohl,
        ConvOp::Htonll => Op::Htonll,
        ConvOp::Ntohll => Op::Ntohll,
        ConvOp::Aton => Op::Aton,
        ConvOp::Ntoa => Op::Ntoa,
        ConvOp::Pton | ConvOp::Ntop => {
            let name = if args.op == ConvOp::Pton {
                "pton"
            } else {
                "ntop"
            };
            let family = match values.first().map(String::as_str) {
                Some("4") => Family::V4,
                Some("6") => Family::V6,
                got => {
                    let got = got.map_or("nothing".to_string(), |g| format!("'{g}'"));
                    return Err(usage(format!(
                        "conv {name}: the first value must be the address family 4 or 6, got \
                         {got} (e.g. sockcli conv {name} 6 ...)"
                    )));
                }
            };
            values = &values[1..];
            if name == "pton" {
                Op::Pton(family)
            } else {
                Op::Ntop(family)
            }
        }
    };
    let format = args.format.map(|f| match f {
        ConvFormat::Dec => Format::Dec,
        ConvFormat::Hex => Format::Hex,
        ConvFormat::Bin => Format::Bin,
        ConvFormat::Bytes => Format::Bytes,
    });
    let conv = Conv::new(op, format).map_err(|e| usage(e.to_string()))?;
    if args.json && conv.is_binary() {
        return Err(usage(
            "--json and --format bytes do not go together (JSON carries text)",
        ));
    }
    let source = match values {
        [] => Source::Stdin,
        [one] if one == "-" => Source::Stdin,
        _ if values.iter().any(|v| v == "-") => {
            return Err(usage(format!(
                "conv {}: '-' (read values from stdin) must be the only VALUE",
                label(op)
            )));
        }
        _ => Source::Args(values),
    };
    Ok(Plan {
        conv,
        json: args.json,
        source,
    })
}

/// The op as typed, for messages: `htonl`, `pton 6`.
fn label(op: Op) -> String {
    match op {
        Op::Pton(f) | Op::Ntop(f) => format!("{} {}", op.name(), f.number()),
        _ => op.name().to_string(),
    }
}

/// A value for an error line: quoted, control characters escaped, long ones cut short.
fn quote(value: &[u8]) -> String {
    const MAX: usize = 64;
    let text = String::from_utf8_lossy(value);
    let mut out = String::from("'");
    for (i, c) in text.chars().enumerate() {
        if i == MAX {
            out.push_str("...");
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

pub fn run(args: &ConvArgs) -> Result<Code> {
    let plan = plan(args)?;
    let mut emit = Emit::new(plan.conv, plan.json, io::stdout().lock(), io::stderr());
    let result = match plan.source {
        Source::Args(values) => {
            // All or nothing: a bad value is a usage error before anything is printed.
            for v in values {
                if let Err(e) = plan.conv.run(v.as_bytes(), &mut Vec::new()) {
                    return Err(usage(format!(
                        "conv {}: {} {e}",
                        label(plan.conv.op()),
                        quote(v.as_bytes())
                    )));
                }
            }
            values
                .iter()
                .try_for_each(|v| emit.value(v.as_bytes(), None))
                .and_then(|()| emit.flush())
        }
        Source::Stdin => filter(&mut emit, &mut io::stdin().lock()),
    };
    let code = if emit.bad > 0 {
        Code::Usage
    } else {
        Code::Success
    };
    match result {
        Ok(()) => Ok(code),
        // A closed stdout (`| head`) is a normal way to stop.
        Err(Fail::Write(e)) if e.kind() == io::ErrorKind::BrokenPipe => {
            emit.discard();
            Ok(code)
        }
        Err(Fail::Write(e)) => {
            emit.discard();
            Err(e).context("write to stdout failed")
        }
        Err(Fail::Read(e)) => Err(e).context("read from stdin failed"),
    }
}

#[derive(Debug)]
enum Fail {
    Read(io::Error),
    Write(io::Error),
}

/// Converts values and writes the results to `out` (text lines, raw bytes or JSON lines) and
/// bad values to `errors`, one line each.
struct Emit<W: Write, E: Write> {
    conv: Conv,
    label: String,
    json: bool,
    out: Option<BufWriter<W>>,
    errors: E,
    /// Scratch space reused for every value: the result, and the JSON line around it.
    result: Vec<u8>,
    line: Vec<u8>,
    /// Bad values reported so far.
    bad: u64,
}

impl<W: Write, E: Write> Emit<W, E> {
    fn new(conv: Conv, json: bool, out: W, errors: E) -> Self {
        Emit {
            conv,
            label: label(conv.op()),
            json,
            out: Some(BufWriter::with_capacity(BUF, out)),
            errors,
            result: Vec::with_capacity(256),
            line: Vec::with_capacity(512),
            bad: 0,
        }
    }

    fn out(&mut self) -> &mut BufWriter<W> {
        self.out.as_mut().expect("stdout used after discard")
    }

    /// Convert one value and write its result, or report it as bad (`line`: stdin's line
    /// number, for the message and the JSON field).
    fn value(&mut self, input: &[u8], line: Option<u64>) -> Result<(), Fail> {
        self.result.clear();
        if let Err(e) = self.conv.run(input, &mut self.result) {
            return self.bad(line, &format!("{} {e}", quote(input)));
        }
        if self.json {
            self.json_line(input, line);
        }
        let binary = self.conv.is_binary();
        let Emit {
            out,
            result,
            line: json_line,
            json,
            ..
        } = self;
        let out = out.as_mut().expect("stdout used after discard");
        let r = match (*json, binary) {
            (true, _) => out.write_all(json_line),
            (false, true) => out.write_all(result),
            (false, false) => out.write_all(result).and_then(|()| out.write_all(b"\n")),
        };
        r.map_err(Fail::Write)
    }

    /// `{"op":"pton","family":6,"input":"::1","output":"00...01","line":3}` into `self.line`.
    fn json_line(&mut self, input: &[u8], line: Option<u64>) {
        let op = self.conv.op();
        let family = match op {
            Op::Pton(f) | Op::Ntop(f) => Some(f.number()),
            _ => None,
        };
        let l = &mut self.line;
        l.clear();
        json::write(
            l,
            &Record {
                op: op.name(),
                family,
                input: json::Lossy(input),
                output: json::Lossy(&self.result),
                line,
            },
        );
        l.push(b'\n');
    }

    /// One stdin line: surrounding whitespace (and so a CR before the LF) is not part of it.
    fn stdin_line(&mut self, number: u64, raw: &[u8]) -> Result<(), Fail> {
        self.value(raw.trim_ascii(), Some(number))
    }

    /// Report a bad value on `errors` as one line; results so far are flushed first, so the
    /// two streams stay in order on a terminal.
    fn bad(&mut self, line: Option<u64>, why: &str) -> Result<(), Fail> {
        self.bad += 1;
        self.flush()?;
        let at = line.map_or(String::new(), |n| format!("line {n}: "));
        let msg = format!("sockcli: conv {}: {at}{why}\n", self.label);
        // One write per line; if stderr is gone there is nobody left to tell.
        let _ = self.errors.write_all(msg.as_bytes());
        Ok(())
    }

    fn flush(&mut self) -> Result<(), Fail> {
        self.out().flush().map_err(Fail::Write)
    }

    /// Drop what is buffered without writing it (stdout failed; a retry would fail again).
    fn discard(&mut self) {
        if let Some(out) = self.out.take() {
            let _ = out.into_parts();
        }
    }
}

/// The stdin filter: one value per line, bad lines reported with their number and skipped.
/// Streams: results are flushed before every read, so none waits for more input to arrive.
fn filter<W: Write, E: Write>(emit: &mut Emit<W, E>, input: &mut impl Read) -> Result<(), Fail> {
    let mut buf = vec![0u8; BUF];
    // buf[start..end] is unconsumed input, with no newline in buf[start..scan].
    let (mut start, mut scan, mut end) = (0, 0, 0);
    let mut number = 0;
    // Inside a line longer than BUF, already reported: drop bytes up to its newline.
    let mut skipping = false;
    loop {
        while let Some(i) = buf[scan..end].iter().position(|&b| b == b'\n') {
            let line = &buf[start..scan + i];
            start = scan + i + 1;
            scan = start;
            number += 1;
            if skipping {
                skipping = false;
            } else {
                emit.stdin_line(number, line)?;
            }
        }
        scan = end;
        // Make room only when nothing is left or the buffer is full, so small reads do not
        // move a long partial line again and again.
        if start == end {
            (start, scan, end) = (0, 0, 0);
        } else if end == buf.len() {
            if start > 0 {
                buf.copy_within(start..end, 0);
                end -= start;
                scan = end;
                start = 0;
            } else {
                if !skipping {
                    let why = format!("longer than {} bytes (skipped)", BUF - 1);
                    emit.bad(Some(number + 1), &why)?;
                    skipping = true;
                }
                (start, scan, end) = (0, 0, 0);
            }
        }
        emit.flush()?;
        let n = loop {
            match input.read(&mut buf[end..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Fail::Read(e)),
            }
        };
        if n == 0 {
            // The last line may lack its newline.
            if end > start && !skipping {
                emit.stdin_line(number + 1, &buf[start..end])?;
            }
            return emit.flush();
        }
        end += n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out its data a few bytes per read, to split lines across reads.
    struct Dribble<'a>(&'a [u8], usize);

    impl Read for Dribble<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.1.min(self.0.len()).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn run_filter(
        op: Op,
        format: Option<Format>,
        json: bool,
        input: &[u8],
    ) -> (String, String, u64) {
        let conv = Conv::new(op, format).unwrap();
        let mut results = Vec::new();
        let mut errors = Vec::new();
        for chunk in [1, 3, BUF] {
            let mut out = Vec::new();
            let mut err = Vec::new();
            let mut emit = Emit::new(conv, json, &mut out, &mut err);
            filter(&mut emit, &mut Dribble(input, chunk)).unwrap();
            let bad = emit.bad;
            drop(emit);
            results.push((out, bad));
            errors.push(err);
        }
        // However the input is split, the output is the same.
        assert!(results.windows(2).all(|w| w[0] == w[1]));
        assert!(errors.windows(2).all(|w| w[0] == w[1]));
        let (out, bad) = results.swap_remove(0);
        (
            String::from_utf8(out).unwrap(),
            String::from_utf8(errors.swap_remove(0)).unwrap(),
            bad,
        )
    }

    #[test]
    fn lines_are_trimmed_and_bad_ones_reported_by_number() {
        let (out, err, bad) = run_filter(Op::Htons, None, false, b"1\r\n  2 \nabc\n\n0x100");
        assert_eq!(out, "256\n512\n1\n");
        assert_eq!(
            err,
            "sockcli: conv htons: line 3: 'abc' is not a number ('a' is not a digit)\n\
             sockcli: conv htons: line 4: '' is not a number (empty)\n"
        );
        assert_eq!(bad, 2);
    }

    #[test]
    fn json_lines_carry_the_line_number() {
        let (out, _, _) = run_filter(Op::Pton(Family::V6), None, true, b"::1\n");
        assert_eq!(
            out,
            "{\"op\":\"pton\",\"family\":6,\"input\":\"::1\",\
             \"output\":\"00000000000000000000000000000001\",\"line\":1}\n"
        );
    }

    #[test]
    fn raw_bytes_have_no_separator() {
        let (out, _, _) = run_filter(
            Op::Aton,
            Some(Format::Bytes),
            false,
            b"65.66.67.68\n0x45464748\n",
        );
        assert_eq!(out, "ABCDEFGH");
    }

    #[test]
    fn an_overlong_line_is_reported_once_and_skipped() {
        let mut input = b"1\n".to_vec();
        input.extend(std::iter::repeat_n(b'9', 3 * BUF));
        input.extend_from_slice(b"\n2\n");
        input.extend(std::iter::repeat_n(b'7', BUF));
        let (out, err, bad) = run_filter(Op::Ntohs, None, false, &input);
        assert_eq!(out, "256\n512\n");
        assert_eq!(
            err,
            "sockcli: conv ntohs: line 2: longer than 65535 bytes (skipped)\n\
             sockcli: conv ntohs: line 4: longer than 65535 bytes (skipped)\n"
        );
        assert_eq!(bad, 2);
    }

    #[test]
    fn quote_escapes_and_shortens() {
        assert_eq!(quote(b"a\x1bb"), "'a\\u{1b}b'");
        assert_eq!(quote(&[b'x'; 100]), format!("'{}...'", "x".repeat(64)));
        assert_eq!(quote(b"\xff"), "'\u{fffd}'");
    }
}
