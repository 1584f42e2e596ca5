//! Live capture with an AF_PACKET socket and a TPACKET_V3 memory-mapped receive ring, the way
//! libpcap does it on Linux: the kernel fills fixed-size blocks with variable-size frames and
//! hands a block over when it is full or when its retire timer (`RingConfig::retire_ms`)
//! expires, so one poll(2) wakeup serves a whole burst and nothing is copied per packet.
//!
//! Order of use: [`Capture::open`] (needs CAP_NET_RAW), optionally
//! [`Capture::set_promiscuous`] and [`Capture::attach_filter`], then [`drop_privileges`] if
//! asked, then a loop of [`Capture::wait_ready`] (or poll on [`Capture::as_fd`]) and
//! [`Capture::for_each_ready`]; [`Capture::stats`] at the end.
//!
//! Loopback: every packet on `lo` passes the packet tap twice (once outgoing, once incoming).
//! Like tcpdump, a `Capture` shows it once: outgoing frames on the loopback interface are
//! rejected by a kernel filter prologue (so they cost neither ring space nor a count in
//! [`Stats`]) and, belt and braces, skipped in [`Capture::for_each_ready`]. Outgoing frames on
//! other interfaces are delivered with `pkttype == PACKET_OUTGOING`.
//!
//! Snap length: the kernel cuts each packet to the filter's return value, so every program
//! attached here returns at most `snaplen` (a bare `ret #snaplen` when there is no user
//! filter); `Frame::data` is also capped at `snaplen`.

use std::ffi::{CStr, CString};
use std::io;
use std::mem::{size_of, zeroed};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::ptr;
use std::sync::atomic::{AtomicU32, Ordering};
#[cfg(test)]
use std::time::Duration;

use crate::sniff::cooked;
use crate::sniff::link::{LinkType, PacketType};

/// `ARPHRD_RAWIP` (if_arp.h): raw IP without a link header (e.g. some LTE modems); not in libc.
pub const ARPHRD_RAWIP: u16 = 519;

/// Largest snap length a ring is sized for (libpcap's MAXIMUM_SNAPLEN).
pub const MAX_SNAPLEN: u32 = 262_144;

const BLOCK_SIZE_CAP: u32 = 1 << 20;
const MIN_BLOCKS: u32 = 8;
const DEFAULT_RETIRE_MS: u32 = 50;

fn tpacket_align(x: usize) -> usize {
    (x + libc::TPACKET_ALIGNMENT - 1) & !(libc::TPACKET_ALIGNMENT - 1)
}

/// Offset of the `sockaddr_ll` in a frame: right after the aligned `tpacket3_hdr`.
const SLL_OFFSET: usize = (size_of::<libc::tpacket3_hdr>() + libc::TPACKET_ALIGNMENT - 1)
    & !(libc::TPACKET_ALIGNMENT - 1);

/// Geometry of a TPACKET_V3 receive ring (`struct tpacket_req3`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RingConfig {
    /// Bytes per block; a power of two, a multiple of the page size.
    pub block_size: u32,
    pub block_count: u32,
    /// Largest frame the ring is sized for (header + link header + snaplen). In V3 frames are
    /// packed back to back; this only tells the kernel how many frames a block nominally holds.
    pub frame_size: u32,
    /// A block that is not full is handed over anyway after this many milliseconds, so a quiet
    /// link still delivers promptly.
    pub retire_ms: u32,
}

impl RingConfig {
    /// A ring of about `total_bytes` (`-B`) whose blocks each hold at least one frame of
    /// `snaplen` bytes. Blocks are `total/8` rounded down to a power of two, between one page
    /// (or the frame size) and 1 MiB, so there are at least 8 blocks unless the buffer is tiny
    /// (never fewer than 2). `snaplen` 0 or above [`MAX_SNAPLEN`] means [`MAX_SNAPLEN`].
    pub fn for_buffer(total_bytes: usize, snaplen: u32) -> RingConfig {
        let snaplen = if snaplen == 0 || snaplen > MAX_SNAPLEN {
            MAX_SNAPLEN
        } else {
            snaplen
        };
        // SAFETY: sysconf has no memory effects.
        let page = (unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).clamp(4096, 1 << 20) as u32;
        // Header, sockaddr_ll, up to 16 bytes of alignment before the network header and room
        // for a link header longer than Ethernet's.
        let frame_size = tpacket_align(libc::TPACKET3_HDRLEN + 16 + 128 + snaplen as usize) as u32;
        let min_block = (frame_size + 64).next_power_of_two().max(page);
        let per_block = u32::try_from(total_bytes / MIN_BLOCKS as usize).unwrap_or(u32::MAX);
        let per_block = if per_block == 0 {
            0
        } else {
            1 << (31 - per_block.leading_zeros())
        };
        let block_size = per_block.clamp(page, BLOCK_SIZE_CAP).max(min_block);
        let max_count = u32::MAX / block_size;
        let block_count = u32::try_from(total_bytes / block_size as usize)
            .unwrap_or(u32::MAX)
            .clamp(2, max_count);
        RingConfig {
            block_size,
            block_count,
            frame_size,
            retire_ms: DEFAULT_RETIRE_MS,
        }
    }

    /// Total bytes mapped.
    pub fn total_bytes(&self) -> usize {
        self.block_size as usize * self.block_count as usize
    }

    fn req3(&self) -> libc::tpacket_req3 {
        let frames_per_block = self.block_size / self.frame_size;
        libc::tpacket_req3 {
            tp_block_size: self.block_size,
            tp_block_nr: self.block_count,
            tp_frame_size: self.frame_size,
            tp_frame_nr: frames_per_block * self.block_count,
            tp_retire_blk_tov: self.retire_ms,
            tp_sizeof_priv: 0,
            tp_feature_req_word: 0,
        }
    }
}

/// Kernel counters (PACKET_STATISTICS), accumulated over the life of a [`Capture`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Packets that passed the kernel filter, including the dropped ones (tcpdump's
    /// "received by filter").
    pub packets: u64,
    /// Packets that passed the filter but found the ring full ("dropped by kernel").
    pub drops: u64,
}

/// One captured frame, borrowed from the ring for the duration of a callback.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    pub ts_sec: i64,
    pub ts_nsec: u32,
    /// Length on the wire (for SOCK_DGRAM: without the link header).
    pub len: u32,
    /// Captured bytes, at most the snap length. With SOCK_RAW they start at the link header
    /// (none for ARPHRD_NONE/RAWIP), with SOCK_DGRAM at the network header. A VLAN tag the
    /// NIC stripped is not in here but in `vlan_tci`.
    pub data: &'a [u8],
    pub ifindex: u32,
    /// `sll_pkttype`: `libc::PACKET_HOST`, `PACKET_OUTGOING`, ...
    pub pkttype: u8,
    /// `sll_protocol` in host order: the EtherType (ETH_P_*).
    pub protocol: u16,
    /// The 802.1Q TCI the kernel took out of the packet (TP_STATUS_VLAN_VALID).
    pub vlan_tci: Option<u16>,
    /// Its TPID when the kernel reported one, else 0x8100.
    pub vlan_tpid: u16,
    /// `sll_hatype`: the interface's ARPHRD type.
    pub hatype: u16,
    /// `sll_addr[..sll_halen]`: the source link-layer address.
    pub addr: &'a [u8],
}

impl Frame<'_> {
    pub fn packet_type(&self) -> PacketType {
        PacketType::from_raw(u16::from(self.pkttype))
    }

    /// The LINKTYPE_LINUX_SLL header libpcap would write before `data` for this frame.
    pub fn sll_header(&self) -> [u8; cooked::SLL_HDR_LEN] {
        cooked::sll_header(self.packet_type(), self.hatype, self.addr, self.protocol)
    }
}

/// An AF_PACKET socket with a TPACKET_V3 receive ring. Drop unmaps the ring and closes the
/// socket (which also leaves promiscuous mode).
pub struct Capture {
    fd: OwnedFd,
    map: *mut u8,
    ring: RingConfig,
    next_block: u32,
    snaplen: u32,
    bound: Option<u32>,
    /// Outgoing frames on this interface are the loopback duplicates to skip.
    lo_ifindex: Option<u32>,
    totals: Stats,
}

// SAFETY: the mapping is owned by the Capture alone (no other handle to it exists) and every
// access goes through &mut self or &self methods that only read the fd, so moving a Capture
// to another thread is sound.
unsafe impl Send for Capture {}

impl Capture {
    /// Open a capture. `ifindex` None = all interfaces. `cooked` = SOCK_DGRAM (no link header:
    /// for "all interfaces", where link types differ, and for link types pcap cannot store
    /// raw), else SOCK_RAW. `snaplen` 0 means [`MAX_SNAPLEN`].
    ///
    /// The socket is created with protocol 0 (receiving nothing), gets its ring and its
    /// snap-length filter, and only then is bound with ETH_P_ALL, so nothing arrives
    /// unfiltered. Without CAP_NET_RAW the error has kind `PermissionDenied`.
    pub fn open(
        ifindex: Option<u32>,
        cooked: bool,
        snaplen: u32,
        ring: RingConfig,
    ) -> io::Result<Capture> {
        let snaplen = if snaplen == 0 { MAX_SNAPLEN } else { snaplen };
        let ty = if cooked {
            libc::SOCK_DGRAM
        } else {
            libc::SOCK_RAW
        };
        // SAFETY: plain syscall; the result is checked and owned right away.
        let raw = unsafe { libc::socket(libc::AF_PACKET, ty | libc::SOCK_CLOEXEC, 0) };
        if raw < 0 {
            let err = io::Error::last_os_error();
            if err.kind() == io::ErrorKind::PermissionDenied {
                return Err(io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    "capturing packets needs CAP_NET_RAW (run as root, or grant it: \
                     setcap cap_net_raw+ep on the binary)",
                ));
            }
            return Err(err);
        }
        // SAFETY: `raw` is a freshly created fd that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let lo_ifindex = match ifindex {
            Some(i) => (arphrd_type(&if_name(i)?)? == libc::ARPHRD_LOOPBACK).then_some(i),
            None => if_index("lo").ok(),
        };
        let version = libc::tpacket_versions::TPACKET_V3 as libc::c_int;
        setsockopt(
            fd.as_raw_fd(),
            libc::SOL_PACKET,
            libc::PACKET_VERSION,
            &version,
        )?;
        let mut cap = Capture {
            fd,
            map: ptr::null_mut(),
            ring,
            next_block: 0,
            snaplen,
            bound: ifindex,
            lo_ifindex,
            totals: Stats::default(),
        };
        cap.map_ring()?;
        cap.set_filter(None)?;
        // SAFETY: an all-zero sockaddr_ll is valid; we set family, protocol and index.
        let mut sll: libc::sockaddr_ll = unsafe { zeroed() };
        sll.sll_family = libc::AF_PACKET as u16;
        sll.sll_protocol = (libc::ETH_P_ALL as u16).to_be();
        sll.sll_ifindex = ifindex.unwrap_or(0) as i32;
        // SAFETY: `sll` is a valid sockaddr_ll whose size is passed with it.
        let rc = unsafe {
            libc::bind(
                cap.fd.as_raw_fd(),
                (&sll as *const libc::sockaddr_ll).cast(),
                size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            )
        };
        if rc < 0 {
            let err = io::Error::last_os_error();
            return Err(match err.raw_os_error() {
                Some(libc::ENODEV) | Some(libc::ENXIO) => io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("no interface with index {}", ifindex.unwrap_or(0)),
                ),
                Some(libc::ENETDOWN) => io::Error::new(
                    err.kind(),
                    format!("interface {} is down", describe(ifindex.unwrap_or(0))),
                ),
                _ => err,
            });
        }
        Ok(cap)
    }

    /// The ring in use.
    pub fn ring(&self) -> RingConfig {
        self.ring
    }

    /// The effective snap length.
    pub fn snaplen(&self) -> u32 {
        self.snaplen
    }

    /// Put `ifindex` in promiscuous mode for as long as this socket lives
    /// (PACKET_ADD_MEMBERSHIP with PACKET_MR_PROMISC; the kernel undoes it on close).
    pub fn set_promiscuous(&self, ifindex: u32) -> io::Result<()> {
        // SAFETY: an all-zero packet_mreq is valid; we set the index and the type.
        let mut mreq: libc::packet_mreq = unsafe { zeroed() };
        mreq.mr_ifindex = ifindex as i32;
        mreq.mr_type = libc::PACKET_MR_PROMISC as u16;
        setsockopt(
            self.fd.as_raw_fd(),
            libc::SOL_PACKET,
            libc::PACKET_ADD_MEMBERSHIP,
            &mreq,
        )
    }

    /// Attach a classic BPF program (SO_ATTACH_FILTER) in place of the current one. Its
    /// accepting `ret #k` instructions are capped at the snap length, and a prologue that
    /// rejects the loopback duplicates is put before it (it resets A to 0 before the program
    /// starts, X is untouched). For a cooked (SOCK_DGRAM) capture the program sees the packet
    /// from its network header.
    ///
    /// Packets queued before the filter took effect are thrown away so that nothing
    /// unfiltered comes out: the ring is released and set up again (a fresh, empty ring), and
    /// the kernel counters are reset, so [`Capture::stats`] counts from here. Call it before
    /// reading.
    pub fn attach_filter(&mut self, prog: &[libc::sock_filter]) -> io::Result<()> {
        self.set_filter(Some(prog))?;
        self.unmap_ring();
        // SAFETY: an all-zero tpacket_req3 asks the kernel to free the ring.
        let none: libc::tpacket_req3 = unsafe { zeroed() };
        setsockopt(
            self.fd.as_raw_fd(),
            libc::SOL_PACKET,
            libc::PACKET_RX_RING,
            &none,
        )?;
        self.map_ring()?;
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
        self.fd.as_fd()
    }

    /// The socket's pending error (SO_ERROR), which also clears it: ENETDOWN once the bound
    /// interface went down or away. While one is pending the fd polls as in error, so an
    /// event loop that sees an error or hang-up on [`Capture::as_fd`] must fetch it.
    pub fn take_error(&self) -> Option<io::Error> {
        let mut err: libc::c_int = 0;
        let mut len = size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: `err` and `len` are valid out-pointers of the right sizes.
        let rc = unsafe {
            libc::getsockopt(
                self.fd.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_ERROR,
                (&mut err as *mut libc::c_int).cast(),
                &mut len,
            )
        };
        if rc < 0 {
            Some(io::Error::last_os_error())
        } else if err != 0 {
            Some(io::Error::from_raw_os_error(err))
        } else {
            None
        }
    }

    /// Is the next block already handed to user space? (No system call.)
    pub fn is_ready(&self) -> bool {
        match self.block(self.next_block) {
            Some(b) => block_status(b).load(Ordering::Acquire) & libc::TP_STATUS_USER != 0,
            None => false,
        }
    }

    /// Wait until a block is ready or `timeout` passes (None = forever). Ok(false) on timeout
    /// and when a signal interrupted the wait. For the ring's own tests: `sniff` waits on the
    /// reactor.
    #[cfg(test)]
    pub fn wait_ready(&self, timeout: Option<Duration>) -> io::Result<bool> {
        if self.is_ready() {
            return Ok(true);
        }
        let ms = timeout.map_or(-1, |t| t.as_millis().min(i32::MAX as u128) as i32);
        let mut fds = [libc::pollfd {
            fd: self.fd.as_raw_fd(),
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

    /// Walk every ready block, calling `f` for each frame (loopback duplicates skipped), and
    /// hand each block back to the kernel after its last frame. Returns the frames passed to
    /// `f`. `f` returning false stops the walk; the rest of the current block is discarded
    /// (it is handed back to the kernel).
    pub fn for_each_ready(&mut self, mut f: impl FnMut(&Frame) -> bool) -> usize {
        let mut seen = 0;
        let block_size = self.ring.block_size as usize;
        let mut go_on = true;
        while go_on {
            let Some(block) = self.block(self.next_block) else {
                break;
            };
            let status = block_status(block);
            if status.load(Ordering::Acquire) & libc::TP_STATUS_USER == 0 {
                break;
            }
            // SAFETY: the block is ours (TP_STATUS_USER, acquired above) until we store
            // TP_STATUS_KERNEL; `block` points to `block_size` mapped bytes and the header is
            // at its start, suitably aligned (blocks are page-aligned).
            let (num_pkts, first) = unsafe {
                let desc = &*block.cast::<libc::tpacket_block_desc>();
                (
                    desc.hdr.bh1.num_pkts,
                    desc.hdr.bh1.offset_to_first_pkt as usize,
                )
            };
            let mut off = first;
            for _ in 0..num_pkts {
                if off + SLL_OFFSET + size_of::<libc::sockaddr_ll>() > block_size {
                    break;
                }
                // SAFETY: `off` plus the frame header and sockaddr_ll lie inside the block
                // (checked above); frames are 16-byte aligned; the kernel does not write to a
                // user-owned block.
                let frame = unsafe { self.frame_at(block, off, block_size) };
                let next = frame.1;
                if let Some(frame) = frame.0 {
                    let skip = frame.pkttype == libc::PACKET_OUTGOING
                        && Some(frame.ifindex) == self.lo_ifindex;
                    if !skip {
                        seen += 1;
                        if !f(&frame) {
                            go_on = false;
                            break;
                        }
                    }
                }
                if next == 0 {
                    break;
                }
                off += next as usize;
            }
            status.store(libc::TP_STATUS_KERNEL, Ordering::Release);
            self.next_block = (self.next_block + 1) % self.ring.block_count;
        }
        seen
    }

    /// The frame at `off` in `block`, and its `tp_next_offset`.
    ///
    /// # Safety
    /// `block` points to `block_size` bytes owned by user space; `off` is 16-byte aligned and
    /// `off + SLL_OFFSET + size_of::<sockaddr_ll>() <= block_size`.
    unsafe fn frame_at<'a>(
        &self,
        block: *mut u8,
        off: usize,
        block_size: usize,
    ) -> (Option<Frame<'a>>, u32) {
        // SAFETY: (the whole block) guaranteed by the caller; the data slice is bounds-checked
        // against the block before it is made.
        unsafe {
            let base = block.add(off);
            let hdr = &*base.cast::<libc::tpacket3_hdr>();
            let sll = ptr::read_unaligned(base.add(SLL_OFFSET).cast::<libc::sockaddr_ll>());
            let start = off + hdr.tp_mac as usize;
            let caplen = hdr.tp_snaplen.min(self.snaplen) as usize;
            if start + caplen > block_size {
                return (None, hdr.tp_next_offset);
            }
            let data = std::slice::from_raw_parts(block.add(start), caplen);
            let halen = usize::from(sll.sll_halen).min(8);
            let addr_ptr = base
                .add(SLL_OFFSET + std::mem::offset_of!(libc::sockaddr_ll, sll_addr))
                .cast_const();
            let addr = std::slice::from_raw_parts(addr_ptr, halen);
            let status = hdr.tp_status;
            let vlan_tci =
                (status & libc::TP_STATUS_VLAN_VALID != 0).then_some(hdr.hv1.tp_vlan_tci as u16);
            let vlan_tpid = if status & libc::TP_STATUS_VLAN_TPID_VALID != 0 {
                hdr.hv1.tp_vlan_tpid
            } else {
                libc::ETH_P_8021Q as u16
            };
            let frame = Frame {
                ts_sec: i64::from(hdr.tp_sec),
                ts_nsec: hdr.tp_nsec,
                len: hdr.tp_len,
                data,
                ifindex: sll.sll_ifindex as u32,
                pkttype: sll.sll_pkttype,
                protocol: u16::from_be(sll.sll_protocol),
                vlan_tci,
                vlan_tpid,
                hatype: sll.sll_hatype,
                addr,
            };
            (Some(frame), hdr.tp_next_offset)
        }
    }

    fn block(&self, i: u32) -> Option<*mut u8> {
        if self.map.is_null() {
            return None;
        }
        // SAFETY: i < block_count, so the offset is inside the mapping.
        Some(unsafe { self.map.add(i as usize * self.ring.block_size as usize) })
    }

    /// PACKET_RX_RING with `self.ring`, then mmap it.
    fn map_ring(&mut self) -> io::Result<()> {
        let req = self.ring.req3();
        setsockopt(
            self.fd.as_raw_fd(),
            libc::SOL_PACKET,
            libc::PACKET_RX_RING,
            &req,
        )
        .map_err(|e| {
            io::Error::new(
                e.kind(),
                format!(
                    "cannot set up a {} KiB capture ring ({} blocks of {} KiB): {e}",
                    self.ring.total_bytes() / 1024,
                    self.ring.block_count,
                    self.ring.block_size / 1024
                ),
            )
        })?;
        let len = self.ring.total_bytes();
        // SAFETY: mapping the ring the kernel just allocated for this fd; the result is
        // checked, and owned (unmapped once) by this Capture.
        let map = unsafe {
            libc::mmap(
                ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                self.fd.as_raw_fd(),
                0,
            )
        };
        if map == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        self.map = map.cast();
        self.next_block = 0;
        Ok(())
    }

    fn unmap_ring(&mut self) {
        if !self.map.is_null() {
            // SAFETY: `map` is our mapping of exactly total_bytes(), and no Frame borrows it
            // (frames only live inside for_each_ready, which holds &mut self).
            unsafe { libc::munmap(self.map.cast(), self.ring.total_bytes()) };
            self.map = ptr::null_mut();
        }
    }

    /// Attach the prologue + `user` (or accept-all) program with the snap length applied.
    fn set_filter(&self, user: Option<&[libc::sock_filter]>) -> io::Result<()> {
        let mut prog = build_filter(user, self.snaplen, self.lo_ifindex, self.bound.is_some());
        if prog.len() > libc::BPF_MAXINSNS as usize {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("filter program too long ({} instructions)", prog.len()),
            ));
        }
        let fprog = libc::sock_fprog {
            len: prog.len() as u16,
            filter: prog.as_mut_ptr(),
        };
        setsockopt(
            self.fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_ATTACH_FILTER,
            &fprog,
        )
        .map_err(|e| io::Error::new(e.kind(), format!("kernel rejected the filter: {e}")))
    }

    fn read_kernel_stats(&self) -> io::Result<(u64, u64)> {
        // SAFETY: all-zero is a valid tpacket_stats_v3.
        let mut st: libc::tpacket_stats_v3 = unsafe { zeroed() };
        let mut len = size_of::<libc::tpacket_stats_v3>() as libc::socklen_t;
        // SAFETY: `st` and `len` are valid out-pointers of the sizes passed.
        let rc = unsafe {
            libc::getsockopt(
                self.fd.as_raw_fd(),
                libc::SOL_PACKET,
                libc::PACKET_STATISTICS,
                (&mut st as *mut libc::tpacket_stats_v3).cast(),
                &mut len,
            )
        };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok((u64::from(st.tp_packets), u64::from(st.tp_drops)))
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        self.unmap_ring();
    }
}

fn block_status<'a>(block: *mut u8) -> &'a AtomicU32 {
    // SAFETY: `block` is a page-aligned block of the live mapping; block_status is the u32
    // at the start of its tpacket_hdr_v1 (offset 8), shared with the kernel, which is what
    // the atomic is for.
    unsafe {
        let desc = block.cast::<libc::tpacket_block_desc>();
        AtomicU32::from_ptr(ptr::addr_of_mut!((*desc).hdr.bh1.block_status))
    }
}

fn stmt(code: u32, k: u32) -> libc::sock_filter {
    libc::sock_filter {
        code: code as u16,
        jt: 0,
        jf: 0,
        k,
    }
}

fn jump(code: u32, k: u32, jt: u8, jf: u8) -> libc::sock_filter {
    libc::sock_filter {
        code: code as u16,
        jt,
        jf,
        k,
    }
}

/// The program attached to the socket: a prologue rejecting the loopback duplicates
/// (outgoing frames on `lo_ifindex`; when `bound` the socket sees that interface only, so the
/// ifindex test is left out), then `user` with its accepting `ret #k` capped at `snaplen`, or
/// `ret #snaplen` without a user program.
pub fn build_filter(
    user: Option<&[libc::sock_filter]>,
    snaplen: u32,
    lo_ifindex: Option<u32>,
    bound: bool,
) -> Vec<libc::sock_filter> {
    use libc::{BPF_ABS, BPF_B, BPF_IMM, BPF_JEQ, BPF_JMP, BPF_K, BPF_LD, BPF_RET, BPF_W};
    let ad = |off: i32| (libc::SKF_AD_OFF + off) as u32;
    let mut prog = Vec::with_capacity(user.map_or(1, <[_]>::len) + 6);
    if let Some(lo) = lo_ifindex {
        if !bound {
            prog.push(stmt(BPF_LD | BPF_W | BPF_ABS, ad(libc::SKF_AD_IFINDEX)));
            // Not lo: skip the pkttype test and the reject (3 instructions).
            prog.push(jump(BPF_JMP | BPF_JEQ | BPF_K, lo, 0, 3));
        }
        prog.push(stmt(BPF_LD | BPF_B | BPF_ABS, ad(libc::SKF_AD_PKTTYPE)));
        prog.push(jump(
            BPF_JMP | BPF_JEQ | BPF_K,
            u32::from(libc::PACKET_OUTGOING),
            0,
            1,
        ));
        prog.push(stmt(BPF_RET | BPF_K, 0));
        // A starts at 0 in a classic BPF program; keep that for the user's.
        prog.push(stmt(BPF_LD | BPF_IMM, 0));
    }
    match user {
        Some(user) => prog.extend(user.iter().map(|&ins| {
            if u32::from(ins.code) == BPF_RET | BPF_K && ins.k != 0 {
                libc::sock_filter {
                    k: ins.k.min(snaplen),
                    ..ins
                }
            } else {
                ins
            }
        })),
        None => prog.push(stmt(BPF_RET | BPF_K, snaplen)),
    }
    prog
}

fn setsockopt<T>(fd: RawFd, level: i32, name: i32, val: &T) -> io::Result<()> {
    // SAFETY: `val` is a valid T for the duration of the call and its size is passed with it.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (val as *const T).cast(),
            size_of::<T>() as libc::socklen_t,
        )
    };
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

fn describe(ifindex: u32) -> String {
    if_name(ifindex).unwrap_or_else(|_| format!("#{ifindex}"))
}

/// Interface index for a name (`if_nametoindex`); NotFound naming the interface if unknown.
pub fn if_index(name: &str) -> io::Result<u32> {
    let unknown = || {
        io::Error::new(
            io::ErrorKind::NotFound,
            format!("no such interface: {name}"),
        )
    };
    let c = CString::new(name).map_err(|_| unknown())?;
    // SAFETY: `c` is a valid NUL-terminated string.
    let i = unsafe { libc::if_nametoindex(c.as_ptr()) };
    if i == 0 { Err(unknown()) } else { Ok(i) }
}

/// Interface name for an index (`if_indextoname`).
pub fn if_name(index: u32) -> io::Result<String> {
    let mut buf = [0 as libc::c_char; libc::IF_NAMESIZE];
    // SAFETY: `buf` has the IF_NAMESIZE bytes if_indextoname may write.
    let p = unsafe { libc::if_indextoname(index, buf.as_mut_ptr()) };
    if p.is_null() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("no interface with index {index}"),
        ));
    }
    // SAFETY: on success `buf` holds a NUL-terminated name.
    Ok(unsafe { CStr::from_ptr(buf.as_ptr()) }
        .to_string_lossy()
        .into_owned())
}

/// The ARPHRD_* type of an interface (ioctl SIOCGIFHWADDR, in this network namespace).
pub fn arphrd_type(name: &str) -> io::Result<u16> {
    if name.is_empty() || name.len() >= libc::IF_NAMESIZE || name.contains('\0') {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("no such interface: {name}"),
        ));
    }
    let sock = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None)?;
    // SAFETY: all-zero is a valid ifreq.
    let mut ifr: libc::ifreq = unsafe { zeroed() };
    for (d, s) in ifr.ifr_name.iter_mut().zip(name.bytes()) {
        *d = s as libc::c_char;
    }
    // SAFETY: `ifr` is a valid ifreq with a NUL-terminated name; SIOCGIFHWADDR writes the
    // hardware address into it.
    let rc = unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCGIFHWADDR, &mut ifr) };
    if rc < 0 {
        let err = io::Error::last_os_error();
        if err.raw_os_error() == Some(libc::ENODEV) {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("no such interface: {name}"),
            ));
        }
        return Err(err);
    }
    // SAFETY: after SIOCGIFHWADDR the union holds ifru_hwaddr.
    Ok(unsafe { ifr.ifr_ifru.ifru_hwaddr.sa_family })
}

/// How to capture on an interface of ARPHRD type `arphrd`: the pcap link type, and whether the
/// socket must be cooked (SOCK_DGRAM, stored as LINUX_SLL). Ethernet and loopback are captured
/// raw as ETHERNET; ARPHRD_NONE (tun) and RAWIP raw as RAW (no link header); anything else
/// cooked.
pub fn link_type_for(arphrd: u16) -> (LinkType, bool) {
    match arphrd {
        libc::ARPHRD_ETHER | libc::ARPHRD_LOOPBACK => (LinkType::ETHERNET, false),
        libc::ARPHRD_NONE | ARPHRD_RAWIP => (LinkType::RAW, false),
        _ => (LinkType::LINUX_SLL, true),
    }
}

/// Become `user` for good: look it up (getpwnam_r), then setgroups([gid]), setgid(gid),
/// setuid(uid) in that order (glibc applies them to every thread), and check with
/// getuid/geteuid/getgid that it took.
pub fn drop_privileges(user: &str) -> io::Result<()> {
    let name = CString::new(user).map_err(|_| {
        io::Error::new(io::ErrorKind::InvalidInput, "user name contains a NUL byte")
    })?;
    let (uid, gid) = lookup_user(&name)?
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("no such user: {user}")))?;
    let fail = |what: &str| {
        let e = io::Error::last_os_error();
        io::Error::new(e.kind(), format!("cannot become {user}: {what}: {e}"))
    };
    // SAFETY: a one-element gid array whose length is passed with it.
    if unsafe { libc::setgroups(1, &gid) } < 0 {
        return Err(fail("setgroups"));
    }
    // SAFETY: plain syscall wrappers.
    if unsafe { libc::setgid(gid) } < 0 {
        return Err(fail("setgid"));
    }
    // SAFETY: as above.
    if unsafe { libc::setuid(uid) } < 0 {
        return Err(fail("setuid"));
    }
    // SAFETY: these cannot fail.
    let (ruid, euid, rgid) = unsafe { (libc::getuid(), libc::geteuid(), libc::getgid()) };
    if ruid != uid || euid != uid || rgid != gid {
        return Err(io::Error::other(format!(
            "cannot become {user}: still uid {ruid}/{euid} gid {rgid}"
        )));
    }
    Ok(())
}

/// (uid, gid) of a user name, None if there is no such user.
fn lookup_user(name: &CStr) -> io::Result<Option<(libc::uid_t, libc::gid_t)>> {
    let mut buf = vec![0 as libc::c_char; 1024];
    loop {
        // SAFETY: all-zero is a valid passwd to be filled in.
        let mut pw: libc::passwd = unsafe { zeroed() };
        let mut res: *mut libc::passwd = ptr::null_mut();
        // SAFETY: all pointers are valid; `buf` has the length passed; `res` is only read
        // after the call.
        let rc = unsafe {
            libc::getpwnam_r(
                name.as_ptr(),
                &mut pw,
                buf.as_mut_ptr(),
                buf.len(),
                &mut res,
            )
        };
        if rc == libc::ERANGE && buf.len() < 1 << 20 {
            buf.resize(buf.len() * 4, 0);
            continue;
        }
        if rc != 0 {
            return Err(io::Error::from_raw_os_error(rc));
        }
        return Ok((!res.is_null()).then_some((pw.pw_uid, pw.pw_gid)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::UdpSocket;
    use std::time::Instant;

    fn root(test: &str) -> bool {
        // SAFETY: geteuid cannot fail.
        let ok = unsafe { libc::geteuid() } == 0;
        if !ok {
            println!("skipped: {test} needs root (CAP_NET_RAW, netns)");
        }
        ok
    }

    /// An owned copy of what the tests look at.
    #[derive(Debug, Clone)]
    struct Got {
        data: Vec<u8>,
        len: u32,
        pkttype: u8,
        ifindex: u32,
        protocol: u16,
        hatype: u16,
        sll: [u8; 16],
    }

    /// (src port, dst port, payload) of an IPv4/UDP packet starting at `ip`.
    fn udp(data: &[u8], ip: usize) -> Option<(u16, u16, &[u8])> {
        let ihl = usize::from(*data.get(ip)? & 0x0f) * 4;
        if data.get(ip)? >> 4 != 4 || *data.get(ip + 9)? != 17 {
            return None;
        }
        let u = ip + ihl;
        let sport = u16::from_be_bytes([*data.get(u)?, *data.get(u + 1)?]);
        let dport = u16::from_be_bytes([*data.get(u + 2)?, *data.get(u + 3)?]);
        Some((sport, dport, data.get(u + 8..).unwrap_or(&[])))
    }

    fn eth_udp(data: &[u8]) -> Option<(u16, u16, &[u8])> {
        (data.get(12..14)? == [0x08, 0x00]).then_some(())?;
        udp(data, 14)
    }

    /// Read frames until `done` says so or `limit` passes, then keep reading for `linger` to
    /// catch anything extra (duplicates).
    fn collect(
        cap: &mut Capture,
        limit: Duration,
        linger: Duration,
        mut keep: impl FnMut(&Got) -> bool,
        mut done: impl FnMut(&[Got]) -> bool,
    ) -> Vec<Got> {
        let mut out = Vec::new();
        let start = Instant::now();
        let mut until = start + limit;
        let mut lingering = false;
        loop {
            let now = Instant::now();
            if now >= until {
                if lingering || linger.is_zero() {
                    break;
                }
                lingering = true;
                until = now + linger;
            }
            cap.wait_ready(Some(until - now)).unwrap();
            cap.for_each_ready(|f| {
                let g = Got {
                    data: f.data.to_vec(),
                    len: f.len,
                    pkttype: f.pkttype,
                    ifindex: f.ifindex,
                    protocol: f.protocol,
                    hatype: f.hatype,
                    sll: f.sll_header(),
                };
                if keep(&g) {
                    out.push(g);
                }
                true
            });
            if !lingering && done(&out) {
                if linger.is_zero() {
                    break;
                }
                lingering = true;
                until = Instant::now() + linger;
            }
        }
        out
    }

    fn lo_capture(snaplen: u32, cooked: bool, all: bool) -> Capture {
        let mut ring = RingConfig::for_buffer(4 << 20, snaplen);
        ring.retire_ms = 10;
        let lo = if all {
            None
        } else {
            Some(if_index("lo").unwrap())
        };
        Capture::open(lo, cooked, snaplen, ring).unwrap()
    }

    /// A bound receiver (so no ICMP unreachables) and a sender on 127.0.0.1.
    fn pair() -> (UdpSocket, UdpSocket, u16) {
        let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
        let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = rx.local_addr().unwrap().port();
        (rx, tx, port)
    }

    fn payload(i: usize) -> Vec<u8> {
        format!("sockcli-capture-{}-{i:04}", std::process::id()).into_bytes()
    }

    #[test]
    fn lo_udp_seen_once_with_payload_ports_and_lengths() {
        if !root("lo_udp_seen_once_with_payload_ports_and_lengths") {
            return;
        }
        let mut cap = lo_capture(0, false, false);
        let (_rx, tx, port) = pair();
        let sport = tx.local_addr().unwrap().port();
        const N: usize = 50;
        for i in 0..N {
            tx.send_to(&payload(i), ("127.0.0.1", port)).unwrap();
        }
        let got = collect(
            &mut cap,
            Duration::from_secs(3),
            Duration::from_millis(100),
            |g| eth_udp(&g.data).is_some_and(|(_, d, _)| d == port),
            |v| v.len() >= N,
        );
        assert_eq!(got.len(), N, "each datagram exactly once");
        let lo = if_index("lo").unwrap();
        for (i, g) in got.iter().enumerate() {
            let (s, d, p) = eth_udp(&g.data).unwrap();
            assert_eq!((s, d), (sport, port));
            assert_eq!(p, payload(i).as_slice(), "in order, intact");
            assert_eq!(g.len as usize, 14 + 20 + 8 + payload(i).len());
            assert_eq!(g.data.len(), g.len as usize);
            assert_eq!(g.pkttype, libc::PACKET_HOST);
            assert_eq!(g.ifindex, lo);
            assert_eq!(g.protocol, 0x0800);
            assert_eq!(g.hatype, libc::ARPHRD_LOOPBACK);
        }
    }

    #[test]
    fn snaplen_cuts_data_but_not_len() {
        if !root("snaplen_cuts_data_but_not_len") {
            return;
        }
        let mut cap = lo_capture(64, false, false);
        let (_rx, tx, port) = pair();
        let big = vec![0xabu8; 200];
        for _ in 0..5 {
            tx.send_to(&big, ("127.0.0.1", port)).unwrap();
        }
        let got = collect(
            &mut cap,
            Duration::from_secs(3),
            Duration::ZERO,
            |g| eth_udp(&g.data).is_some_and(|(_, d, _)| d == port),
            |v| v.len() >= 5,
        );
        assert_eq!(got.len(), 5);
        for g in &got {
            assert_eq!(g.len, 14 + 20 + 8 + 200);
            assert_eq!(g.data.len(), 64);
        }
    }

    /// `udp dst port P` for Ethernet, as tcpdump -d would write it (without fragments/IPv6).
    fn udp_dst_port(p: u16) -> Vec<libc::sock_filter> {
        use libc::{BPF_ABS, BPF_B, BPF_H, BPF_JEQ, BPF_JMP, BPF_K, BPF_LD, BPF_RET};
        vec![
            stmt(BPF_LD | BPF_H | BPF_ABS, 12),
            jump(BPF_JMP | BPF_JEQ | BPF_K, 0x0800, 0, 5),
            stmt(BPF_LD | BPF_B | BPF_ABS, 23),
            jump(BPF_JMP | BPF_JEQ | BPF_K, 17, 0, 3),
            stmt(BPF_LD | BPF_H | BPF_ABS, 36),
            jump(BPF_JMP | BPF_JEQ | BPF_K, u32::from(p), 0, 1),
            stmt(BPF_RET | BPF_K, 0xffff),
            stmt(BPF_RET | BPF_K, 0),
        ]
    }

    #[test]
    fn filter_drops_other_traffic_and_stats_count_what_passed() {
        if !root("filter_drops_other_traffic_and_stats_count_what_passed") {
            return;
        }
        let mut cap = lo_capture(0, false, false);
        let (_rx, tx, port) = pair();
        let (_rx2, _, other) = pair();
        // Unfiltered traffic queued before the filter must not come out.
        for i in 0..10 {
            tx.send_to(&payload(i), ("127.0.0.1", other)).unwrap();
        }
        cap.attach_filter(&udp_dst_port(port)).unwrap();
        const N: usize = 20;
        for i in 0..N {
            tx.send_to(&payload(i), ("127.0.0.1", other)).unwrap();
            tx.send_to(&payload(i), ("127.0.0.1", port)).unwrap();
        }
        let got = collect(
            &mut cap,
            Duration::from_secs(3),
            Duration::from_millis(100),
            |_| true,
            |v| v.len() >= N,
        );
        assert_eq!(got.len(), N, "only the filtered port, once each");
        assert!(
            got.iter()
                .all(|g| eth_udp(&g.data).is_some_and(|(_, d, _)| d == port))
        );
        let st = cap.stats().unwrap();
        assert_eq!(
            st,
            Stats {
                packets: N as u64,
                drops: 0
            }
        );
        // Accumulates: nothing new, same totals.
        assert_eq!(cap.stats().unwrap(), st);
    }

    #[test]
    fn cooked_all_interfaces_gives_ip_and_sll_fields() {
        if !root("cooked_all_interfaces_gives_ip_and_sll_fields") {
            return;
        }
        let mut cap = lo_capture(0, true, true);
        let (_rx, tx, port) = pair();
        const N: usize = 10;
        for i in 0..N {
            tx.send_to(&payload(i), ("127.0.0.1", port)).unwrap();
        }
        let got = collect(
            &mut cap,
            Duration::from_secs(3),
            Duration::from_millis(100),
            |g| g.protocol == 0x0800 && udp(&g.data, 0).is_some_and(|(_, d, _)| d == port),
            |v| v.len() >= N,
        );
        assert_eq!(
            got.len(),
            N,
            "loopback duplicates skipped in all-interfaces mode too"
        );
        let lo = if_index("lo").unwrap();
        for (i, g) in got.iter().enumerate() {
            assert_eq!(udp(&g.data, 0).unwrap().2, payload(i).as_slice());
            assert_eq!(g.len as usize, 20 + 8 + payload(i).len());
            assert_eq!(g.ifindex, lo);
            assert_eq!(
                g.sll,
                [0, 0, 0x03, 0x04, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00]
            );
        }
        let st = cap.stats().unwrap();
        assert!(st.packets >= N as u64 && st.drops == 0, "{st:?}");
    }

    /// IFF_PROMISC in the device flags. (SIOCGIFFLAGS only reports promiscuity set by
    /// `ip link set promisc on`, not the count packet sockets hold; sysfs shows both.)
    fn is_promiscuous(name: &str) -> io::Result<bool> {
        let s = std::fs::read_to_string(format!("/sys/class/net/{name}/flags"))?;
        let flags =
            u32::from_str_radix(s.trim().trim_start_matches("0x"), 16).map_err(io::Error::other)?;
        Ok(flags & libc::IFF_PROMISC as u32 != 0)
    }

    fn ip(args: &[&str]) -> bool {
        std::process::Command::new("ip")
            .args(args)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    struct Netns(String);
    impl Drop for Netns {
        fn drop(&mut self) {
            // Deleting the namespace deletes the veth end in it, and with it the pair.
            ip(&["netns", "del", &self.0]);
            ip(&["link", "del", &format!("{}a", self.0)]);
        }
    }

    #[test]
    fn promiscuous_on_a_veth_and_other_host_frames() {
        if !root("promiscuous_on_a_veth_and_other_host_frames") {
            return;
        }
        let ns = format!("scc{}", std::process::id() % 10_000_000);
        let (a, b) = (format!("{ns}a"), format!("{ns}b"));
        ip(&["netns", "del", &ns]);
        if !ip(&["netns", "add", &ns]) {
            println!("skipped: cannot create a network namespace");
            return;
        }
        let _guard = Netns(ns.clone());
        let exec = |args: &[&str]| {
            let mut v = vec!["netns", "exec", &ns];
            v.extend_from_slice(args);
            assert!(ip(&v), "ip {v:?}");
        };
        assert!(ip(&["link", "add", &a, "type", "veth", "peer", "name", &b]));
        assert!(ip(&["link", "set", &b, "netns", &ns]));
        assert!(ip(&["link", "set", &a, "up"]));
        exec(&["ip", "addr", "add", "10.213.7.1/24", "dev", &b]);
        exec(&["ip", "link", "set", &b, "up"]);
        exec(&[
            "ip",
            "neigh",
            "add",
            "10.213.7.2",
            "lladdr",
            "02:00:5e:10:20:99",
            "dev",
            &b,
        ]);

        let idx = if_index(&a).unwrap();
        assert_eq!(arphrd_type(&a).unwrap(), libc::ARPHRD_ETHER);
        assert!(!is_promiscuous(&a).unwrap());
        let mut ring = RingConfig::for_buffer(1 << 20, 0);
        ring.retire_ms = 10;
        let mut cap = Capture::open(Some(idx), false, 0, ring).unwrap();
        cap.set_promiscuous(idx).unwrap();
        assert!(is_promiscuous(&a).unwrap(), "IFF_PROMISC set while open");

        exec(&[
            "bash",
            "-c",
            "for i in 1 2 3; do echo veth-$i > /dev/udp/10.213.7.2/4242; done",
        ]);
        let got = collect(
            &mut cap,
            Duration::from_secs(3),
            Duration::ZERO,
            |g| eth_udp(&g.data).is_some_and(|(_, d, _)| d == 4242),
            |v| v.len() >= 3,
        );
        assert_eq!(got.len(), 3);
        for g in &got {
            assert_eq!(&g.data[..6], &[0x02, 0x00, 0x5e, 0x10, 0x20, 0x99]);
            assert_eq!(g.pkttype, libc::PACKET_OTHERHOST);
            assert_eq!(g.ifindex, idx);
        }
        drop(cap);
        assert!(
            !is_promiscuous(&a).unwrap(),
            "closing the socket leaves promiscuous mode"
        );
    }

    #[test]
    fn unknown_interface_is_named() {
        let e = if_index("nosuchif0").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
        assert!(e.to_string().contains("nosuchif0"), "{e}");
        let e = arphrd_type("nosuchif0").unwrap_err();
        assert!(e.to_string().contains("nosuchif0"), "{e}");
        assert_eq!(if_name(if_index("lo").unwrap()).unwrap(), "lo");
        let e = drop_privileges("no-such-user-sockcli").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
    }

    #[test]
    fn link_types() {
        assert_eq!(
            link_type_for(libc::ARPHRD_ETHER),
            (LinkType::ETHERNET, false)
        );
        assert_eq!(
            link_type_for(libc::ARPHRD_LOOPBACK),
            (LinkType::ETHERNET, false)
        );
        assert_eq!(link_type_for(libc::ARPHRD_NONE), (LinkType::RAW, false));
        assert_eq!(link_type_for(libc::ARPHRD_PPP), (LinkType::LINUX_SLL, true));
    }

    #[test]
    fn ring_geometry() {
        let r = RingConfig::for_buffer(2 << 20, 0);
        assert!(r.block_size.is_power_of_two() && r.block_size >= r.frame_size + 64);
        assert!(r.frame_size as usize >= MAX_SNAPLEN as usize + libc::TPACKET3_HDRLEN);
        assert!(r.block_count >= 2);
        let r = RingConfig::for_buffer(64 << 20, 96);
        assert_eq!((r.block_size, r.block_count), (1 << 20, 64));
        assert_eq!(r.frame_size % 16, 0);
        assert_eq!(r.req3().tp_frame_nr, (r.block_size / r.frame_size) * 64);
        let r = RingConfig::for_buffer(0, 96);
        assert_eq!(r.block_count, 2);
    }

    #[test]
    fn filter_prologue_and_snaplen_cap() {
        let user = udp_dst_port(53);
        // Bound to lo: pkttype test, reject, A = 0, then the program with ret capped.
        let p = build_filter(Some(&user), 100, Some(1), true);
        assert_eq!(p.len(), 4 + user.len());
        assert_eq!(p[1].k, u32::from(libc::PACKET_OUTGOING));
        assert_eq!(p[2].code as u32, libc::BPF_RET | libc::BPF_K);
        assert_eq!(p[2].k, 0);
        assert_eq!(p[4 + 6].k, 100);
        assert_eq!(p[4 + 7].k, 0);
        // All interfaces: the ifindex test jumps over pkttype + reject to A = 0.
        let p = build_filter(None, 65535, Some(1), false);
        assert_eq!(p.len(), 7);
        assert_eq!((p[1].k, p[1].jt, p[1].jf), (1, 0, 3));
        assert_eq!(p[5].code as u32, libc::BPF_LD | libc::BPF_IMM);
        assert_eq!(p[6].k, 65535);
        // Not loopback: the program alone.
        assert_eq!(build_filter(None, 7, None, true).len(), 1);
    }

    fn thread_cpu() -> Duration {
        // SAFETY: all-zero timespec is valid; clock_gettime fills it.
        let mut ts: libc::timespec = unsafe { zeroed() };
        // SAFETY: valid out-pointer.
        unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
        Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
    }

    fn children_cpu() -> Duration {
        // SAFETY: all-zero rusage is valid; getrusage fills it.
        let mut ru: libc::rusage = unsafe { zeroed() };
        // SAFETY: valid out-pointer.
        unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru) };
        let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
        tv(ru.ru_utime) + tv(ru.ru_stime)
    }

    /// By hand, as root: `cargo test --release --lib packet::tests::throughput -- --ignored
    /// --nocapture`. Sends SOCKCLI_BENCH_N (1,000,000) 32-byte UDP datagrams flat out on lo
    /// from another thread and reports what the ring captured, the kernel's drops and the
    /// reader thread's CPU time. SOCKCLI_BENCH_MB sets the ring (64 MiB);
    /// SOCKCLI_BENCH_TCPDUMP=1 runs `tcpdump -i lo -w /dev/null` on the same load instead.
    #[test]
    #[ignore = "throughput check, run by hand"]
    fn throughput_lo() {
        if !root("throughput_lo") {
            return;
        }
        let env = |k: &str, d: usize| {
            std::env::var(k)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(d)
        };
        let n = env("SOCKCLI_BENCH_N", 1_000_000);
        let mb = env("SOCKCLI_BENCH_MB", 64);
        let tcpdump = std::env::var_os("SOCKCLI_BENCH_TCPDUMP").is_some();
        let (_rx, tx, port) = pair();
        tx.connect(("127.0.0.1", port)).unwrap();
        let send = move || {
            let t = Instant::now();
            let buf = [0x5au8; 32];
            for _ in 0..n {
                while tx.send(&buf).is_err() {}
            }
            t.elapsed()
        };
        if tcpdump {
            use std::io::{BufRead, BufReader};
            let mut child = std::process::Command::new("tcpdump")
                .args(["-i", "lo", "-n", "-w", "/dev/null", "-B"])
                .arg((mb * 1024).to_string())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            let mut err = BufReader::new(child.stderr.take().unwrap());
            let mut line = String::new();
            while err.read_line(&mut line).unwrap() > 0 && !line.contains("listening") {}
            let before = children_cpu();
            let sent_in = std::thread::spawn(send).join().unwrap();
            std::thread::sleep(Duration::from_millis(500));
            // SAFETY: signalling the child we spawned.
            unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
            child.wait().unwrap();
            let mut rest = String::new();
            std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
            println!(
                "tcpdump: sent {n} in {sent_in:?}; cpu {:?}\n{}",
                children_cpu() - before,
                rest.trim()
            );
            return;
        }
        let mut ring = RingConfig::for_buffer(mb << 20, 0);
        ring.retire_ms = 50;
        let mut cap = Capture::open(Some(if_index("lo").unwrap()), false, 0, ring).unwrap();
        let cpu0 = thread_cpu();
        let sender = std::thread::spawn(send);
        let want = port.to_be_bytes();
        let (mut ours, mut all, mut wakeups) = (0usize, 0usize, 0usize);
        let mut deadline = None;
        loop {
            if cap.wait_ready(Some(Duration::from_millis(100))).unwrap() {
                wakeups += 1;
            }
            all += cap.for_each_ready(|f| {
                ours += usize::from(f.data.get(36..38) == Some(&want[..]));
                true
            });
            if ours >= n {
                break;
            }
            if sender.is_finished() {
                let d = *deadline.get_or_insert_with(|| Instant::now() + Duration::from_secs(1));
                if Instant::now() > d {
                    break;
                }
            }
        }
        let cpu = thread_cpu() - cpu0;
        let sent_in = sender.join().unwrap();
        let st = cap.stats().unwrap();
        println!(
            "sockcli ring {} x {} KiB: sent {n} in {sent_in:?}; captured {ours} of ours ({all} \
             frames), {} received by filter, {} dropped by kernel; reader cpu {cpu:?}, \
             {wakeups} wakeups",
            ring.block_count,
            ring.block_size / 1024,
            st.packets,
            st.drops
        );
    }

    const CHILD_ENV: &str = "SOCKCLI_TEST_DROP_PRIVS_CHILD";

    /// Run in a child process by `drop_privileges_keeps_the_open_capture`.
    #[test]
    #[ignore = "run by drop_privileges_keeps_the_open_capture in a child process"]
    fn drop_privileges_child() {
        if std::env::var_os(CHILD_ENV).is_none() {
            println!("skipped: only meaningful in the child process");
            return;
        }
        let mut cap = lo_capture(0, false, false);
        drop_privileges("nobody").unwrap();
        // SAFETY: plain getters; the group buffer has the length passed.
        let (uid, euid, gid) = unsafe { (libc::getuid(), libc::geteuid(), libc::getgid()) };
        let mut groups = [0 as libc::gid_t; 8];
        // SAFETY: as above.
        let n = unsafe { libc::getgroups(8, groups.as_mut_ptr()) };
        assert_eq!((uid, euid, gid), (65534, 65534, 65534));
        assert_eq!(&groups[..n as usize], &[65534]);
        let e = Capture::open(None, true, 0, RingConfig::for_buffer(1 << 20, 0))
            .err()
            .expect("no CAP_NET_RAW any more");
        assert_eq!(e.kind(), io::ErrorKind::PermissionDenied);
        assert!(e.to_string().contains("CAP_NET_RAW"), "{e}");
        // The socket opened before still captures.
        let (_rx, tx, port) = pair();
        tx.send_to(b"after-drop", ("127.0.0.1", port)).unwrap();
        let got = collect(
            &mut cap,
            Duration::from_secs(3),
            Duration::ZERO,
            |g| eth_udp(&g.data).is_some_and(|(_, d, _)| d == port),
            |v| !v.is_empty(),
        );
        assert_eq!(eth_udp(&got[0].data).unwrap().2, b"after-drop");
        println!("child-ok");
    }

    #[test]
    fn drop_privileges_keeps_the_open_capture() {
        if !root("drop_privileges_keeps_the_open_capture") {
            return;
        }
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "sys::packet::tests::drop_privileges_child",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, "1")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("child-ok"),
            "child failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
