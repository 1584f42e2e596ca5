//! `sniff`'s parts: link types and per-packet metadata (`link`), decoding and printing, pcap
//! files and capture filters, which make no system calls, and `live`, which opens the
//! AF_PACKET socket of `sys::packet` with the right program and turns its frames into pcap
//! records. `cmd::sniff` joins them.

pub mod cooked;
pub mod decode;
pub mod filter;
pub mod hex;
pub mod link;
pub mod live;
pub mod pcap;
pub mod print;
