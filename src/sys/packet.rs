//! Live capture with an AF_PACKET socket (socket2) and its TPACKET_V3 receive ring
//! ([`super::ring`]).
//!
//! Order of use: [`Capture::open`] (needs CAP_NET_RAW) with the program to attach before
//! anything arrives, optionally [`Capture::set_promiscuous`] and [`Capture::attach_filter`],
//! then the privileges dropped if asked ([`super::privs`]), then a loop of polling on
//! [`Capture::as_fd`] and [`Capture::for_each_ready`]; [`Capture::stats`] at the end.
//!
//! Snap length: the kernel cuts each packet to the filter's return value, so every program
//! attached must return at most `snaplen` (`sniff::filter::socket` builds them so);
//! `Frame::data` is also capped at `snaplen`.
//!
//! The programs are the caller's: which frames to reject (the loopback duplicates) is
//! `sniff`'s policy; [`Capture::skip_outgoing_on`] only drops what such a program should
//! have rejected already.

use std::io;
use std::mem::{size_of, zeroed};
use std::os::fd::{AsFd, BorrowedFd};
#[cfg(test)]
use std::time::Duration;

use socket2::{Domain, SockAddr, SockAddrStorage, SockFilter, Socket, Type};

use super::iface::if_name;
use super::ring::{Frame, Ring, RingConfig};

/// Kernel counters (PACKET_STATISTICS), accumulated over the life of a [`Capture`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Packets that passed the kernel filter, including the dropped ones (tcpdump's
    /// "received by filter").
    pub packets: u64,
    /// Packets that passed the filter but found the ring full ("dropped by kernel").
    pub drops: u64,
}

/// An AF_PACKET socket with a TPACKET_V3 receive ring. Drop unmaps the ring and closes the
/// socket (which also leaves promiscuous mode).
pub struct Capture {
    // Declared first: the ring is unmapped before the socket closes.
    ring: Option<Ring>,
    sock: Socket,
    config: RingConfig,
    snaplen: u32,
    ifindex: Option<u32>,
    skip_outgoing_on: Option<u32>,
    totals: Stats,
}

impl Capture {
    /// Open a capture. `ifindex` None = all interfaces. `cooked` = SOCK_DGRAM (no link header:
    /// for "all interfaces", where link types differ, and for link types pcap cannot store
    /// raw), else SOCK_RAW. `snaplen` must be at least 1.
    ///
    /// The socket is created with protocol 0 (receiving nothing), gets its ring and `filter`,
    /// and only then is bound with ETH_P_ALL, so nothing arrives unfiltered. Without
    /// CAP_NET_RAW the error has kind `PermissionDenied`.
    pub fn open(
        ifindex: Option<u32>,
        cooked: bool,
        snaplen: u32,
        ring: RingConfig,
        filter: &[SockFilter],
    ) -> io::Result<Capture> {
        let ty = if cooked { Type::DGRAM } else { Type::RAW };
        let sock = Socket::new(Domain::PACKET, ty, None).map_err(|err| {
            if err.kind() == io::ErrorKind::PermissionDenied {
                io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    "capturing packets needs CAP_NET_RAW (run as root, or grant it: \
                     setcap cap_net_raw+ep on the binary)",
                )
            } else {
                err
            }
        })?;
        let version = libc::tpacket_versions::TPACKET_V3 as libc::c_int;
        super::setsockopt(
            sock.as_fd(),
            libc::SOL_PACKET,
            libc::PACKET_VERSION,
            &version,
        )?;
        let ring = Ring::map(sock.as_fd(), ring)?;
        let cap = Capture {
            config: ring.config(),
            ring: Some(ring),
            sock,
            snaplen,
            ifindex,
            skip_outgoing_on: None,
            totals: Stats::default(),
        };
        cap.set_filter(filter)?;
        cap.sock.bind(&sll_addr(ifindex)).map_err(|err| {
            let index = ifindex.unwrap_or(0);
            match err.raw_os_error() {
                Some(libc::ENODEV) | Some(libc::ENXIO) => io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("no interface with index {index}"),
                ),
                Some(libc::ENETDOWN) => {
                    let name = if_name(index).unwrap_or_else(|_| format!("#{index}"));
                    io::Error::new(err.kind(), format!("interface {name} is down"))
                }
                _ => err,
            }
        })?;
        Ok(cap)
    }

    /// The effective snap length.
    pub fn snaplen(&self) -> u32 {
        self.snaplen
    }

    /// The interface the socket is bound to (None: all of them).
    pub fn ifindex(&self) -> Option<u32> {
        self.ifindex
    }

    /// Outgoing frames on `ifindex` are not handed out by [`Capture::for_each_ready`].
    pub fn set_skip_outgoing_on(&mut self, ifindex: Option<u32>) {
        self.skip_outgoing_on = ifindex;
    }

    /// The interface whose outgoing frames are skipped, if any.
    pub fn skip_outgoing_on(&self) -> Option<u32> {
        self.skip_outgoing_on
    }

    /// Put `ifindex` in promiscuous mode for as long as this socket lives
    /// (PACKET_ADD_MEMBERSHIP with PACKET_MR_PROMISC; the kernel undoes it on close).
    pub fn set_promiscuous(&self, ifindex: u32) -> io::Result<()> {
        // SAFETY: an all-zero packet_mreq is valid; we set the index and the type.
        let mut mreq: libc::packet_mreq = unsafe { zeroed() };
        mreq.mr_ifindex = ifindex as i32;
        mreq.mr_type = libc::PACKET_MR_PROMISC as u16;
        super::setsockopt(
            self.sock.as_fd(),
            libc::SOL_PACKET,
            libc::PACKET_ADD_MEMBERSHIP,
            &mreq,
        )
    }

    /// Attach a classic BPF program (SO_ATTACH_FILTER) in place of the current one.
    ///
    /// Packets queued before the filter took effect are thrown away so that nothing
    /// unfiltered comes out: the ring is released and set up again (a fresh, empty ring), and
    /// the kernel counters are reset, so [`Capture::stats`] counts from here. Call it before
    /// reading.
    pub fn attach_filter(&mut self, filter: &[SockFilter]) -> io::Result<()> {
        self.set_filter(filter)?;
        self.ring = None;
        Ring::release(self.sock.as_fd())?;
        self.ring = Some(Ring::map(self.sock.as_fd(), self.config)?);
        self.read_kernel_stats()?;
        Ok(())
    }

    /// Counters since open (or since the last [`Capture::attach_filter`]). The kernel resets
    /// its counters on every read; this adds them up.
    pub fn stats(&mut self) -> io::Result<Stats> {
        let (packets, drops) = self.read_kernel_stats()?;
        self.totals.packets += packets;
        self.totals.drops += drops;
        Ok(self.totals)
    }

    /// For the reactor: readable when a block is ready, in error once the interface went
    /// down or away (see [`Capture::take_error`]).
    pub fn as_fd(&self) -> BorrowedFd<'_> {
        self.sock.as_fd()
    }

    /// The socket's pending error (SO_ERROR), which also clears it: ENETDOWN once the bound
    /// interface went down or away. While one is pending the fd polls as in error, so an
    /// event loop that sees an error or hang-up on [`Capture::as_fd`] must fetch it.
    pub fn take_error(&self) -> Option<io::Error> {
        self.sock.take_error().unwrap_or_else(Some)
    }

    /// Is the next block already handed to user space? (No system call.)
    #[cfg(test)]
    pub fn is_ready(&self) -> bool {
        self.ring.as_ref().is_some_and(Ring::is_ready)
    }

    /// Wait until a block is ready or `timeout` passes (None = forever). Ok(false) on timeout
    /// and when a signal interrupted the wait. For the capture tests: `sniff` waits on the
    /// reactor.
    #[cfg(test)]
    pub fn wait_ready(&self, timeout: Option<Duration>) -> io::Result<bool> {
        use std::os::fd::AsRawFd;
        if self.is_ready() {
            return Ok(true);
        }
        let ms = timeout.map_or(-1, |t| t.as_millis().min(i32::MAX as u128) as i32);
        let mut fds = [libc::pollfd {
            fd: self.sock.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        }];
        match super::poll_raw(&mut fds, ms) {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(false),
            Err(e) => return Err(e),
        }
        if fds[0].revents & libc::POLLERR != 0
            && let Some(err) = self.take_error()
        {
            return Err(err);
        }
        Ok(self.is_ready())
    }

    /// Walk every ready block, calling `f` for each frame (outgoing ones on
    /// [`Capture::skip_outgoing_on`] skipped), and hand each block back to the kernel after
    /// its last frame. Returns the frames passed to `f`. `f` returning false stops the walk;
    /// the rest of the current block is discarded (it is handed back to the kernel).
    pub fn for_each_ready(&mut self, f: impl FnMut(&Frame) -> bool) -> usize {
        let skip_on = self.skip_outgoing_on;
        let skip = |fr: &Frame| fr.pkttype == libc::PACKET_OUTGOING && Some(fr.ifindex) == skip_on;
        match &mut self.ring {
            Some(ring) => ring.for_each_ready(self.snaplen, skip, f),
            None => 0,
        }
    }

    fn set_filter(&self, filter: &[SockFilter]) -> io::Result<()> {
        if filter.len() > libc::BPF_MAXINSNS as usize {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("filter program too long ({} instructions)", filter.len()),
            ));
        }
        self.sock
            .attach_filter(filter)
            .map_err(|e| io::Error::new(e.kind(), format!("kernel rejected the filter: {e}")))
    }

    fn read_kernel_stats(&self) -> io::Result<(u64, u64)> {
        let st: libc::tpacket_stats_v3 =
            super::getsockopt(self.sock.as_fd(), libc::SOL_PACKET, libc::PACKET_STATISTICS)?;
        Ok((u64::from(st.tp_packets), u64::from(st.tp_drops)))
    }
}

/// `sockaddr_ll` for bind: every protocol (ETH_P_ALL) on `ifindex` (0: all interfaces).
fn sll_addr(ifindex: Option<u32>) -> SockAddr {
    let mut storage = SockAddrStorage::zeroed();
    // SAFETY: sockaddr_ll is a plain C struct, valid all-zero, and smaller than
    // sockaddr_storage.
    let sll: &mut libc::sockaddr_ll = unsafe { storage.view_as() };
    sll.sll_family = libc::AF_PACKET as u16;
    sll.sll_protocol = (libc::ETH_P_ALL as u16).to_be();
    sll.sll_ifindex = ifindex.unwrap_or(0) as i32;
    // SAFETY: the storage holds an initialised sockaddr_ll of the length given.
    unsafe { SockAddr::new(storage, size_of::<libc::sockaddr_ll>() as libc::socklen_t) }
}
