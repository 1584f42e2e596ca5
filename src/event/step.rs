//! What one transfer step reports, shared by [`super::flow`] and [`super::shaper`] (a leaf,
//! so neither imports the other for it).

use std::io;

use rustix::io::Errno;

/// Largest UDP payload over IPv4; a datagram source is read in one piece up to this size.
pub const MAX_DATAGRAM: usize = 65507;

/// Which side of a flow failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Read,
    Write,
}

#[derive(Debug)]
pub struct FlowError {
    pub side: Side,
    pub err: io::Error,
}

pub fn fail(side: Side, e: Errno) -> FlowError {
    FlowError {
        side,
        err: e.into(),
    }
}
