//! `sockcli can`: SocketCAN, with can-utils' syntax (candump's formats and filters, cansend's
//! frames).

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};

use super::value;

pub const CAN_EXAMPLES: &str = "\
EXAMPLES:
  sockcli can dump vcan0                           # candump's default format
  sockcli can dump -L vcan0 vcan1 > bus.log        # candump -L log lines, two interfaces
  sockcli can dump -ta any                         # every CAN interface, absolute timestamps
  sockcli can dump vcan0,123:7FF,400~700           # kernel filters written as candump's
  sockcli can dump -e vcan0                        # error frames too, decoded in words
  sockcli can dump -c 100 -w bus.pcap vcan0        # 100 frames into a pcap file (tcpdump -r)
  sockcli can send vcan0 123#DEADBEEF 1F334455#11 123#R 123##1112233
  sockcli can send vcan0 - < bus.log               # frames from stdin: cansend or candump -L lines
  sockcli can send --every 10ms --count 50 vcan0 123#11  # 50 frames 10 ms apart, timed by the BCM
  sockcli can send --every 1s vcan0 100#01 200#02  # the two in turn, one a second, until Ctrl-C
  sockcli can replay bus.log                       # a candump -L log, as fast as the bus takes it
  sockcli can replay --realtime --loop 3 bus.log   # keeping the recorded gaps, three times
  sockcli can replay --iface vcan1=can0 bus.log    # can0's frames on vcan1 (canplayer's order)
  sockcli can replay --iface vcan0 bus.log         # every frame on vcan0, whatever the log says
  sockcli can gen vcan0 --rate 1000 --count 5000   # 5000 random frames, 1000/s (cangen -g 1)
  sockcli can gen vcan0 --id INCREMENT --data 11223344 --len 4
  sockcli can gen vcan0 --fd --extended --seed 7   # CAN FD, 29-bit ids, the same frames every run

EXIT CODES:
  1    no AF_CAN in this kernel (load the can and can-raw modules; can-bcm for --every), an
       interface that is down (or goes down during send --every, replay or gen) or a frame
       it refuses (a CAN FD frame on a classic interface, MTU 16)
  2    bad frame, filter or interface name (the position in the text is named), a bad
       --every interval or --count, a bad log line (its line number is named)
  130  dump: interrupted by SIGINT (143: SIGTERM), after printing every frame received;
       send --every: interrupted, the kernel's cyclic job deleted (no frame after exit);
       replay, gen: interrupted, after printing how many frames were sent";

/// SocketCAN: dump frames in candump's formats (or to pcap) and send frames in cansend's
/// syntax.
#[derive(Debug, Args)]
#[command(after_long_help = CAN_EXAMPLES)]
pub struct CanArgs {
    #[command(subcommand)]
    pub command: CanCommand,
}

#[derive(Debug, Subcommand)]
pub enum CanCommand {
    /// Print the frames received on CAN interfaces (candump's formats), or write a pcap file.
    #[command(after_long_help = CAN_EXAMPLES)]
    Dump(DumpArgs),
    /// Send frames written in cansend's syntax, from the arguments or stdin ('-').
    #[command(after_long_help = CAN_EXAMPLES)]
    Send(SendArgs),
    /// Play a candump -L log back onto CAN interfaces (canplayer).
    #[command(after_long_help = CAN_EXAMPLES)]
    Replay(ReplayArgs),
    /// Generate frames for load and bus tests (cangen).
    #[command(after_long_help = CAN_EXAMPLES)]
    Gen(GenArgs),
}

#[derive(Debug, Args)]
pub struct DumpArgs {
    /// Interfaces to receive from ('any': all CAN interfaces), each optionally followed by
    /// candump's comma-separated filters: ID:MASK (received_id & MASK == ID & MASK), ID~MASK
    /// (the inverse), #ERRMASK (error classes to receive), j (all filters must match). Ids
    /// of 8 hex digits are extended ids.
    #[arg(value_name = "IFACE[,FILTER]...", required = true)]
    pub ifaces: Vec<String>,
    /// Filters for every interface, in the same syntax (repeatable, comma-separated).
    #[arg(short = 'f', long = "filter", value_name = "FILTER")]
    pub filter: Vec<String>,
    /// candump's log format: '(SECS.USECS) IFACE FRAME', as `can send -` and canplayer read.
    #[arg(short = 'L', long = "log", conflicts_with = "json")]
    pub log: bool,
    /// Timestamps: a absolute, d delta from the previous frame, z since the first frame, A
    /// absolute with the local date.
    #[arg(short = 't', value_name = "a|d|z|A", value_parser = ["a", "d", "z", "A"])]
    pub ts: Option<String>,
    /// Exit after N frames.
    #[arg(short = 'c', long = "count", value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,
    /// Receive error frames (every class, unless a #ERRMASK filter says which) and print
    /// their meaning in words under each, as candump -e.
    #[arg(short = 'e', long = "errors")]
    pub errors: bool,
    /// One JSON object per frame (fields in the README).
    #[arg(long)]
    pub json: bool,
    /// Write the frames to a pcap FILE (LINKTYPE_CAN_SOCKETCAN; '-': stdout) instead of
    /// printing them.
    #[arg(short = 'w', long = "write", value_name = "FILE")]
    pub write: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SendArgs {
    /// The CAN interface to send on.
    #[arg(value_name = "IFACE")]
    pub iface: String,
    /// Frames in cansend's syntax: 123#DEADBEEF (standard id), 1F334455#11 (extended),
    /// 123#R or 123#R5 (remote), 123##1112233 (CAN FD: flags digit, then data; BRS 1,
    /// ESI 2). '-' reads one frame a line from stdin, in cansend syntax or as candump -L
    /// lines (their timestamp and interface are ignored).
    #[arg(value_name = "FRAME", required = true)]
    pub frames: Vec<String>,
    /// Send cyclically through the kernel's broadcast manager (CAN_BCM): one frame every DUR
    /// (e.g. 10ms; whole microseconds, up to 400 days), timed by the kernel; several frames
    /// go out in turn, one per interval (at most 256, all classic or all CAN FD). Runs until
    /// Ctrl-C, which deletes the job, unless --count is given.
    #[arg(long, value_name = "DUR", value_parser = value::bcm_interval)]
    pub every: Option<Duration>,
    /// With --every: send N frames in all (cycling through the frames given), then exit.
    #[arg(long, value_name = "N", requires = "every",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub count: Option<u32>,
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The candump -L log ('-': stdin). Blank lines and lines starting with '#' are skipped;
    /// any other line must be '(SECS.USECS) IFACE FRAME'. A regular file is checked whole
    /// before the first frame is sent; stdin or a pipe is played as it is read.
    #[arg(value_name = "LOG")]
    pub log: String,
    /// Send the frames logged on LOGIF to WRITEIF (canplayer's assignment order:
    /// vcan1=can0 sends can0's frames on vcan1). Repeatable. Without it, frames go to the
    /// interfaces named in the log; with it, frames of interfaces not assigned are skipped,
    /// unless one --iface WRITEIF without '=' takes them all.
    #[arg(long = "iface", value_name = "WRITEIF[=LOGIF]")]
    pub iface: Vec<String>,
    /// Keep the recorded gaps: each frame is sent when its timestamp's offset from the first
    /// frame's has passed since the first frame went out. Without it frames go as fast as
    /// the interfaces take them.
    #[arg(long)]
    pub realtime: bool,
    /// Play the log N times (1 to 1000000; a file only, not stdin).
    #[arg(long = "loop", value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub loops: u32,
    /// At the end, print on stderr how many frames were sent and skipped.
    #[arg(short = 'v', long)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct GenArgs {
    /// The CAN interface to send on.
    #[arg(value_name = "IFACE")]
    pub iface: String,
    /// Frames per second (1 to 10000000), timer-driven; '--rate 1000' is about 'cangen -g 1'.
    /// Without it, frames go as fast as the interface takes them.
    #[arg(long, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub rate: Option<u64>,
    /// Stop after N frames (default: until Ctrl-C).
    #[arg(short = 'n', long, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,
    /// Identifiers: RANDOM, INCREMENT (from 0, wrapping) or a fixed hex id (cangen -I).
    #[arg(
        long = "id",
        value_name = "RANDOM|INCREMENT|HEX",
        default_value = "RANDOM"
    )]
    pub id: String,
    /// Payload: RANDOM, INCREMENT (a 64-bit little-endian counter in the first 8 bytes, as
    /// cangen -D i) or fixed hex bytes (cangen -D).
    #[arg(
        long = "data",
        value_name = "RANDOM|INCREMENT|HEX",
        default_value = "RANDOM"
    )]
    pub data: String,
    /// Payload length: a number (0-8; CAN FD: 0-8, 12, 16, 20, 24, 32, 48 or 64) or RANDOM
    /// (default; the length of a fixed --data when one is given).
    #[arg(long = "len", value_name = "N|RANDOM")]
    pub len: Option<String>,
    /// CAN FD frames (up to 64 bytes).
    #[arg(long)]
    pub fd: bool,
    /// CAN FD frames with the bit rate switch flag (implies --fd).
    #[arg(long)]
    pub brs: bool,
    /// 29-bit (extended) identifiers.
    #[arg(short = 'e', long)]
    pub extended: bool,
    /// Remote frames (classic CAN only).
    #[arg(short = 'R', long, conflicts_with_all = ["fd", "brs"])]
    pub rtr: bool,
    /// Seed for the random ids, lengths and data (default: from the clock), so a run can be
    /// repeated frame for frame.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// At the end, print on stderr how many frames were sent, and at what rate.
    #[arg(short = 'v', long)]
    pub verbose: bool,
}
