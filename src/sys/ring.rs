//! The TPACKET_V3 memory-mapped receive ring of an AF_PACKET socket, the way libpcap uses it
//! on Linux: the kernel fills fixed-size blocks with variable-size frames and hands a block
//! over when it is full or when its retire timer (`RingConfig::retire_ms`) expires, so one
//! wakeup serves a whole burst and nothing is copied per packet. rustix maps it; the block
//! and frame walk is by hand (no crate in use knows the layout).

use std::ffi::c_void;
use std::io;
use std::mem::{size_of, zeroed};
use std::os::fd::BorrowedFd;
use std::ptr;
use std::sync::atomic::{AtomicU32, Ordering};

use rustix::mm::{MapFlags, ProtFlags};

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
    /// (never fewer than 2).
    pub fn for_buffer(total_bytes: usize, snaplen: u32) -> RingConfig {
        let page = rustix::param::page_size().clamp(4096, 1 << 20) as u32;
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

/// A ring set up on a packet socket (PACKET_RX_RING) and mapped; dropping it unmaps it.
/// The socket must outlive it and have PACKET_VERSION set to TPACKET_V3.
pub struct Ring {
    map: *mut u8,
    config: RingConfig,
    next_block: u32,
}

// SAFETY: the mapping is owned by the Ring alone (no other handle to it exists) and every
// access goes through its &mut self or &self methods, so moving it to another thread is sound.
unsafe impl Send for Ring {}

impl Ring {
    /// Ask the kernel for a ring of `config` on `fd`, then map it.
    pub fn map(fd: BorrowedFd<'_>, config: RingConfig) -> io::Result<Ring> {
        super::setsockopt(fd, libc::SOL_PACKET, libc::PACKET_RX_RING, &config.req3()).map_err(
            |e| {
                io::Error::new(
                    e.kind(),
                    format!(
                        "cannot set up a {} KiB capture ring ({} blocks of {} KiB): {e}",
                        config.total_bytes() / 1024,
                        config.block_count,
                        config.block_size / 1024
                    ),
                )
            },
        )?;
        // SAFETY: a fresh shared mapping (no address hint) of the ring the kernel just
        // allocated for this fd; nothing else refers to it, and Drop unmaps it exactly once.
        let map = unsafe {
            rustix::mm::mmap(
                ptr::null_mut(),
                config.total_bytes(),
                ProtFlags::READ | ProtFlags::WRITE,
                MapFlags::SHARED,
                fd,
                0,
            )
        }?;
        Ok(Ring {
            map: map.cast(),
            config,
            next_block: 0,
        })
    }

    /// Free the ring of `fd` (after its [`Ring`] was dropped), so that a new one can be set up.
    pub fn release(fd: BorrowedFd<'_>) -> io::Result<()> {
        // SAFETY: an all-zero tpacket_req3 asks the kernel to free the ring.
        let none: libc::tpacket_req3 = unsafe { zeroed() };
        super::setsockopt(fd, libc::SOL_PACKET, libc::PACKET_RX_RING, &none)
    }

    pub fn config(&self) -> RingConfig {
        self.config
    }

    /// Is the next block already handed to user space? (No system call.)
    #[cfg(test)]
    pub fn is_ready(&self) -> bool {
        block_status(self.block(self.next_block)).load(Ordering::Acquire) & libc::TP_STATUS_USER
            != 0
    }

    /// Walk every ready block, calling `f` for each frame (data cut to `snaplen`) unless
    /// `skip` says otherwise, and hand each block back to the kernel after its last frame.
    /// Returns the frames passed to `f`. `f` returning false stops the walk; the rest of the
    /// current block is discarded (it is handed back to the kernel).
    pub fn for_each_ready(
        &mut self,
        snaplen: u32,
        skip: impl Fn(&Frame) -> bool,
        mut f: impl FnMut(&Frame) -> bool,
    ) -> usize {
        let mut seen = 0;
        let block_size = self.config.block_size as usize;
        let mut go_on = true;
        while go_on {
            let block = self.block(self.next_block);
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
                let (frame, next) = unsafe { frame_at(block, off, block_size, snaplen) };
                if let Some(frame) = frame
                    && !skip(&frame)
                {
                    seen += 1;
                    if !f(&frame) {
                        go_on = false;
                        break;
                    }
                }
                if next == 0 {
                    break;
                }
                off += next as usize;
            }
            status.store(libc::TP_STATUS_KERNEL, Ordering::Release);
            self.next_block = (self.next_block + 1) % self.config.block_count;
        }
        seen
    }

    fn block(&self, i: u32) -> *mut u8 {
        // SAFETY: i < block_count, so the offset is inside the mapping.
        unsafe { self.map.add(i as usize * self.config.block_size as usize) }
    }
}

impl Drop for Ring {
    fn drop(&mut self) {
        // SAFETY: `map` is our mapping of exactly total_bytes(), and no Frame borrows it
        // (frames only live inside for_each_ready, which holds &mut self).
        let _ = unsafe { rustix::mm::munmap(self.map.cast::<c_void>(), self.config.total_bytes()) };
    }
}

/// The frame at `off` in `block`, and its `tp_next_offset`.
///
/// # Safety
/// `block` points to `block_size` bytes owned by user space; `off` is 16-byte aligned and
/// `off + SLL_OFFSET + size_of::<sockaddr_ll>() <= block_size`.
unsafe fn frame_at<'a>(
    block: *mut u8,
    off: usize,
    block_size: usize,
    snaplen: u32,
) -> (Option<Frame<'a>>, u32) {
    // SAFETY: (the whole block) guaranteed by the caller; the data slice is bounds-checked
    // against the block before it is made.
    unsafe {
        let base = block.add(off);
        let hdr = &*base.cast::<libc::tpacket3_hdr>();
        let sll = ptr::read_unaligned(base.add(SLL_OFFSET).cast::<libc::sockaddr_ll>());
        let start = off + hdr.tp_mac as usize;
        let caplen = hdr.tp_snaplen.min(snaplen) as usize;
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

fn block_status<'a>(block: *mut u8) -> &'a AtomicU32 {
    // SAFETY: `block` is a page-aligned block of the live mapping; block_status is the u32
    // at the start of its tpacket_hdr_v1 (offset 8), shared with the kernel, which is what
    // the atomic is for.
    unsafe {
        let desc = block.cast::<libc::tpacket_block_desc>();
        AtomicU32::from_ptr(ptr::addr_of_mut!((*desc).hdr.bh1.block_status))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_geometry() {
        let r = RingConfig::for_buffer(2 << 20, 200_000);
        assert!(r.block_size.is_power_of_two() && r.block_size >= r.frame_size + 64);
        assert!(r.frame_size as usize >= 200_000 + libc::TPACKET3_HDRLEN);
        assert!(r.block_count >= 2);
        let r = RingConfig::for_buffer(64 << 20, 96);
        assert_eq!((r.block_size, r.block_count), (1 << 20, 64));
        assert_eq!(r.frame_size % 16, 0);
        assert_eq!(r.req3().tp_frame_nr, (r.block_size / r.frame_size) * 64);
        let r = RingConfig::for_buffer(0, 96);
        assert_eq!(r.block_count, 2);
    }
}
