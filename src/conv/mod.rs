//! `sockcli conv`: byte order of 16/32/64-bit numbers (htons ... ntohll) and IPv4/IPv6
//! addresses to and from packed bytes (aton, ntoa, pton, ntop). Pure: a value in, its text or
//! bytes appended to a buffer out; `cmd::conv` does the reading and writing.

pub mod inet;
pub mod number;

use std::fmt;

use crate::digits::{put_dec, put_hex_bytes, put_ipv4, put_ipv6};

/// Which address family `pton`/`ntop` handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    pub fn number(self) -> u8 {
        match self {
            Family::V4 => 4,
            Family::V6 => 6,
        }
    }
}

/// One conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Htons,
    Ntohs,
    Htonl,
    Ntohl,
    Htonll,
    Ntohll,
    Aton,
    Ntoa,
    Pton(Family),
    Ntop(Family),
}

/// How numbers and packed addresses are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Dec,
    Hex,
    Bin,
    /// The raw bytes, no separator between values.
    Bytes,
}

impl Op {
    pub fn name(self) -> &'static str {
        match self {
            Op::Htons => "htons",
            Op::Ntohs => "ntohs",
            Op::Htonl => "htonl",
            Op::Ntohl => "ntohl",
            Op::Htonll => "htonll",
            Op::Ntohll => "ntohll",
            Op::Aton => "aton",
            Op::Ntoa => "ntoa",
            Op::Pton(_) => "pton",
            Op::Ntop(_) => "ntop",
        }
    }

    /// Bits of the number a byte-order op takes; None for the address ops.
    fn bits(self) -> Option<u32> {
        match self {
            Op::Htons | Op::Ntohs => Some(16),
            Op::Htonl | Op::Ntohl => Some(32),
            Op::Htonll | Op::Ntohll => Some(64),
            _ => None,
        }
    }

    /// What `--format` picks from when it is not given; None: the op prints text.
    fn default_format(self) -> Option<Format> {
        match self {
            Op::Ntoa | Op::Ntop(_) => None,
            Op::Aton | Op::Pton(_) => Some(Format::Hex),
            _ => Some(Format::Dec),
        }
    }
}

/// `--format` given to an op that prints an address as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatNotApplicable(pub Op);

impl fmt::Display for FormatNotApplicable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "--format does not apply to {}: it prints an address as text",
            self.0.name()
        )
    }
}

/// A checked conversion: the op and the output format it allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conv {
    op: Op,
    format: Option<Format>,
}

/// Why one VALUE could not be converted. `Display` is the predicate after the quoted value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConvError {
    Number(number::NumError),
    Aton,
    Pton(Family),
    /// Not the `N` hex bytes ntoa/ntop read.
    Hex(usize),
}

impl fmt::Display for ConvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConvError::Number(e) => e.fmt(f),
            ConvError::Aton => f.write_str(
                "is not an IPv4 address for inet_aton (1 to 4 parts a.b.c.d; decimal, 0 octal or \
                 0x hex)",
            ),
            ConvError::Pton(Family::V4) => f.write_str(
                "is not an IPv4 address for inet_pton (4 decimal parts 0-255, no leading zeros)",
            ),
            ConvError::Pton(Family::V6) => f.write_str("is not an IPv6 address for inet_pton"),
            ConvError::Hex(n) => write!(f, "is not {} hex digits ({n} bytes)", 2 * n),
        }
    }
}

impl Conv {
    /// `format` None takes the op's default (dec for numbers, hex for packed addresses).
    pub fn new(op: Op, format: Option<Format>) -> Result<Conv, FormatNotApplicable> {
        match (op.default_format(), format) {
            (None, Some(_)) => Err(FormatNotApplicable(op)),
            (default, given) => Ok(Conv {
                op,
                format: given.or(default),
            }),
        }
    }

    pub fn op(&self) -> Op {
        self.op
    }

    /// Raw bytes out: values are not separated by newlines.
    pub fn is_binary(&self) -> bool {
        self.format == Some(Format::Bytes)
    }

    /// Convert one VALUE, appending the result (text without a newline, or raw bytes).
    pub fn run(&self, input: &[u8], out: &mut Vec<u8>) -> Result<(), ConvError> {
        let format = self.format.unwrap_or(Format::Hex);
        if let Some(bits) = self.op.bits() {
            let max = u64::MAX >> (64 - bits);
            let v = number::parse(input, max).map_err(ConvError::Number)?;
            // hton and ntoh are the same swap (or, on a big-endian host, none).
            let r = match bits {
                16 => (v as u16).to_be() as u64,
                32 => (v as u32).to_be() as u64,
                _ => v.to_be(),
            };
            let n = bits as usize / 8;
            match format {
                Format::Dec => put_dec(out, r),
                Format::Hex => {
                    out.extend_from_slice(b"0x");
                    put_hex_bytes(out, &r.to_be_bytes()[8 - n..]);
                }
                Format::Bin => {
                    out.extend_from_slice(b"0b");
                    number::bin_bytes(&r.to_be_bytes()[8 - n..], out);
                }
                // What C would store: the result in this host's byte order.
                Format::Bytes => match bits {
                    16 => out.extend_from_slice(&(r as u16).to_ne_bytes()),
                    32 => out.extend_from_slice(&(r as u32).to_ne_bytes()),
                    _ => out.extend_from_slice(&r.to_ne_bytes()),
                },
            }
            return Ok(());
        }
        match self.op {
            Op::Aton => packed(&inet::aton(input).ok_or(ConvError::Aton)?, format, out),
            Op::Pton(Family::V4) => packed(
                &inet::pton4(input).ok_or(ConvError::Pton(Family::V4))?,
                format,
                out,
            ),
            Op::Pton(Family::V6) => packed(
                &inet::pton6(input).ok_or(ConvError::Pton(Family::V6))?,
                format,
                out,
            ),
            Op::Ntoa | Op::Ntop(Family::V4) => {
                put_ipv4(out, number::unhex(input).ok_or(ConvError::Hex(4))?)
            }
            Op::Ntop(Family::V6) => put_ipv6(out, number::unhex(input).ok_or(ConvError::Hex(16))?),
            _ => unreachable!("byte-order ops are handled above"),
        }
        Ok(())
    }
}

/// A packed address: plain hex of the bytes (what ntoa/ntop read back), or the bytes as one
/// big-endian unsigned number in decimal or `0b` binary (what htonl & co. read), or raw.
fn packed(bytes: &[u8], format: Format, out: &mut Vec<u8>) {
    match format {
        Format::Hex => put_hex_bytes(out, bytes),
        Format::Dec => number::dec_bytes(bytes, out),
        Format::Bin => {
            out.extend_from_slice(b"0b");
            number::bin_bytes(bytes, out);
        }
        Format::Bytes => out.extend_from_slice(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv(op: Op, format: Option<Format>, input: &str) -> Result<String, ConvError> {
        let mut out = Vec::new();
        Conv::new(op, format)
            .unwrap()
            .run(input.as_bytes(), &mut out)?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    #[test]
    fn the_spec_examples() {
        assert_eq!(conv(Op::Htons, None, "1").unwrap(), "256");
        assert_eq!(conv(Op::Aton, None, "123.45.67.89").unwrap(), "7b2d4359");
        assert_eq!(conv(Op::Ntoa, None, "7b2d4359").unwrap(), "123.45.67.89");
        assert_eq!(
            conv(Op::Pton(Family::V6), None, "::1").unwrap(),
            "00000000000000000000000000000001"
        );
        assert_eq!(
            conv(
                Op::Ntop(Family::V6),
                None,
                "20010db8000000000000000000000001"
            )
            .unwrap(),
            "2001:db8::1"
        );
    }

    #[test]
    fn byte_order_ops_swap_on_this_host() {
        let le = cfg!(target_endian = "little");
        let want = |le_v: &str, be_v: &str| {
            if le {
                le_v.to_string()
            } else {
                be_v.to_string()
            }
        };
        assert_eq!(conv(Op::Ntohs, None, "0x0102").unwrap(), want("513", "258"));
        assert_eq!(conv(Op::Htonl, None, "1").unwrap(), want("16777216", "1"));
        assert_eq!(
            conv(Op::Ntohl, None, "16777216").unwrap(),
            want("1", "16777216")
        );
        assert_eq!(
            conv(Op::Htonll, None, "1").unwrap(),
            want("72057594037927936", "1")
        );
        assert_eq!(
            conv(Op::Ntohll, Some(Format::Hex), "0x0102030405060708").unwrap(),
            want("0x0807060504030201", "0x0102030405060708")
        );
    }

    #[test]
    fn formats_of_numbers() {
        assert_eq!(conv(Op::Htons, Some(Format::Hex), "1").unwrap(), "0x0100");
        assert_eq!(
            conv(Op::Htons, Some(Format::Bin), "1").unwrap(),
            "0b0000000100000000"
        );
        assert_eq!(
            conv(Op::Htonl, Some(Format::Hex), "0").unwrap(),
            "0x00000000"
        );
        // The result's bytes in memory: htons(1) stores 00 01, network order, on any host.
        let mut out = Vec::new();
        let c = Conv::new(Op::Htons, Some(Format::Bytes)).unwrap();
        c.run(b"1", &mut out).unwrap();
        assert_eq!(out, [0, 1]);
        assert!(c.is_binary());
        out.clear();
        Conv::new(Op::Ntohl, Some(Format::Bytes))
            .unwrap()
            .run(b"0x01020304", &mut out)
            .unwrap();
        // ntohl's result stored in memory is the input's network-order bytes, on any host.
        assert_eq!(out, [1, 2, 3, 4]);
    }

    #[test]
    fn formats_of_packed_addresses() {
        assert_eq!(
            conv(Op::Aton, Some(Format::Hex), "1.2.3.4").unwrap(),
            "01020304"
        );
        assert_eq!(
            conv(Op::Aton, Some(Format::Dec), "1.2.3.4").unwrap(),
            "16909060"
        );
        assert_eq!(
            conv(Op::Aton, Some(Format::Bin), "128.0.0.1").unwrap(),
            "0b10000000000000000000000000000001"
        );
        assert_eq!(
            conv(Op::Pton(Family::V6), Some(Format::Dec), "::1:0:0").unwrap(),
            "4294967296"
        );
        assert_eq!(
            conv(
                Op::Pton(Family::V6),
                Some(Format::Dec),
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
            )
            .unwrap(),
            u128::MAX.to_string()
        );
        let mut out = Vec::new();
        Conv::new(Op::Pton(Family::V4), Some(Format::Bytes))
            .unwrap()
            .run(b"10.0.0.255", &mut out)
            .unwrap();
        assert_eq!(out, [10, 0, 0, 255]);
    }

    #[test]
    fn text_ops_refuse_a_format() {
        for op in [Op::Ntoa, Op::Ntop(Family::V4), Op::Ntop(Family::V6)] {
            let e = Conv::new(op, Some(Format::Dec)).unwrap_err();
            assert!(e.to_string().contains(op.name()), "{e}");
        }
        assert!(Conv::new(Op::Aton, Some(Format::Bytes)).is_ok());
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let e = |op, s| conv(op, None, s).unwrap_err().to_string();
        assert_eq!(e(Op::Htons, "70000"), "is out of range (0 to 65535)");
        assert_eq!(
            e(Op::Htonl, "4294967296"),
            "is out of range (0 to 4294967295)"
        );
        assert_eq!(
            e(Op::Htonll, "18446744073709551616"),
            "is out of range (0 to 18446744073709551615)"
        );
        assert_eq!(e(Op::Htonl, "abc"), "is not a number ('a' is not a digit)");
        assert!(e(Op::Aton, "256.1.1.1").contains("inet_aton"));
        assert!(e(Op::Pton(Family::V6), "1::2::3").contains("IPv6"));
        assert_eq!(e(Op::Ntoa, "7b2d43"), "is not 8 hex digits (4 bytes)");
        assert_eq!(
            e(Op::Ntop(Family::V6), "::1"),
            "is not 32 hex digits (16 bytes)"
        );
    }
}
