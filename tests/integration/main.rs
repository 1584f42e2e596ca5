mod connect;
mod errors;
mod listen;
mod scan;
mod udp;
mod unix;
mod util;
