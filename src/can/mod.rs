//! SocketCAN frames: the frame type, cansend's frame syntax, candump's output formats
//! (default, `-L` log lines, timestamp styles), candump's filter strings and error frames in
//! words, all without I/O; `link` opens the sockets (with the no-AF_CAN message). `sys::can`
//! moves frames to and from the kernel; `cmd::can` runs the loops.
//!
//! Everything here follows can-utils (2020.11, Debian's), which the VM tests use as the oracle:
//! `lib.c`'s `parse_canframe`, `sprint_canframe`, `sprint_long_canframe` and
//! `snprintf_can_error_frame`, and candump's filter and timestamp code.

pub mod error;
pub mod filter;
pub mod format;
pub mod link;
pub mod log;
pub mod parse;

#[cfg(test)]
mod tests;

/// `CAN_EFF_FLAG`: a 29-bit (extended) identifier.
pub const EFF_FLAG: u32 = 0x8000_0000;
/// `CAN_RTR_FLAG`: a remote transmission request.
pub const RTR_FLAG: u32 = 0x4000_0000;
/// `CAN_ERR_FLAG`: an error frame (the id holds the error classes).
pub const ERR_FLAG: u32 = 0x2000_0000;
/// `CAN_INV_FILTER` (same bit as `CAN_ERR_FLAG`, in a filter's id only).
pub const INV_FILTER: u32 = 0x2000_0000;
pub const SFF_MASK: u32 = 0x0000_07FF;
pub const EFF_MASK: u32 = 0x1FFF_FFFF;
/// `CAN_ERR_MASK`: every error class.
pub const ERR_MASK: u32 = 0x1FFF_FFFF;
/// CAN FD flags (`canfd_frame.flags`): bit rate switch, error state indicator, FD frame.
pub const FD_BRS: u8 = 0x01;
pub const FD_ESI: u8 = 0x02;
pub const FD_FDF: u8 = 0x04;
/// Payload limits of classic CAN and CAN FD.
pub const MAX_DLEN: usize = 8;
pub const FD_MAX_DLEN: usize = 64;

/// One CAN or CAN FD frame, as the kernel's `struct canfd_frame` holds it: `can_id` keeps the
/// EFF/RTR/ERR flag bits, `fd` says which struct it travels in (`can_frame`, 16 bytes, or
/// `canfd_frame`, 72 bytes).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    pub can_id: u32,
    /// A CAN FD frame (`##` in cansend syntax, `[NN]` in candump's output).
    pub fd: bool,
    /// CAN FD flags (BRS, ESI, and FDF as kernels since 5.19 set it); 0 for classic frames.
    pub flags: u8,
    /// Data length in bytes; for a remote frame the requested length (its DLC).
    pub len: u8,
    pub data: [u8; FD_MAX_DLEN],
}

impl std::fmt::Debug for Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = String::new();
        format::compact(self, &mut s);
        write!(f, "Frame({s})")
    }
}

impl Frame {
    pub fn new(can_id: u32, data: &[u8]) -> Frame {
        let mut f = Frame {
            can_id,
            fd: data.len() > MAX_DLEN,
            flags: 0,
            len: data.len().min(FD_MAX_DLEN) as u8,
            data: [0; FD_MAX_DLEN],
        };
        f.data[..f.len as usize].copy_from_slice(&data[..f.len as usize]);
        f
    }

    /// The identifier without flag bits (the error classes for an error frame).
    pub fn id(&self) -> u32 {
        if self.is_extended() || self.is_error() {
            self.can_id & EFF_MASK
        } else {
            self.can_id & SFF_MASK
        }
    }

    pub fn is_extended(&self) -> bool {
        self.can_id & EFF_FLAG != 0
    }

    pub fn is_rtr(&self) -> bool {
        self.can_id & RTR_FLAG != 0
    }

    pub fn is_error(&self) -> bool {
        self.can_id & ERR_FLAG != 0
    }

    /// The payload (empty for a remote frame, whose `len` is only the requested length).
    pub fn payload(&self) -> &[u8] {
        if self.is_rtr() && !self.fd {
            &[]
        } else {
            &self.data[..(self.len as usize).min(self.max_len())]
        }
    }

    /// 8 for classic frames, 64 for CAN FD.
    pub fn max_len(&self) -> usize {
        if self.fd { FD_MAX_DLEN } else { MAX_DLEN }
    }
}
