mod connect;
mod errors;
mod listen;
mod udp;
mod unix;
mod util;
