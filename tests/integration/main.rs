mod connect;
mod errors;
mod frame;
mod hexdump;
mod listen;
mod udp;
mod unix;
mod util;
