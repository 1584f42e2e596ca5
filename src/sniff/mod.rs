//! `sniff`'s parts that make no system calls: link types and per-packet metadata (`link`),
//! decoding and printing, pcap files and capture filters. The AF_PACKET ring lives in
//! `sys::packet`; `cmd::sniff` joins them.

pub mod cooked;
pub mod decode;
pub mod filter;
pub mod hex;
pub mod link;
pub mod pcap;
pub mod print;
