//! `--pcap FILE`: the bytes a session relays, written as a capture with synthesized
//! Ethernet, IP and TCP or UDP headers, so `tcpdump -r`, Wireshark and `sockcli sniff -r` show
//! an ordinary conversation.
//!
//! The client is the side whose bytes are [`Dir::Sent`] (stdin → socket: the local socket),
//! the server the peer ([`Dir::Received`]). A TCP conversation opens with SYN, SYN/ACK, ACK
//! (window scaling 14 on both sides, so the advertised window is about 1 GiB), carries each
//! transfer as PSH|ACK segments whose sequence and acknowledgement numbers continue in both
//! directions, and ends with a FIN|ACK from each side as it closes (then the last ACK), or an
//! RST. A UDP conversation is one datagram per transfer. A transfer too large for one IP
//! packet (IPv4 total length, IPv6 payload length: 16 bits) is split over several. IPv4
//! packets have DF set, a running id per side and a correct header checksum; TCP and UDP
//! checksums are correct. The Ethernet addresses are fixed and locally administered:
//! [`CLIENT_MAC`] and [`SERVER_MAC`]. Each packet is stamped with the time of the call that
//! wrote it.
//!
//! Sockets without IP addresses (unix sockets) are written with [`Conversation::placeholder`]
//! addresses.
//!
//! The file is written through a 64 KiB buffer (a full buffer is written out at once), flushed
//! by a background thread every second, by [`PcapSink::flush`] and when the sink is dropped: a
//! session ended by a signal loses nothing it already relayed. The first write error is
//! reported once on stderr; the capture stops there, the session goes on.

use std::fs::File;
use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use socket2::Socket;

use super::hexdump::Dir;
use crate::sniff::link::LinkType;
use crate::sniff::pcap::{MAX_SNAPLEN, Precision, Writer};
use crate::sock::addr::Proto;

/// Ethernet source of the client's packets (locally administered, unicast).
pub const CLIENT_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];
/// Ethernet source of the server's packets.
pub const SERVER_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];

/// How often buffered packets are written out at the latest.
const FLUSH_EVERY: Duration = Duration::from_secs(1);
/// Initial sequence numbers (any value works; fixed ones make captures comparable).
const CLIENT_ISN: u32 = 0x1000_0000;
const SERVER_ISN: u32 = 0x2000_0000;
/// TCP window scale both sides announce, and the (unscaled) window in every segment.
const WSCALE: u8 = 14;
const WINDOW: u16 = 0xffff;
/// A receiver that has not acknowledged this many bytes sends a pure ACK before more data
/// comes, so the sender never runs past the advertised window in an analyser's eyes.
#[cfg(not(test))]
const ACK_AFTER: u32 = 256 << 20;
#[cfg(test)]
const ACK_AFTER: u32 = 1 << 20;

const TCP_FIN: u8 = 0x01;
const TCP_SYN: u8 = 0x02;
const TCP_RST: u8 = 0x04;
const TCP_PSH: u8 = 0x08;
const TCP_ACK: u8 = 0x10;

const ETH_LEN: usize = 14;
const IPV4_LEN: usize = 20;
const IPV6_LEN: usize = 40;
const TCP_LEN: usize = 20;
const UDP_LEN: usize = 8;

/// Who talks to whom. `client` is the side of [`Dir::Sent`], `server` that of
/// [`Dir::Received`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conversation {
    pub proto: Proto,
    pub client: SocketAddr,
    pub server: SocketAddr,
}

impl Conversation {
    /// Made-up addresses for a session without IP addresses (unix sockets):
    /// 10.0.0.1:49152 (client) → 10.0.0.2:49153 (server). Both ports are in the dynamic
    /// range, which no protocol is assigned, so no dissector claims the payload.
    pub fn placeholder(proto: Proto) -> Conversation {
        Conversation {
            proto,
            client: SocketAddr::new(Ipv4Addr::new(10, 0, 0, 1).into(), 49152),
            server: SocketAddr::new(Ipv4Addr::new(10, 0, 0, 2).into(), 49153),
        }
    }

    /// The local address (client) and the peer's (server) of a connected socket; the
    /// placeholder when either is not an IP address.
    pub fn of_socket(sock: &Socket, datagram: bool) -> Conversation {
        let proto = if datagram { Proto::Udp } else { Proto::Tcp };
        let local = sock.local_addr().ok().and_then(|a| a.as_socket());
        let peer = sock.peer_addr().ok().and_then(|a| a.as_socket());
        match (local, peer) {
            (Some(client), Some(server)) => Conversation {
                proto,
                client,
                server,
            },
            _ => Conversation::placeholder(proto),
        }
    }

    /// Both addresses in one family: IPv4 when both are (or are IPv4-mapped), else IPv6
    /// (an IPv4 address as IPv4-mapped).
    fn normalized(self) -> Conversation {
        let (c, s) = (
            self.client.ip().to_canonical(),
            self.server.ip().to_canonical(),
        );
        let (c, s) = match (c, s) {
            (IpAddr::V4(_), IpAddr::V4(_)) => (c, s),
            _ => (IpAddr::V6(v6(c)), IpAddr::V6(v6(s))),
        };
        Conversation {
            proto: self.proto,
            client: SocketAddr::new(c, self.client.port()),
            server: SocketAddr::new(s, self.server.port()),
        }
    }
}

fn v6(ip: IpAddr) -> std::net::Ipv6Addr {
    match ip {
        IpAddr::V4(a) => a.to_ipv6_mapped(),
        IpAddr::V6(a) => a,
    }
}

/// The capture file of one session, shared by both directions (see [`PcapTap`]) and the
/// relay (which calls [`begin`](PcapSink::begin), [`fin`](PcapSink::fin) and
/// [`close`](PcapSink::close)).
pub struct PcapSink {
    name: String,
    state: Mutex<State>,
}

impl std::fmt::Debug for PcapSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PcapSink")
            .field("name", &self.name)
            .finish()
    }
}

struct State {
    /// `None` once a write failed.
    out: Option<Writer<File>>,
    /// The first write error (kind and text), for [`PcapSink::flush`].
    error: Option<(io::ErrorKind, String)>,
    /// Packets were written since the last flush.
    dirty: bool,
    last_flush: Instant,
    conv: Option<Conv>,
    /// One frame being built (reused).
    frame: Vec<u8>,
}

/// The state of the conversation being written.
struct Conv {
    conv: Conversation,
    /// Index 0: the client ([`Dir::Sent`]), 1: the server.
    sides: [Side; 2],
    /// An RST was written, or both FINs and the last ACK: nothing more is written.
    over: bool,
}

#[derive(Clone, Copy)]
struct Side {
    /// The next sequence number this side sends.
    nxt: u32,
    /// The last acknowledgement number this side sent.
    acked: u32,
    /// The next IPv4 id.
    ip_id: u16,
    fin: bool,
}

fn index(dir: Dir) -> usize {
    match dir {
        Dir::Sent => 0,
        Dir::Received => 1,
    }
}

impl PcapSink {
    /// Create (or truncate) the capture file and write its header. `-` is refused: stdout
    /// carries the session's data.
    pub fn create(path: &Path) -> io::Result<Arc<PcapSink>> {
        if path.as_os_str() == "-" {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the capture cannot go to stdout (-), which carries the data",
            ));
        }
        let file = File::create(path)?;
        let mut out =
            Writer::with_precision(file, LinkType::ETHERNET, MAX_SNAPLEN, Precision::Micro)?;
        out.flush()?;
        let sink = Arc::new(PcapSink {
            name: path.display().to_string(),
            state: Mutex::new(State {
                out: Some(out),
                error: None,
                dirty: false,
                last_flush: Instant::now(),
                conv: None,
                frame: Vec::with_capacity(ETH_LEN + IPV6_LEN + 65_535),
            }),
        });
        spawn_flusher(Arc::downgrade(&sink));
        Ok(sink)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere while holding the lock leaves consistent-enough state to go on.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Start the conversation: for TCP the three-way handshake. Called once the session's
    /// addresses are known; a second call starts a new conversation. Data, FINs and RSTs
    /// before the first call are not written.
    pub fn begin(&self, conv: Conversation) {
        let conv = conv.normalized();
        let mut st = self.lock();
        let side = |isn: u32| Side {
            nxt: isn,
            acked: 0,
            ip_id: 1,
            fin: false,
        };
        st.conv = Some(Conv {
            conv,
            sides: [side(CLIENT_ISN), side(SERVER_ISN)],
            over: false,
        });
        if conv.proto == Proto::Tcp {
            let ts = now();
            // NOP, window scale: announced in both SYNs, so both windows are scaled.
            let opts = [1, 3, 3, WSCALE];
            st.tcp(&self.name, ts, 0, TCP_SYN, &opts, &[]);
            st.tcp(&self.name, ts, 1, TCP_SYN | TCP_ACK, &opts, &[]);
            st.tcp(&self.name, ts, 0, TCP_ACK, &[], &[]);
        }
        st.wrote(&self.name);
    }

    /// One transfer in direction `dir`: TCP segments (PSH|ACK), or one UDP datagram (several
    /// when it is larger than an IP packet can carry; an empty one too). Ignored after that
    /// side's FIN.
    pub fn data(&self, dir: Dir, bytes: &[u8]) {
        let mut st = self.lock();
        let Some(c) = st.conv.as_ref() else { return };
        let from = index(dir);
        if c.over || c.sides[from].fin {
            return;
        }
        let proto = c.conv.proto;
        let v4 = c.conv.client.is_ipv4();
        let ts = now();
        if proto == Proto::Udp {
            if bytes.is_empty() {
                st.udp(&self.name, ts, from, bytes);
            }
            for chunk in bytes.chunks(max_payload(v4, proto)) {
                st.udp(&self.name, ts, from, chunk);
            }
            st.wrote(&self.name);
            return;
        }
        for chunk in bytes.chunks(max_payload(v4, proto)) {
            let to = 1 - from;
            let c = st.conv.as_ref().expect("conversation");
            if c.sides[from].nxt.wrapping_sub(c.sides[to].acked) >= ACK_AFTER {
                st.tcp(&self.name, ts, to, TCP_ACK, &[], &[]);
            }
            st.tcp(&self.name, ts, from, TCP_PSH | TCP_ACK, &[], chunk);
        }
        st.wrote(&self.name);
    }

    /// That side closed its sending direction: a FIN|ACK (once per side; TCP only). After the
    /// second FIN the other side's last ACK.
    pub fn fin(&self, dir: Dir) {
        let mut st = self.lock();
        let from = index(dir);
        match st.conv.as_ref() {
            Some(c) if c.conv.proto == Proto::Tcp && !c.over && !c.sides[from].fin => {}
            _ => return,
        }
        let ts = now();
        st.tcp(&self.name, ts, from, TCP_FIN | TCP_ACK, &[], &[]);
        let c = st.conv.as_mut().expect("conversation");
        c.sides[from].fin = true;
        if c.sides[1 - from].fin {
            c.over = true;
            st.tcp(&self.name, ts, 1 - from, TCP_ACK, &[], &[]);
        }
        st.wrote(&self.name);
    }

    /// That side reset the connection: an RST|ACK, and the conversation is over (TCP only).
    pub fn reset(&self, dir: Dir) {
        let mut st = self.lock();
        match st.conv.as_ref() {
            Some(c) if c.conv.proto == Proto::Tcp && !c.over => {}
            _ => return,
        }
        st.tcp(&self.name, now(), index(dir), TCP_RST | TCP_ACK, &[], &[]);
        st.conv.as_mut().expect("conversation").over = true;
        st.wrote(&self.name);
    }

    /// The session is over and the local socket closes: an RST from the peer when it reset
    /// the connection (`peer_reset`), else our FIN unless it was written already. Then the
    /// file is flushed.
    pub fn close(&self, peer_reset: bool) {
        if peer_reset {
            self.reset(Dir::Received);
        } else {
            self.fin(Dir::Sent);
        }
        // A failure was reported when it happened.
        let _ = self.flush();
    }

    /// Write out what is buffered. After a write error, that error (every call; it was
    /// reported on stderr once, when it happened).
    pub fn flush(&self) -> io::Result<()> {
        let mut st = self.lock();
        st.flush(&self.name);
        match &st.error {
            None => Ok(()),
            Some((kind, text)) => Err(io::Error::new(*kind, text.clone())),
        }
    }
}

impl Drop for PcapSink {
    fn drop(&mut self) {
        let st = self.state.get_mut().unwrap_or_else(|p| p.into_inner());
        st.flush(&self.name);
    }
}

/// Flush the sink every [`FLUSH_EVERY`] while it lives (a session may sit idle for long).
fn spawn_flusher(sink: Weak<PcapSink>) {
    // Without the thread, packets are still flushed on later writes, at the end and at drop.
    let _ = std::thread::Builder::new()
        .name("pcap-flush".into())
        .spawn(move || {
            loop {
                std::thread::sleep(FLUSH_EVERY);
                let Some(sink) = sink.upgrade() else { return };
                let mut st = sink.lock();
                if st.dirty {
                    st.flush(&sink.name);
                }
            }
        });
}

impl State {
    /// Record one TCP segment from side `from` (0 client, 1 server) with the conversation's
    /// current numbers, and advance them.
    fn tcp(
        &mut self,
        name: &str,
        ts: Duration,
        from: usize,
        flags: u8,
        opts: &[u8],
        payload: &[u8],
    ) {
        let c = self.conv.as_mut().expect("conversation");
        let to = 1 - from;
        let seq = c.sides[from].nxt;
        let ack = if flags & TCP_ACK != 0 {
            c.sides[to].nxt
        } else {
            0
        };
        let mut advance = payload.len() as u32;
        if flags & (TCP_SYN | TCP_FIN) != 0 {
            advance = advance.wrapping_add(1);
        }
        c.sides[from].nxt = seq.wrapping_add(advance);
        if flags & TCP_ACK != 0 {
            c.sides[from].acked = ack;
        }
        let ip_id = c.sides[from].ip_id;
        c.sides[from].ip_id = ip_id.wrapping_add(1);
        let (src, dst) = ends(&c.conv, from);
        let l4 = L4::Tcp {
            seq,
            ack,
            flags,
            opts,
        };
        build(&mut self.frame, from, src, dst, ip_id, l4, payload);
        self.put(name, ts);
    }

    fn udp(&mut self, name: &str, ts: Duration, from: usize, payload: &[u8]) {
        let c = self.conv.as_mut().expect("conversation");
        let ip_id = c.sides[from].ip_id;
        c.sides[from].ip_id = ip_id.wrapping_add(1);
        let (src, dst) = ends(&c.conv, from);
        build(&mut self.frame, from, src, dst, ip_id, L4::Udp, payload);
        self.put(name, ts);
    }

    /// Append the built frame to the file.
    fn put(&mut self, name: &str, ts: Duration) {
        let Some(out) = self.out.as_mut() else { return };
        let len = self.frame.len() as u32;
        match out.write(ts.as_secs() as i64, ts.subsec_nanos(), len, &self.frame) {
            Ok(()) => self.dirty = true,
            Err(e) => self.fail(name, e),
        }
    }

    /// After a call's packets: flush when the last flush is a second old.
    fn wrote(&mut self, name: &str) {
        if self.last_flush.elapsed() >= FLUSH_EVERY {
            self.flush(name);
        }
    }

    fn flush(&mut self, name: &str) {
        self.last_flush = Instant::now();
        self.dirty = false;
        if let Some(out) = self.out.as_mut()
            && let Err(e) = out.flush()
        {
            self.fail(name, e);
        }
    }

    /// Give the capture up after its first write error, with one line on stderr.
    fn fail(&mut self, name: &str, e: io::Error) {
        // No more writes (dropping the writer tries its buffer once more, quietly).
        self.out = None;
        let text = crate::exit::describe_io(&e);
        let _ = writeln!(io::stderr(), "sockcli: pcap to {name} stopped: {text}");
        self.error = Some((e.kind(), text));
    }
}

fn now() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

/// Source and destination of side `from`'s packets.
fn ends(c: &Conversation, from: usize) -> (SocketAddr, SocketAddr) {
    if from == 0 {
        (c.client, c.server)
    } else {
        (c.server, c.client)
    }
}

/// The most payload one packet carries: the IPv4 total length and the IPv6 payload length
/// are 16 bits.
fn max_payload(v4: bool, proto: Proto) -> usize {
    let ip = if v4 { IPV4_LEN } else { 0 };
    let l4 = match proto {
        Proto::Tcp => TCP_LEN,
        Proto::Udp => UDP_LEN,
    };
    0xffff - ip - l4
}

enum L4<'a> {
    Tcp {
        seq: u32,
        ack: u32,
        flags: u8,
        opts: &'a [u8],
    },
    Udp,
}

/// Build one Ethernet frame into `buf`: side `from`'s MACs, an IPv4 or IPv6 header (as the
/// addresses are; both of one family), the TCP or UDP header with its checksum, the payload.
fn build(
    buf: &mut Vec<u8>,
    from: usize,
    src: SocketAddr,
    dst: SocketAddr,
    ip_id: u16,
    l4: L4<'_>,
    payload: &[u8],
) {
    let (src_mac, dst_mac) = if from == 0 {
        (CLIENT_MAC, SERVER_MAC)
    } else {
        (SERVER_MAC, CLIENT_MAC)
    };
    let (proto, l4_hdr) = match &l4 {
        L4::Tcp { opts, .. } => (6u8, TCP_LEN + opts.len()),
        L4::Udp => (17u8, UDP_LEN),
    };
    let l4_len = l4_hdr + payload.len();
    buf.clear();
    buf.extend_from_slice(&dst_mac);
    buf.extend_from_slice(&src_mac);
    let mut pseudo = 0u64;
    match (src.ip(), dst.ip()) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            buf.extend_from_slice(&0x0800u16.to_be_bytes());
            let start = buf.len();
            let total = (IPV4_LEN + l4_len) as u16;
            buf.extend_from_slice(&[0x45, 0]);
            buf.extend_from_slice(&total.to_be_bytes());
            buf.extend_from_slice(&ip_id.to_be_bytes());
            buf.extend_from_slice(&[0x40, 0, 64, proto, 0, 0]);
            buf.extend_from_slice(&s.octets());
            buf.extend_from_slice(&d.octets());
            let hsum = fold(sum(&buf[start..], 0));
            buf[start + 10..start + 12].copy_from_slice(&hsum.to_be_bytes());
            pseudo = sum(&s.octets(), pseudo);
            pseudo = sum(&d.octets(), pseudo);
            pseudo += u64::from(proto) + l4_len as u64;
        }
        (s, d) => {
            let (s, d) = (v6(s), v6(d));
            buf.extend_from_slice(&0x86ddu16.to_be_bytes());
            buf.extend_from_slice(&[0x60, 0, 0, 0]);
            buf.extend_from_slice(&(l4_len as u16).to_be_bytes());
            buf.extend_from_slice(&[proto, 64]);
            buf.extend_from_slice(&s.octets());
            buf.extend_from_slice(&d.octets());
            pseudo = sum(&s.octets(), pseudo);
            pseudo = sum(&d.octets(), pseudo);
            pseudo += u64::from(proto) + l4_len as u64;
        }
    }
    let start = buf.len();
    buf.extend_from_slice(&src.port().to_be_bytes());
    buf.extend_from_slice(&dst.port().to_be_bytes());
    let csum_at = match l4 {
        L4::Tcp {
            seq,
            ack,
            flags,
            opts,
        } => {
            buf.extend_from_slice(&seq.to_be_bytes());
            buf.extend_from_slice(&ack.to_be_bytes());
            buf.push(((l4_hdr / 4) as u8) << 4);
            buf.push(flags);
            buf.extend_from_slice(&WINDOW.to_be_bytes());
            buf.extend_from_slice(&[0, 0, 0, 0]);
            buf.extend_from_slice(opts);
            start + 16
        }
        L4::Udp => {
            buf.extend_from_slice(&(l4_len as u16).to_be_bytes());
            buf.extend_from_slice(&[0, 0]);
            start + 6
        }
    };
    buf.extend_from_slice(payload);
    let mut csum = fold(sum(&buf[start..], pseudo));
    if csum == 0 && proto == 17 {
        // UDP: 0 means "no checksum"; a computed 0 is sent as its other form.
        csum = 0xffff;
    }
    buf[csum_at..csum_at + 2].copy_from_slice(&csum.to_be_bytes());
}

/// Add `data` as big-endian 16-bit words (an odd last byte padded with zero) to `acc`.
fn sum(data: &[u8], mut acc: u64) -> u64 {
    let mut words = data.chunks_exact(2);
    for w in &mut words {
        acc += u64::from(u16::from_be_bytes([w[0], w[1]]));
    }
    if let [last] = words.remainder() {
        acc += u64::from(*last) << 8;
    }
    acc
}

/// The Internet checksum of a sum: folded to 16 bits, ones' complement.
fn fold(mut acc: u64) -> u16 {
    while acc >> 16 != 0 {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    !(acc as u16)
}

/// One direction's view of the capture, fed by the shaping path like the hexdump [`Tap`].
///
/// [`Tap`]: super::hexdump::Tap
#[derive(Debug)]
pub struct PcapTap {
    sink: Arc<PcapSink>,
    dir: Dir,
}

impl PcapTap {
    pub fn new(sink: Arc<PcapSink>, dir: Dir) -> PcapTap {
        PcapTap { sink, dir }
    }

    /// One transfer (one read or write; one datagram).
    pub fn record(&mut self, bytes: &[u8]) {
        self.sink.data(self.dir, bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sniff::pcap::Reader;
    use etherparse::{NetSlice, SlicedPacket, TransportSlice};
    use std::net::Ipv6Addr;

    /// One packet read back from a capture, with every header checked on the way.
    #[derive(Debug)]
    struct Pkt {
        ts: Duration,
        src: SocketAddr,
        dst: SocketAddr,
        /// `None` for UDP.
        tcp: Option<Tcp>,
        payload: Vec<u8>,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    struct Tcp {
        seq: u32,
        ack: u32,
        flags: u8,
        window: u16,
        options_len: usize,
    }

    fn v4(a: [u8; 4], port: u16) -> SocketAddr {
        SocketAddr::new(Ipv4Addr::from(a).into(), port)
    }

    fn conv(proto: Proto, client: SocketAddr, server: SocketAddr) -> Conversation {
        Conversation {
            proto,
            client,
            server,
        }
    }

    fn tcp4() -> Conversation {
        conv(
            Proto::Tcp,
            v4([192, 0, 2, 1], 40000),
            v4([198, 51, 100, 7], 80),
        )
    }

    /// A sink on a fresh file in a temporary directory (kept alive by the returned guard).
    fn new_sink() -> (tempfile::TempDir, std::path::PathBuf, Arc<PcapSink>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.pcap");
        let sink = PcapSink::create(&path).unwrap();
        (dir, path, sink)
    }

    /// Every packet of the file, through the crate's own reader and etherparse; checks the
    /// link type, lengths, MACs (by direction), the IPv4 header checksum, DF, the TTL and the
    /// TCP or UDP checksum.
    fn read_back(path: &Path) -> Vec<Pkt> {
        let mut rd = Reader::new(File::open(path).unwrap()).unwrap();
        assert_eq!(rd.link(), Some(LinkType::ETHERNET));
        let mut pkts = Vec::new();
        while let Some(rec) = rd.next().unwrap() {
            assert_eq!(rec.len as usize, rec.data.len(), "record cut short");
            let frame = rec.data;
            let p = SlicedPacket::from_ethernet(frame).unwrap();
            let (src_ip, dst_ip, ip_len) = match p.net.as_ref().unwrap() {
                NetSlice::Ipv4(ip) => {
                    let h = ip.header();
                    assert_eq!(h.to_header().calc_header_checksum(), h.header_checksum());
                    assert!(h.dont_fragment() && !h.more_fragments());
                    assert_eq!(h.ttl(), 64);
                    assert_eq!(h.total_len() as usize, frame.len() - ETH_LEN);
                    let ip_len = h.total_len() as usize;
                    (
                        IpAddr::from(h.source_addr()),
                        IpAddr::from(h.destination_addr()),
                        ip_len,
                    )
                }
                NetSlice::Ipv6(ip) => {
                    let h = ip.header();
                    assert_eq!(
                        h.payload_length() as usize,
                        frame.len() - ETH_LEN - IPV6_LEN
                    );
                    assert_eq!(h.hop_limit(), 64);
                    let ip_len = IPV6_LEN + h.payload_length() as usize;
                    (
                        IpAddr::from(h.source_addr()),
                        IpAddr::from(h.destination_addr()),
                        ip_len,
                    )
                }
                NetSlice::Arp(_) => panic!("ARP"),
            };
            assert_eq!(ip_len + ETH_LEN, frame.len());
            let (tcp, sport, dport, payload) = match p.transport.as_ref().unwrap() {
                TransportSlice::Tcp(t) => {
                    let want = match (src_ip, dst_ip) {
                        (IpAddr::V4(s), IpAddr::V4(d)) => {
                            t.calc_checksum_ipv4(s.octets(), d.octets()).unwrap()
                        }
                        (IpAddr::V6(s), IpAddr::V6(d)) => {
                            t.calc_checksum_ipv6(s.octets(), d.octets()).unwrap()
                        }
                        _ => panic!("mixed families"),
                    };
                    assert_eq!(t.checksum(), want, "TCP checksum");
                    let flags = frame[ETH_LEN + ip_len - t.slice().len() + 13];
                    let tcp = Tcp {
                        seq: t.sequence_number(),
                        ack: t.acknowledgment_number(),
                        flags,
                        window: t.window_size(),
                        options_len: t.options().len(),
                    };
                    (
                        Some(tcp),
                        t.source_port(),
                        t.destination_port(),
                        t.payload(),
                    )
                }
                TransportSlice::Udp(u) => {
                    let h = u.to_header();
                    let want = match (src_ip, dst_ip) {
                        (IpAddr::V4(s), IpAddr::V4(d)) => h
                            .calc_checksum_ipv4_raw(s.octets(), d.octets(), u.payload())
                            .unwrap(),
                        (IpAddr::V6(s), IpAddr::V6(d)) => h
                            .calc_checksum_ipv6_raw(s.octets(), d.octets(), u.payload())
                            .unwrap(),
                        _ => panic!("mixed families"),
                    };
                    assert_eq!(u.checksum(), want, "UDP checksum");
                    assert_ne!(u.checksum(), 0);
                    assert_eq!(u.length() as usize, UDP_LEN + u.payload().len());
                    (None, u.source_port(), u.destination_port(), u.payload())
                }
                other => panic!("transport {other:?}"),
            };
            let src = SocketAddr::new(src_ip, sport);
            let dst = SocketAddr::new(dst_ip, dport);
            pkts.push(Pkt {
                ts: Duration::new(rec.ts_sec as u64, rec.ts_nsec),
                src,
                dst,
                tcp,
                payload: payload.to_vec(),
            });
            // MACs by direction: compared with the first packet's source (the client).
            let client = pkts[0].src;
            let (want_src, want_dst) = if src == client {
                (CLIENT_MAC, SERVER_MAC)
            } else {
                (SERVER_MAC, CLIENT_MAC)
            };
            assert_eq!(frame[..6], want_dst);
            assert_eq!(frame[6..12], want_src);
        }
        pkts
    }

    /// What a TCP capture says: the bytes each side sent, in order, and the flags of every
    /// packet. Checks the handshake, that every sequence number continues its side's stream
    /// and every ACK acknowledges all the other side sent before, and the IPv4 ids.
    fn follow_tcp(pkts: &[Pkt], c: Conversation) -> (Vec<u8>, Vec<u8>, Vec<(usize, u8)>) {
        let c = c.normalized();
        assert!(pkts.len() >= 3, "no handshake");
        let t: Vec<Tcp> = pkts.iter().map(|p| p.tcp.expect("TCP")).collect();
        assert_eq!((pkts[0].src, pkts[0].dst), (c.client, c.server));
        assert_eq!(t[0].flags, TCP_SYN);
        assert_eq!(t[1].flags, TCP_SYN | TCP_ACK);
        assert_eq!(t[2].flags, TCP_ACK);
        assert_eq!(t[0].options_len, 4);
        assert_eq!(t[1].options_len, 4);
        assert_eq!(t[1].ack, t[0].seq.wrapping_add(1));
        assert_eq!(t[2].seq, t[0].seq.wrapping_add(1));
        assert_eq!(t[2].ack, t[1].seq.wrapping_add(1));
        let mut nxt = [t[0].seq.wrapping_add(1), t[1].seq.wrapping_add(1)];
        let mut bytes = [Vec::new(), Vec::new()];
        let mut flags = Vec::new();
        for (p, t) in pkts[2..].iter().zip(&t[2..]) {
            let side = if (p.src, p.dst) == (c.client, c.server) {
                0
            } else {
                assert_eq!((p.src, p.dst), (c.server, c.client));
                1
            };
            assert_eq!(t.seq, nxt[side], "sequence gap in {p:?}");
            assert!(t.flags & TCP_ACK != 0);
            assert_eq!(t.ack, nxt[1 - side], "ACK not up to date in {p:?}");
            assert_eq!(t.window, WINDOW);
            if !p.payload.is_empty() {
                assert_eq!(t.flags, TCP_PSH | TCP_ACK);
            }
            let mut len = p.payload.len() as u32;
            if t.flags & TCP_FIN != 0 {
                len += 1;
            }
            nxt[side] = nxt[side].wrapping_add(len);
            bytes[side].extend_from_slice(&p.payload);
            flags.push((side, t.flags));
        }
        let [sent, received] = bytes;
        (sent, received, flags)
    }

    /// The IPv4 ids of side `src`'s packets count up from 1.
    fn check_ip_ids(path: &Path, src: SocketAddr) {
        let mut rd = Reader::new(File::open(path).unwrap()).unwrap();
        let mut want = 1u16;
        while let Some(rec) = rd.next().unwrap() {
            let f = rec.data;
            let from = SocketAddr::new(
                Ipv4Addr::new(f[26], f[27], f[28], f[29]).into(),
                u16::from_be_bytes([f[34], f[35]]),
            );
            if from == src {
                assert_eq!(u16::from_be_bytes([f[18], f[19]]), want);
                want += 1;
            }
        }
        assert!(want > 1);
    }

    fn noise(n: usize, seed: u8) -> Vec<u8> {
        (0..n)
            .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ (i >> 8) as u8)
            .collect()
    }

    #[test]
    fn a_tcp_conversation_reads_back_exactly() {
        let (_d, path, sink) = new_sink();
        let c = tcp4();
        let before = now();
        sink.begin(c);
        let (a, b, x) = (noise(1000, 1), noise(3, 2), noise(70_000, 3));
        sink.data(Dir::Sent, &a);
        sink.data(Dir::Received, &b);
        sink.data(Dir::Sent, b"x");
        sink.data(Dir::Received, &x);
        sink.data(Dir::Sent, &[]);
        sink.fin(Dir::Sent);
        sink.data(Dir::Received, b"after our FIN");
        sink.fin(Dir::Received);
        sink.fin(Dir::Received);
        sink.fin(Dir::Sent);
        sink.data(Dir::Sent, b"after both FINs: not written");
        sink.flush().unwrap();
        let after = now();
        let pkts = read_back(&path);
        let (sent, received, flags) = follow_tcp(&pkts, c);
        assert_eq!(sent, [&a[..], b"x"].concat());
        assert_eq!(received, [&b[..], &x[..], b"after our FIN"].concat());
        let pa = TCP_PSH | TCP_ACK;
        let fa = TCP_FIN | TCP_ACK;
        assert_eq!(
            flags,
            [
                (0, TCP_ACK),
                (0, pa),
                (1, pa),
                (0, pa),
                (1, pa),
                (1, pa),
                (0, fa),
                (1, pa),
                (1, fa),
                (0, TCP_ACK),
            ]
        );
        for p in &pkts {
            assert!(before <= p.ts && p.ts <= after, "timestamp {:?}", p.ts);
        }
        check_ip_ids(&path, c.client);
        check_ip_ids(&path, c.server);
    }

    #[test]
    fn a_large_transfer_is_split_into_packets_an_ip_length_can_hold() {
        for (client, server, max) in [
            (tcp4().client, tcp4().server, 65_535 - 40),
            (
                SocketAddr::new(Ipv6Addr::LOCALHOST.into(), 1),
                SocketAddr::new(Ipv6Addr::LOCALHOST.into(), 2),
                65_535 - 20,
            ),
        ] {
            let (_d, path, sink) = new_sink();
            let c = conv(Proto::Tcp, client, server);
            sink.begin(c);
            let big = noise(3 * max + 17, 9);
            sink.data(Dir::Sent, &big);
            sink.data(Dir::Received, &big[..max]);
            drop(sink); // the drop flushes
            let pkts = read_back(&path);
            let sizes: Vec<usize> = pkts[3..].iter().map(|p| p.payload.len()).collect();
            assert_eq!(sizes, [max, max, max, 17, max], "{client}");
            let (sent, received, _) = follow_tcp(&pkts, c);
            assert_eq!(sent, big);
            assert_eq!(received, big[..max]);
        }
    }

    #[test]
    fn ipv6_and_mixed_addresses() {
        let (_d, path, sink) = new_sink();
        let c = conv(
            Proto::Tcp,
            "[2001:db8::1]:5000".parse().unwrap(),
            "[2001:db8::2]:443".parse().unwrap(),
        );
        sink.begin(c);
        sink.data(Dir::Sent, b"hello");
        sink.data(Dir::Received, b"odd length reply");
        sink.reset(Dir::Received);
        sink.flush().unwrap();
        let pkts = read_back(&path);
        let (sent, received, flags) = follow_tcp(&pkts, c);
        assert_eq!(
            (&sent[..], &received[..]),
            (&b"hello"[..], &b"odd length reply"[..])
        );
        assert_eq!(flags.last(), Some(&(1, TCP_RST | TCP_ACK)));

        // An IPv4-mapped socket address is written as IPv4; IPv4 with IPv6 as IPv6.
        let mapped = conv(
            Proto::Tcp,
            "[::ffff:127.0.0.1]:1".parse().unwrap(),
            "127.0.0.2:2".parse().unwrap(),
        )
        .normalized();
        assert_eq!(mapped.client, "127.0.0.1:1".parse().unwrap());
        let mixed = conv(
            Proto::Tcp,
            "127.0.0.1:1".parse().unwrap(),
            "[::1]:2".parse().unwrap(),
        );
        let (_d2, path2, sink2) = new_sink();
        sink2.begin(mixed);
        sink2.data(Dir::Sent, b"x");
        sink2.flush().unwrap();
        let pkts = read_back(&path2);
        assert_eq!(pkts[0].src, "[::ffff:127.0.0.1]:1".parse().unwrap());
        assert_eq!(follow_tcp(&pkts, mixed).0, b"x");
    }

    #[test]
    fn udp_is_one_datagram_per_call() {
        for (client, server, max) in [
            (v4([10, 1, 1, 1], 5353), v4([10, 1, 1, 2], 53), 65_507),
            (
                "[fe80::1]:5353".parse().unwrap(),
                "[fe80::2]:53".parse().unwrap(),
                65_527,
            ),
        ] {
            let (_d, path, sink) = new_sink();
            sink.begin(conv(Proto::Udp, client, server));
            sink.data(Dir::Sent, b"query");
            sink.data(Dir::Received, b"answer");
            sink.data(Dir::Sent, &[]);
            let big = noise(max + 100, 4);
            sink.data(Dir::Received, &big);
            // No FIN, RST or ACK in UDP.
            sink.fin(Dir::Sent);
            sink.reset(Dir::Received);
            sink.close(false);
            let pkts = read_back(&path);
            assert!(pkts.iter().all(|p| p.tcp.is_none()));
            let got: Vec<(SocketAddr, Vec<u8>)> =
                pkts.into_iter().map(|p| (p.src, p.payload)).collect();
            assert_eq!(
                got,
                [
                    (client, b"query".to_vec()),
                    (server, b"answer".to_vec()),
                    (client, Vec::new()),
                    (server, big[..max].to_vec()),
                    (server, big[max..].to_vec()),
                ]
            );
        }
    }

    #[test]
    fn close_writes_our_fin_once_and_the_last_ack() {
        // Peer closed first: our FIN at close, then the peer's last ACK.
        let (_d, path, sink) = new_sink();
        sink.begin(tcp4());
        sink.data(Dir::Received, b"bye");
        sink.fin(Dir::Received);
        sink.close(false);
        sink.close(false);
        let flags = follow_tcp(&read_back(&path), tcp4()).2;
        let fa = TCP_FIN | TCP_ACK;
        assert_eq!(
            flags,
            [
                (0, TCP_ACK),
                (1, TCP_PSH | TCP_ACK),
                (1, fa),
                (0, fa),
                (1, TCP_ACK)
            ]
        );

        // A reset peer: its RST, and nothing after.
        let (_d, path, sink) = new_sink();
        sink.begin(tcp4());
        sink.fin(Dir::Sent);
        sink.close(true);
        sink.data(Dir::Received, b"late");
        sink.fin(Dir::Received);
        drop(sink);
        let flags = follow_tcp(&read_back(&path), tcp4()).2;
        assert_eq!(
            flags,
            [(0, TCP_ACK), (0, TCP_FIN | TCP_ACK), (1, TCP_RST | TCP_ACK)]
        );
    }

    #[test]
    fn a_long_one_way_stream_is_acknowledged_within_the_window() {
        let (_d, path, sink) = new_sink();
        sink.begin(tcp4());
        let chunk = noise(100_000, 5);
        let n = (3 * ACK_AFTER as usize) / chunk.len() + 1;
        for _ in 0..n {
            sink.data(Dir::Sent, &chunk);
        }
        sink.flush().unwrap();
        let pkts = read_back(&path);
        let (sent, received, flags) = follow_tcp(&pkts, tcp4());
        assert_eq!(sent.len(), n * chunk.len());
        assert!(received.is_empty());
        let acks = flags.iter().filter(|f| **f == (1, TCP_ACK)).count();
        assert!(acks >= 2, "{acks} pure ACKs for {} bytes", sent.len());
        // The server never lags more than ACK_AFTER plus one packet behind.
        let mut acked = pkts[1].tcp.unwrap().ack;
        for p in &pkts[3..] {
            let t = p.tcp.unwrap();
            if p.src == tcp4().server {
                acked = t.ack;
            } else {
                let end = t.seq.wrapping_add(p.payload.len() as u32);
                assert!(end.wrapping_sub(acked) < ACK_AFTER + 65_536);
            }
        }
    }

    #[test]
    fn nothing_is_written_before_begin() {
        let (_d, path, sink) = new_sink();
        sink.data(Dir::Sent, b"early");
        sink.fin(Dir::Sent);
        sink.reset(Dir::Sent);
        sink.flush().unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 24);
        assert!(read_back(&path).is_empty());
    }

    #[test]
    fn the_taps_feed_their_direction() {
        let (_d, path, sink) = new_sink();
        sink.begin(tcp4());
        let mut up = PcapTap::new(Arc::clone(&sink), Dir::Sent);
        let mut down = PcapTap::new(Arc::clone(&sink), Dir::Received);
        up.record(b"ping");
        down.record(b"pong");
        drop((up, down));
        drop(sink);
        let (sent, received, _) = follow_tcp(&read_back(&path), tcp4());
        assert_eq!((&sent[..], &received[..]), (&b"ping"[..], &b"pong"[..]));
    }

    #[test]
    fn addresses_of_sockets_or_placeholders() {
        use socket2::{Domain, Type};
        let (a, _b) = Socket::pair(Domain::UNIX, Type::STREAM, None).unwrap();
        assert_eq!(
            Conversation::of_socket(&a, false),
            Conversation::placeholder(Proto::Tcp)
        );
        let p = Conversation::placeholder(Proto::Udp);
        assert_eq!(p.client, v4([10, 0, 0, 1], 49152));
        assert_eq!(p.server, v4([10, 0, 0, 2], 49153));

        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let s = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let local = s.local_addr().unwrap();
        let sock = Socket::from(s);
        let c = Conversation::of_socket(&sock, false);
        assert_eq!(c, conv(Proto::Tcp, local, l.local_addr().unwrap()));
        assert_eq!(Conversation::of_socket(&sock, true).proto, Proto::Udp);
    }

    #[test]
    fn bad_paths_fail_at_create() {
        let e = PcapSink::create(Path::new("-")).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        let e = PcapSink::create(Path::new("/nonexistent-dir/x.pcap")).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
        // The header is written at once: a full disk shows at create.
        assert!(PcapSink::create(Path::new("/dev/full")).is_err());
    }

    #[test]
    fn a_write_error_stops_the_capture_and_is_kept() {
        let (_d, _path, sink) = new_sink();
        sink.begin(tcp4());
        {
            let full = File::options().write(true).open("/dev/full").unwrap();
            let w = Writer::with_precision(full, LinkType::ETHERNET, MAX_SNAPLEN, Precision::Micro)
                .unwrap();
            sink.lock().out = Some(w);
        }
        sink.data(Dir::Sent, &noise(200_000, 1));
        assert!(
            sink.lock().out.is_none(),
            "the capture goes on after an error"
        );
        sink.data(Dir::Received, b"ignored");
        for _ in 0..2 {
            let e = sink.flush().unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::StorageFull);
        }
        sink.close(false);
    }

    #[test]
    fn a_quiet_session_is_flushed_within_a_second() {
        let (_d, path, sink) = new_sink();
        sink.begin(tcp4());
        sink.data(Dir::Sent, b"x");
        let deadline = Instant::now() + Duration::from_secs(5);
        // Three handshake packets and one segment, written by the flusher thread.
        let want = 24 + 3 * (16 + 54) + 4 + 16 + 55;
        while std::fs::metadata(&path).unwrap().len() < want {
            assert!(Instant::now() < deadline, "not flushed");
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(read_back(&path).len(), 4);
    }
}
