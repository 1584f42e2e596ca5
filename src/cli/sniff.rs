//! `sockcli sniff`: its args (tcpdump's letters where tcpdump has one).

use std::path::PathBuf;

use clap::Args;

pub const SNIFF_EXAMPLES: &str = "\
EXAMPLES:
  sudo sockcli sniff                               # every interface (as tcpdump -i any)
  sudo sockcli sniff eth0 -c 10 tcp port 80        # ten packets to or from port 80
  sudo sockcli sniff lo udp and dst port 53 -X     # DNS queries with hex and ASCII
  sudo sockcli sniff lo -w out.pcap                # a pcap file for tcpdump or Wireshark
  sudo sockcli sniff eth0 -Z nobody --json         # drop root once the socket is open
  sockcli sniff -r in.pcapng 'host 10.0.0.1 and not port 22'   # files need no privileges
  tcpdump -w - | sockcli sniff -r - -e             # read a capture from a pipe
  sockcli sniff -d eth0 'tcp port 80'              # the BPF program the kernel will run";

/// Capture packets (AF_PACKET, root) or read a pcap/pcapng file, filter them with a
/// pcap-filter expression, and print them like tcpdump or write a pcap file.
#[derive(Debug, Args)]
#[command(after_long_help = SNIFF_EXAMPLES)]
pub struct SniffArgs {
    /// [IFACE] [FILTER...]: the interface to capture on (all of them when absent or 'any'),
    /// then a pcap-filter expression (host ADDR or NAME, net, port, portrange, src, dst, tcp, udp, icmp,
    /// icmp6, arp, ip, ip6, vlan, and/or/not, parentheses). The first word is the interface
    /// only if such an interface exists; -i names it explicitly.
    #[arg(value_name = "IFACE] [FILTER")]
    pub words: Vec<String>,
    /// Interface to capture on ('any': all of them).
    #[arg(short = 'i', long = "interface", value_name = "IFACE")]
    pub iface: Option<String>,
    /// Read packets from a pcap or pcapng FILE ('-': stdin) instead of capturing.
    #[arg(short = 'r', long = "read", value_name = "FILE", conflicts_with_all = ["iface", "no_promisc", "buffer_kib", "user"])]
    pub read: Option<PathBuf>,
    /// Write packets to a pcap FILE ('-': stdout) instead of printing them.
    #[arg(short = 'w', long = "write", value_name = "FILE")]
    pub write: Option<PathBuf>,
    /// Stop after N packets.
    #[arg(short = 'c', long = "count", value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,
    /// Bytes of each packet to capture [default: 262144].
    #[arg(short = 's', long = "snaplen", value_name = "BYTES",
          value_parser = clap::value_parser!(u32).range(1..=i64::from(crate::sniff::pcap::MAX_SNAPLEN)))]
    pub snaplen: Option<u32>,
    /// Do not put the interface into promiscuous mode.
    #[arg(short = 'p', long = "no-promiscuous")]
    pub no_promisc: bool,
    /// Capture ring size in KiB (tcpdump's -B) [default: 16384].
    #[arg(short = 'B', long = "buffer-size", value_name = "KIB",
          value_parser = clap::value_parser!(u32).range(64..=4_194_304))]
    pub buffer_kib: Option<u32>,
    /// Print the link-level header (MAC addresses, VLAN, ethertype).
    #[arg(short = 'e', long = "link-header")]
    pub link_header: bool,
    /// Print each packet's bytes in hex.
    #[arg(short = 'x', conflicts_with = "hex_ascii")]
    pub hex: bool,
    /// Print each packet's bytes in hex and ASCII.
    #[arg(short = 'X')]
    pub hex_ascii: bool,
    /// Timestamps: -t none, -tt epoch seconds, -ttt delta from the previous packet, -tttt
    /// date and time, -ttttt since the first packet.
    #[arg(short = 't', action = clap::ArgAction::Count)]
    pub ts: u8,
    /// Nanosecond timestamps: printed with 9 digits, and a nanosecond pcap file with -w.
    #[arg(long)]
    pub nano: bool,
    /// Print the compiled filter as classic BPF (tcpdump's -d) and exit; needs no
    /// privileges. It is compiled for IFACE (or for the link type of the -r FILE).
    #[arg(short = 'd', long = "dump-filter")]
    pub dump_filter: bool,
    /// One JSON object per packet (fields in the README).
    #[arg(long, conflicts_with_all = ["hex", "hex_ascii"])]
    pub json: bool,
    /// After opening the capture socket, switch to USER (and its group).
    #[arg(short = 'Z', long = "user", value_name = "USER")]
    pub user: Option<String>,
}
