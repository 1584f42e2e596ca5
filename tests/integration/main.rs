mod connect;
mod errors;
mod listen;
mod tty;
mod udp;
mod unix;
mod util;
