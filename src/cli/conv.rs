//! `sockcli conv`: its args, kept apart from the network subcommands' flags.

use clap::{Args, ValueEnum};

pub const CONV_EXAMPLES: &str = "\
EXAMPLES:
  sockcli conv htons 1                             # 256
  sockcli conv ntohs 256                           # 1
  sockcli conv htonl 1 0x7f000001                  # 16777216, then 16777343
  sockcli conv ntohl --format hex 16777216         # 0x00000001
  sockcli conv htonll 1                            # 72057594037927936
  sockcli conv ntohll 0x0100000000000000           # 1
  sockcli conv aton 123.45.67.89 127.1             # 7b2d4359, then 7f000001
  sockcli conv ntoa 7b2d4359                       # 123.45.67.89
  sockcli conv pton 6 ::1                          # 00000000000000000000000000000001
  sockcli conv pton 4 --format dec 10.0.0.1        # 167772161
  sockcli conv ntop 6 20010db8000000000000000000000001   # 2001:db8::1
  sockcli conv ntop 4 c0a80001                     # 192.168.0.1
  seq 10 | sockcli conv htonl -                    # one result per stdin line
  sockcli conv htons --json 1                      # {\"op\":\"htons\",\"input\":\"1\",\"output\":\"256\"}
  sockcli conv htons --format bytes 1 | xxd        # 0001";

/// Convert numbers between host and network byte order (htons ... ntohll) and IP addresses
/// to and from packed bytes (aton, ntoa, pton, ntop).
#[derive(Debug, Args)]
#[command(after_long_help = CONV_EXAMPLES)]
pub struct ConvArgs {
    /// The conversion.
    #[arg(value_enum, value_name = "OP")]
    pub op: ConvOp,
    /// Values to convert, one output line each; pton and ntop take the family (4 or 6) first.
    /// Without values, or with '-', values are read from stdin, one per line.
    #[arg(value_name = "VALUE", allow_negative_numbers = true)]
    pub values: Vec<String>,
    /// Output of numbers (default dec; hex and bin are 0x/0b-prefixed and zero-padded to the
    /// width) and of packed addresses from aton/pton (default hex: the bytes as lowercase hex
    /// digits; dec/bin: the bytes as one big-endian number). bytes: the raw bytes (numbers: as
    /// this host stores the result). Not for ntoa and ntop, which print addresses.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<ConvFormat>,
    /// One JSON object per value: {"op", "family" (pton/ntop), "input", "output" (a string),
    /// "line" (stdin only)}.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConvOp {
    /// 16-bit number, host to network byte order
    Htons,
    /// 16-bit number, network to host byte order
    Ntohs,
    /// 32-bit number, host to network byte order
    Htonl,
    /// 32-bit number, network to host byte order
    Ntohl,
    /// 64-bit number, host to network byte order
    Htonll,
    /// 64-bit number, network to host byte order
    Ntohll,
    /// IPv4 address as inet_aton reads it (also 127.1, 0x7f.1) to packed bytes
    Aton,
    /// 8 hex digits (a packed IPv4 address) to a dotted quad
    Ntoa,
    /// 4|6 ADDRESS: a strict address, as inet_pton reads it, to packed bytes
    Pton,
    /// 4|6 HEX: packed bytes to the address, as inet_ntop prints it
    Ntop,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConvFormat {
    Dec,
    Hex,
    Bin,
    Bytes,
}
