//! The command line, as clap derive structs: only what was typed, no I/O. Each subcommand turns
//! its args into a checked plan in `cmd/`.
//!
//! House rules: the first line of a doc comment is the short help, the rest the long help;
//! short flags follow netcat where netcat has one; every subcommand has EXAMPLES in
//! `after_long_help`; durations parse with `value::duration`.

pub mod can;
pub mod conv;
mod fast;
#[cfg(test)]
mod generate;
pub mod proxy;
pub mod sniff;
pub mod tls;
pub mod value;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub use fast::parse_from;

const EXIT_CODES: &str = "\
EXIT CODES:
  0    success (connect -z: at least one port open)
  1    network or I/O failure (refused, reset, unreachable, write error, a frame over
       --max-frame; a proxy's refusal or malformed answer)
  2    usage error or bad input (unknown flag, malformed address, port out of range,
       bad CIDR, bad frame mode)
  3    name resolution failed
  4    a timeout expired (-w, -i, --timeout, -q; a proxy's TTL expired, HTTP 504)
  5    permission denied (privileged port, raw sockets; a proxy refused the credentials
       or the rules forbid the target, HTTP 403/407)
  6    TLS failure: handshake or certificate verification failed, or the peer sent an
       alert (the message names the reason)
  130  interrupted by SIGINT (143: SIGTERM), after a clean shutdown";

/// A netcat-style network multitool: connect, listen, and relay bytes between stdio and sockets.
#[derive(Debug, Parser)]
#[command(name = "sockcli", version, propagate_version = true, after_long_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Connect(ConnectArgs),
    Listen(ListenArgs),
    Pair(PairArgs),
    Resolve(ResolveArgs),
    Conv(conv::ConvArgs),
    Sniff(sniff::SniffArgs),
    Can(can::CanArgs),
}

const CONNECT_EXAMPLES: &str = "\
EXAMPLES:
  printf 'GET / HTTP/1.0\\r\\n\\r\\n' | sockcli connect example.com 80
  sockcli connect localhost 50007                 # talk to an echo server
  sockcli connect tcp:[::1]:50007 < file.bin       # send a file, print the reply
  echo q | sockcli connect -u 127.0.0.1 53         # one datagram, wait 2s for replies
  sockcli connect -U /run/app.sock                 # AF_UNIX stream socket
  sockcli connect -z 127.0.0.1 1-1024,8080         # scan: print the open ports
  sockcli connect --frame len32 host 9000          # each stdin line as one 4-byte-length message
  sockcli connect -x=dump.txt host 80              # hexdump both directions to dump.txt
  sockcli connect --pcap s.pcap host 80            # the session as a capture (tcpdump -r s.pcap)
  sockcli connect -e 'cat /etc/motd' host 9000     # the socket is the command's stdin/stdout
  sockcli connect --tls example.org 443            # TLS, verified against the system store
  sockcli connect --tls --tls-pin SHA256 host 8443 # trust exactly one certificate
  sockcli connect --proxy 127.0.0.1:1080 example.com 80         # through a SOCKS5 proxy
  sockcli connect -X http --proxy gw:3128 example.com 443       # through an HTTP CONNECT proxy
  sockcli connect --vsock 2 5000                   # AF_VSOCK: from a VM to its host (CID 2)";

const LISTEN_EXAMPLES: &str = "\
EXAMPLES:
  sockcli listen 50007 --echo                      # the seeds' echo server (one client)
  sockcli listen -k 50007 --echo                   # echo many clients at once
  sockcli listen -v 0 --ready-file port.txt > out  # ephemeral port, written once listening
  sockcli listen 127.0.0.1 8080 < reply.txt        # serve a file to one client
  sockcli listen -u 5353 --echo                    # UDP echo, every sender gets its replies
  sockcli listen -U /tmp/app.sock                  # AF_UNIX stream socket
  sockcli listen -k 50007                          # stdin to every client, all clients to stdout
  sockcli listen -k 50007 --broker                 # a chat room: each client's bytes to the others
  sockcli listen -k 8080 --sh-exec 'echo hi; cat'  # a child per client, socket as its stdio
  sockcli listen -k 50007 --echo --allow 10.0.0.0/8 --deny 10.9.0.0/16 --max-conns 100
  sockcli listen -v -k --tls 8443 --echo           # TLS with a fresh certificate (-v: its SHA-256)
  sockcli listen -k --tls --tls-cert c.pem --tls-key k.pem 443 --exec ./handler
  sockcli listen --vsock 5000                      # AF_VSOCK: every local CID, port 5000";

const PAIR_EXAMPLES: &str = "\
ENDPOINTS:
  - | stdio                  stdin and stdout
  tcp:HOST:PORT              connect (IPv6 bracketed: tcp:[::1]:80)
  tcp-listen:[ADDR:]PORT     accept one client (-k: every client)
  udp:HOST:PORT              connected UDP socket
  udp-listen:[ADDR:]PORT     the first sender (-k: every sender, a UDP forwarder)
  unix:PATH, unix-dgram:PATH unix stream / datagram socket ('@name': abstract)
  unix-listen:PATH           accept on a unix socket
  exec:CMD, sh:CMD           a child on a socketpair (exec: no shell; sh: /bin/sh -c)
  file:PATH                  read PATH; create:PATH / append:PATH write it
  fd:N                       an inherited file descriptor
  pty                        a pseudo-terminal (a virtual serial port; -v prints its path)
  can:IFACE                  a SocketCAN interface: frames in the kernel's layout, one per
                             datagram, self-delimiting in a stream (README: CAN over IP)
  tls:HOST:PORT              TCP, then TLS (options ca= sni= alpn=h2;http/1.1 insecure
                             cert= key= pin=SHA256; aliases ssl:, openssl:)
  tls-listen:[ADDR:]PORT     TLS server (cert= key=, or a fresh certificate; ca= asks
                             clients for certificates; alpn=)
  socks5:PROXY:PPORT:HOST:PORT  HOST:PORT through a SOCKS5 proxy (socks4:, http-proxy: alike;
                             --proxy-auth or SOCKCLI_PROXY_AUTH for credentials)
  vsock:CID:PORT             AF_VSOCK stream (VM <-> host; CID 2 is the host, 1 this machine)
  vsock-listen:PORT          accept AF_VSOCK streams on PORT
  Options follow commas: tcp:h:p,nodelay  tcp-listen:8080,reuseport,bind=::1
  unix-listen:/run/x.sock,mode=600,unlink  pty,link=/tmp/ttyV0

EXAMPLES:
  sockcli pair tcp-listen:8080 tcp:example.com:80          # forward one connection
  sockcli pair -k tcp-listen:8080 tcp:127.0.0.1:80         # a port forwarder, every client
  sockcli pair -k udp-listen:5353 udp:10.0.0.1:53          # a UDP forwarder
  sockcli pair -k tcp-listen:7000 exec:'cat -n'            # an exec server, a child per client
  sockcli pair -v pty,link=/tmp/ttyV0 tcp:device:4001      # a virtual serial port
  sockcli pair unix-listen:/tmp/a.sock tcp:127.0.0.1:22    # unix socket to TCP
  sockcli pair --pcap s.pcap tcp-listen:8080 tcp:h:80      # record the session as a capture
  sockcli pair exec:'producer' exec:'consumer'             # two processes joined
  sockcli pair can:can0 udp-listen:29536                   # CAN over IP: this host's bus ...
  sockcli pair can:can1 udp:host-a:29536                   # ... joined to another host's
  sockcli pair -k tls-listen:443,cert=c.pem,key=k.pem tcp:127.0.0.1:8080  # TLS terminator
  sockcli pair -k tcp-listen:2222 socks5:gw:1080:intranet:22  # a forwarder through a proxy
  sockcli pair -k tcp-listen:8080 vsock:3:80               # a VM's port 80 on the host's 8080";

const RESOLVE_EXAMPLES: &str = "\
EXAMPLES:
  sockcli resolve localhost http               # every getaddrinfo result for localhost:80
  sockcli resolve daring.cwi.nl --family 6 --type stream --canonname
  sockcli resolve --json example.com           # one JSON object per result
  sockcli resolve --aliases www.python.org     # gethostbyname_ex: name, aliases, addresses
  sockcli resolve -r 127.0.0.1                 # gethostbyaddr: address, name, aliases
  sockcli resolve -r ::1 443 -n                # getnameinfo, numeric host and service
  sockcli resolve --service http/tcp           # getservbyname -> 80
  sockcli resolve --port 443                   # getservbyport -> https
  sockcli resolve --protocol icmp              # getprotobyname -> 1 (a number gives the name)
  sockcli resolve --fqdn                       # getfqdn of this host (or of NAME)
  sockcli resolve --hostname                   # gethostname
  sockcli resolve --interfaces                 # if_nameindex: index and name
  sockcli resolve - < names.txt                # HOST [SERVICE] per line, in input order";

/// What `resolve` looks up; forward getaddrinfo when none of these is given.
#[derive(Debug, Args)]
#[group(id = "mode", multiple = false)]
pub struct ResolveMode {
    /// Reverse lookup of ADDR (gethostbyaddr: name, aliases, addresses); with a PORT
    /// argument or -n/--numeric-host, getnameinfo.
    #[arg(short = 'r', long, value_name = "ADDR")]
    pub reverse: Option<String>,
    /// The port of a service name (getservbyname), e.g. http or http/tcp.
    #[arg(long, value_name = "NAME[/PROTO]")]
    pub service: Option<String>,
    /// The service name of a port (getservbyport), e.g. 443 or 53/udp.
    #[arg(long, value_name = "N[/PROTO]")]
    pub port: Option<String>,
    /// A protocol's number from its name, or its name from a number (getprotobyname).
    #[arg(long, value_name = "NAME|NUMBER")]
    pub protocol: Option<String>,
    /// The fully qualified name of NAME, or of this host (getfqdn).
    #[arg(long, value_name = "NAME", num_args = 0..=1, default_missing_value = "")]
    pub fqdn: Option<String>,
    /// This host's name (gethostname).
    #[arg(long)]
    pub hostname: bool,
    /// Network interfaces: index and name (if_nameindex).
    #[arg(long)]
    pub interfaces: bool,
}

/// Look names, addresses, services, protocols and interfaces up with the system resolver
/// (getaddrinfo, gethostbyaddr, getnameinfo, getservbyname, ...).
#[derive(Debug, Args)]
#[command(after_long_help = RESOLVE_EXAMPLES)]
pub struct ResolveArgs {
    /// HOST [SERVICE] to resolve ('' for no host, '-' to read HOST [SERVICE] lines from
    /// stdin); with -r: an optional PORT.
    #[arg(value_name = "HOST [SERVICE]", num_args = 0..=2)]
    pub target: Vec<String>,
    #[command(flatten)]
    pub mode: ResolveMode,
    /// Show HOST's hosts entry instead (gethostbyname_ex: canonical name, aliases, addresses;
    /// IPv4 unless --family 6).
    #[arg(long, conflicts_with_all = ["socktype", "passive", "canonname", "mode"])]
    pub aliases: bool,
    /// IPv4 only.
    #[arg(short = '4', conflicts_with_all = ["ipv6", "family"], conflicts_with_all = LOOKUPS)]
    pub ipv4: bool,
    /// IPv6 only.
    #[arg(short = '6', conflicts_with = "family", conflicts_with_all = LOOKUPS)]
    pub ipv6: bool,
    /// Address family: 4 or 6 (same as -4 / -6).
    #[arg(long, value_name = "4|6", value_parser = ["4", "6"], conflicts_with_all = LOOKUPS)]
    pub family: Option<String>,
    /// Socket type to ask for (default: every type the resolver returns); with -r, dgram
    /// sets NI_DGRAM.
    #[arg(long = "type", value_name = "TYPE", conflicts_with_all = LOOKUPS)]
    pub socktype: Option<SockTypeArg>,
    /// AI_PASSIVE: with no HOST (''), the any-address, for binding.
    #[arg(long, conflicts_with = "mode")]
    pub passive: bool,
    /// AI_CANONNAME: also report the canonical name.
    #[arg(long, conflicts_with = "mode")]
    pub canonname: bool,
    /// HOST must be a numeric address (AI_NUMERICHOST); with -r: NI_NUMERICHOST.
    #[arg(long, conflicts_with_all = LOOKUPS)]
    pub numeric_host: bool,
    /// With -r: numeric host and service (NI_NUMERICHOST | NI_NUMERICSERV).
    #[arg(short = 'n', long, requires = "reverse")]
    pub numeric: bool,
    /// Print JSON Lines (one object per result) instead of aligned columns.
    #[arg(long)]
    pub json: bool,
    /// With '-': how many lookups run at once [default: 16].
    #[arg(short = 'j', long, value_name = "N", conflicts_with = "mode",
          value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: Option<u16>,
}

/// The `resolve` lookups that take no HOST, family or socket type.
const LOOKUPS: [&str; 6] = [
    "service",
    "port",
    "protocol",
    "fqdn",
    "hostname",
    "interfaces",
];

/// `resolve --type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SockTypeArg {
    Stream,
    Dgram,
    Raw,
}

/// Connect to HOST PORT (TCP, UDP or a unix socket) and relay it with stdin/stdout.
#[derive(Debug, Args)]
#[command(after_long_help = CONNECT_EXAMPLES)]
pub struct ConnectArgs {
    /// HOST PORT, or one endpoint: tcp:HOST:PORT, udp:HOST:PORT, unix:PATH. With -z: HOST
    /// PORTS, a list of ports and ranges like 20-25,80,443.
    #[arg(value_name = "HOST PORT | ENDPOINT", num_args = 0..=2)]
    pub target: Vec<String>,
    /// Zero-I/O scan: connect to every port in PORTS, print the open ones (exit 0 if any is).
    #[arg(short = 'z', long = "zero-io", conflicts_with_all = ["exec", "sh_exec", "udp", "unix", "vsock"])]
    pub zero_io: bool,
    /// With -z: how many connects may be in flight at once (also capped by the open-file
    /// limit, whose soft value is raised to the hard one).
    #[arg(long, value_name = "N", default_value_t = 512, requires = "zero_io",
          value_parser = clap::value_parser!(u32).range(1..=65535))]
    pub parallel: u32,
    /// With -z: print each open port as a JSON object per line; with -v: the connection
    /// events (connected, closed) as JSON Lines on stderr.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub exec: ExecArgs,
    #[command(flatten)]
    pub net: NetArgs,
    #[command(flatten)]
    pub sock: SockArgs,
    #[command(flatten)]
    pub session: SessionArgs,
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub tls: tls::TlsArgs,
    #[command(flatten)]
    pub proxy: proxy::ProxyArgs,
}

/// Listen on [ADDR] PORT (or a unix socket): relay one client with stdin/stdout, or serve many
/// (-k, --echo, --broker, --exec).
#[derive(Debug, Args)]
#[command(after_long_help = LISTEN_EXAMPLES)]
pub struct ListenArgs {
    /// [ADDR] PORT (PORT 0 picks a free port), or one endpoint: tcp-listen:[ADDR:]PORT,
    /// udp-listen:[ADDR:]PORT, unix-listen:PATH. Without ADDR: every address, IPv6 and IPv4.
    #[arg(value_name = "[ADDR] PORT | ENDPOINT", num_args = 0..=2)]
    pub target: Vec<String>,
    /// Send every byte received back to its sender (UDP: each datagram to its sender).
    #[arg(long, conflicts_with_all = ["broker", "exec", "sh_exec"])]
    pub echo: bool,
    /// Serve many clients at once instead of exiting after the first. Without --echo,
    /// --broker or --exec, stdin goes to every client and every client's bytes to stdout.
    #[arg(short = 'k', long = "keep-open")]
    pub keep_open: bool,
    /// Relay every client's bytes to all the other clients (implies -k).
    #[arg(long, conflicts_with_all = ["exec", "sh_exec"])]
    pub broker: bool,
    #[command(flatten)]
    pub clients: ClientArgs,
    #[command(flatten)]
    pub exec: ExecArgs,
    /// With -v: the connection events (listening, connected, refused, closed) as JSON Lines
    /// on stderr.
    #[arg(long)]
    pub json: bool,
    /// Once listening, write the bound ADDR:PORT (or unix path) and a newline to PATH,
    /// atomically, so scripts can wait for the file instead of sleeping.
    #[arg(long, value_name = "PATH")]
    pub ready_file: Option<PathBuf>,
    /// Length of the listen(2) queue of not-yet-accepted connections.
    #[arg(long, value_name = "N", default_value_t = 128)]
    pub backlog: i32,
    #[command(flatten)]
    pub net: NetArgs,
    #[command(flatten)]
    pub sock: SockArgs,
    #[command(flatten)]
    pub session: SessionArgs,
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub tls: tls::TlsArgs,
}

/// Join two endpoints and relay bytes both ways (port forwards, exec servers, unix ↔ TCP,
/// virtual serial ports); with -k, a fresh right endpoint for every client.
#[derive(Debug, Args)]
#[command(after_long_help = PAIR_EXAMPLES)]
pub struct PairArgs {
    /// The first endpoint (its EOF is what --eof and -q act on). See ENDPOINTS below.
    #[arg(value_name = "LEFT")]
    pub left: String,
    /// The second endpoint; with -k, opened afresh for every client of LEFT.
    #[arg(value_name = "RIGHT")]
    pub right: String,
    /// Serve every client of a listening LEFT, each with its own RIGHT, in one loop.
    #[arg(short = 'k', long = "keep-open")]
    pub keep_open: bool,
    #[command(flatten)]
    pub clients: ClientArgs,
    /// Once a listening LEFT is bound, write its ADDR:PORT (or path) and a newline to PATH.
    #[arg(long, value_name = "PATH")]
    pub ready_file: Option<PathBuf>,
    /// Use IPv4 only.
    #[arg(short = '4', conflicts_with_all = ["ipv6"])]
    pub ipv4: bool,
    /// Use IPv6 only.
    #[arg(short = '6')]
    pub ipv6: bool,
    /// Numeric addresses only: never look names up.
    #[arg(short = 'n', long)]
    pub numeric: bool,
    /// Log each side's open and close (and exec children's exit status) to stderr.
    #[arg(short = 'v', long)]
    pub verbose: bool,
    /// With -v: the events as JSON Lines.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub session: SessionArgs,
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub proxy: proxy::ProxyCommon,
    /// Whose -v lines the session prints: `connect`/`listen` set it for the sessions they
    /// run through pair's engine (not a flag).
    #[arg(skip)]
    pub voice: crate::cmd::voice::Voice,
}

impl PairArgs {
    /// One `pair LEFT RIGHT` session carrying `connect`'s or `listen`'s shared flags: what
    /// those commands become for an endpoint they run through pair's engine.
    pub fn one_session(
        left: &str,
        right: &str,
        net: &NetArgs,
        json: bool,
        session: &SessionArgs,
        data: &DataArgs,
    ) -> PairArgs {
        PairArgs {
            left: left.into(),
            right: right.into(),
            keep_open: false,
            clients: Default::default(),
            ready_file: None,
            ipv4: net.ipv4,
            ipv6: net.ipv6,
            numeric: net.numeric,
            verbose: net.verbose,
            json,
            session: session.clone(),
            data: data.clone(),
            proxy: Default::default(),
            voice: Default::default(),
        }
    }
}

/// Which clients a server takes (`listen` and `pair`).
#[derive(Debug, Clone, Default, Args)]
pub struct ClientArgs {
    /// With -k: close clients beyond N at once, logged with -v (pair's UDP forwarder: senders
    /// with an upstream socket).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_conns: Option<u32>,
    /// Accept only clients whose address is in CIDR (repeatable; 10.0.0.0/8, ::1, fd00::/8).
    #[arg(long, value_name = "CIDR", value_parser = value::cidr)]
    pub allow: Vec<value::Cidr>,
    /// Close clients whose address is in CIDR before reading a byte (repeatable; wins over --allow).
    #[arg(long, value_name = "CIDR", value_parser = value::cidr)]
    pub deny: Vec<value::Cidr>,
    /// Read --allow CIDRs from PATH, one per line ('#' starts a comment).
    #[arg(long, value_name = "PATH")]
    pub allow_file: Option<PathBuf>,
    /// Read --deny CIDRs from PATH, one per line ('#' starts a comment).
    #[arg(long, value_name = "PATH")]
    pub deny_file: Option<PathBuf>,
}

/// Run a command per connection with the socket as its stdin and stdout.
#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Run COMMAND (split into words like a shell would, but no shell runs) with the socket as
    /// its stdin and stdout.
    #[arg(short = 'e', long, value_name = "COMMAND", conflicts_with = "sh_exec")]
    pub exec: Option<String>,
    /// Run COMMAND with /bin/sh -c, with the socket as its stdin and stdout.
    #[arg(short = 'c', long, value_name = "COMMAND")]
    pub sh_exec: Option<String>,
}

/// How the stdio session shows and shapes its bytes (not with --exec, --echo, --broker, -k).
#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// Message framing: raw bytes; line (messages end at \n); len16/len32 (each stdin line
    /// is sent as one message with a 2- or 4-byte big-endian length prefix, and each message
    /// received is written as one line); len16le/len32le (little-endian prefixes).
    #[arg(long, value_enum, value_name = "MODE", default_value = "raw")]
    pub frame: FrameArg,
    /// Send each bare \n from stdin as \r\n (as ncat -C; --frame raw and line only).
    #[arg(short = 'C', long)]
    pub crlf: bool,
    /// Largest length-prefixed message, received or sent; a larger length is a protocol error
    /// (exit 1).
    #[arg(long, value_name = "BYTES", value_parser = value::bytes, default_value = "16m")]
    pub max_frame: usize,
    /// Hexdump both directions (offset, hex, ASCII, direction) to stderr, or to FILE with
    /// -x=FILE / --hexdump=FILE. What goes to stdout is unchanged.
    #[arg(short = 'x', long, value_name = "FILE", num_args = 0..=1, require_equals = true,
          default_missing_value = "-")]
    pub hexdump: Option<PathBuf>,
    /// Write the session's bytes to FILE as a pcap capture with synthesized headers.
    ///
    /// Each transfer becomes Ethernet/IP/TCP (or UDP with -u) packets between the socket's
    /// local address (the client, which sends stdin's bytes) and the peer: a TCP handshake,
    /// PSH|ACK segments with continuous sequence numbers, a FIN from each side as it closes
    /// (or an RST). Checksums are correct, so tcpdump -r, Wireshark and sockcli sniff -r show
    /// a normal conversation. Unix sockets get made-up addresses 10.0.0.1:49152 and
    /// 10.0.0.2:49153. The file is flushed at least every second and at the end. What goes to
    /// stdout is unchanged.
    #[arg(long, value_name = "FILE")]
    pub pcap: Option<PathBuf>,
    /// Raw terminal mode: keystrokes go out as typed (Ctrl-C too); Ctrl-] quits.
    ///
    /// When stdin is a terminal it is put in raw mode for the session: no line editing, no
    /// local echo, and Ctrl-C, Ctrl-D, Ctrl-Z and Enter (a CR) are sent to the peer as bytes.
    /// Ctrl-] ends the session at once and is not sent. Output processing is left on, so a
    /// peer's bare newlines still start a new line. The terminal is restored on every exit.
    /// Without a terminal on stdin, -t is ignored (noted with -v).
    #[arg(short = 't', long)]
    pub tty: bool,
    /// Show bytes moved and the rate on stderr (in place on a terminal).
    ///
    /// On a terminal one line is redrawn every 250 ms; otherwise a line is appended every
    /// second. The last line, printed however the session ends, has the exact byte counts.
    /// Nothing is written to stdout.
    #[arg(long)]
    pub progress: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FrameArg {
    Raw,
    Line,
    Len16,
    Len32,
    Len16le,
    Len32le,
}

/// Address family, transport and logging, shared by connect and listen.
#[derive(Debug, Args)]
pub struct NetArgs {
    /// Use IPv4 only.
    #[arg(short = '4', conflicts_with_all = ["ipv6", "family"])]
    pub ipv4: bool,
    /// Use IPv6 only.
    #[arg(short = '6', conflicts_with = "family")]
    pub ipv6: bool,
    /// Address family: 4 or 6 (same as -4 / -6).
    #[arg(long, value_name = "4|6", value_parser = ["4", "6"])]
    pub family: Option<String>,
    /// Numeric addresses only: never look names up.
    #[arg(short = 'n', long)]
    pub numeric: bool,
    /// Datagrams: UDP, or an AF_UNIX datagram socket with -U.
    #[arg(short = 'u', long)]
    pub udp: bool,
    /// Use the AF_UNIX socket at PATH ('@name' for the abstract namespace).
    #[arg(short = 'U', long = "unix", value_name = "PATH")]
    pub unix: Option<PathBuf>,
    /// AF_VSOCK (VM <-> host): connect takes CID PORT (2 is the host, 1 this machine),
    /// listen takes PORT.
    ///
    /// Example: sockcli connect --vsock 2 5000; sockcli listen --vsock 5000
    #[arg(long, conflicts_with_all = ["udp", "unix", "ipv4", "ipv6", "family"])]
    pub vsock: bool,
    /// Log connection events to stderr (Listening on, Connected by/to, Closed).
    #[arg(short = 'v', long)]
    pub verbose: bool,
}

/// Socket options.
#[derive(Debug, Args)]
pub struct SockArgs {
    /// Local (source) address to bind (listen: the address to listen on, as `nc -l -s`).
    #[arg(short = 's', long = "source", value_name = "ADDR")]
    pub source: Option<String>,
    /// Local (source) port to bind (listen: the port to listen on, as `nc -l -p`).
    #[arg(short = 'p', long = "source-port", value_name = "PORT")]
    pub source_port: Option<String>,
    /// Disable Nagle's algorithm (TCP_NODELAY).
    #[arg(long)]
    pub nodelay: bool,
    /// Enable TCP keepalive probes (SO_KEEPALIVE).
    #[arg(long)]
    pub keepalive: bool,
    /// Send buffer size (SO_SNDBUF), e.g. 65536, 256k, 4m.
    #[arg(long, value_name = "BYTES", value_parser = value::bytes)]
    pub sndbuf: Option<usize>,
    /// Receive buffer size (SO_RCVBUF), e.g. 65536, 256k, 4m.
    #[arg(long, value_name = "BYTES", value_parser = value::bytes)]
    pub rcvbuf: Option<usize>,
    /// IP time to live / IPv6 hop limit.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=255))]
    pub ttl: Option<u32>,
    /// IP type of service / IPv6 traffic class (0-255).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=255))]
    pub tos: Option<u32>,
    /// Set SO_REUSEADDR (servers always do).
    #[arg(long)]
    pub reuseaddr: bool,
    /// Set SO_REUSEPORT.
    #[arg(long)]
    pub reuseport: bool,
    /// Allow sending to broadcast addresses (SO_BROADCAST; `<broadcast>` sets it too).
    #[arg(long)]
    pub broadcast: bool,
}

/// Session behaviour: end of input, directions and timeouts.
#[derive(Debug, Clone, Args)]
pub struct SessionArgs {
    /// What stdin EOF does: half-close sends FIN and keeps reading until the peer closes;
    /// keep leaves the write side open; close ends the session once stdin is sent.
    #[arg(long, value_enum, value_name = "MODE", default_value = "half-close")]
    pub eof: EofArg,
    /// Same as --eof half-close (netcat's -N).
    #[arg(short = 'N', conflicts_with = "eof")]
    pub half_close: bool,
    /// Only send stdin; ignore what the peer sends.
    #[arg(long, conflicts_with = "recv_only")]
    pub send_only: bool,
    /// Only print what the peer sends; ignore stdin.
    #[arg(long)]
    pub recv_only: bool,
    /// Give up connecting (listen: waiting for a client) after DUR (exit 4). With -z: how
    /// long each port may take to answer (default 1s); a port that does not answer in time
    /// counts as not open.
    #[arg(short = 'w', long, value_name = "DUR", value_parser = value::duration)]
    pub connect_timeout: Option<Duration>,
    /// Exit 4 when no data moves either way for DUR (UDP connect: after stdin EOF, how long to
    /// wait for replies, default 2s, and then exit 0).
    #[arg(short = 'i', long, value_name = "DUR", value_parser = value::duration)]
    pub idle_timeout: Option<Duration>,
    /// Exit 4 when the whole session takes longer than DUR.
    #[arg(long, value_name = "DUR", value_parser = value::duration)]
    pub timeout: Option<Duration>,
    /// After stdin EOF, quit after DUR even if the peer is still open (exit 4).
    #[arg(short = 'q', long, value_name = "DUR", value_parser = value::duration)]
    pub quit_after: Option<Duration>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EofArg {
    HalfClose,
    Keep,
    Close,
}
