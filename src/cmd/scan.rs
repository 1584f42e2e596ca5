//! `sockcli connect -z HOST PORTS`: the zero-I/O port scan. Plans the scan (port list, one
//! address, timeouts), runs [`crate::sock::scan`], prints the open ports and picks the exit code.

use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use super::{family, log, nonzero, sock_opts, usage};
use crate::cli::ConnectArgs;
use crate::event::signals::Signals;
use crate::event::{Interrupted, Timeout};
use crate::exit::Code;
use crate::sock::addr::{self, Host, HostPort, Lookup, Port, Proto};
use crate::sock::ports::{self, PortItem, PortSet};
use crate::sock::scan::{self, PortState, ScanOpts, Stop, Summary};

/// Per-port connect timeout when `-w` is not given: loopback and LAN hosts answer in
/// microseconds to milliseconds, and a filtered port would otherwise hold its slot for the
/// kernel's ~2 minutes of SYN retries.
const PORT_TIMEOUT: Duration = Duration::from_secs(1);

struct Plan {
    hp: HostPort,
    ip: IpAddr,
    ports: Vec<u16>,
    opts: ScanOpts,
    json: bool,
}

fn plan(args: &ConnectArgs, start: Instant) -> Result<Plan> {
    let (host, list) = match args.target.as_slice() {
        [host, list] => (host, list),
        [] => return Err(usage("-z needs HOST PORTS, e.g. 127.0.0.1 1-1024,8080")),
        [one, ..] => {
            return Err(usage(format!(
                "missing PORTS after '{one}' (-z takes HOST PORTS, e.g. 1-1024,8080)"
            )));
        }
    };
    let ports = port_set(list)?.to_vec();
    let sock = sock_opts(&args.sock, &args.net, None)?;
    let hp = HostPort {
        host: Host::parse(host),
        // Resolution only needs some port; every scanned port replaces it.
        port: Port::Number(ports[0]),
    };
    let how = Lookup {
        family: family(&args.net),
        proto: Proto::Tcp,
        passive: false,
        numeric: args.net.numeric,
    };
    let mut addrs = addr::resolve(&hp, how)?;
    addrs.retain(|a| sock.source_matches(a));
    // Like nc -z, scan the resolver's first choice only (-4/-6 pick the family).
    let ip = addrs.first().map(SocketAddr::ip).ok_or_else(|| {
        usage(format!(
            "{} has no address of the source address's family",
            hp.host
        ))
    })?;
    let port_timeout = match args.session.connect_timeout {
        None => Some(PORT_TIMEOUT),
        w => nonzero(w),
    };
    Ok(Plan {
        hp,
        ip,
        ports,
        opts: ScanOpts {
            parallel: (args.parallel as usize).min(crate::sock::fd_budget()),
            port_timeout,
            deadline: nonzero(args.session.timeout).map(|d| start + d),
            sock,
        },
        json: args.json,
    })
}

/// PORTS as typed → a sorted set; service names come from /etc/services. Exit 2 on bad input.
fn port_set(list: &str) -> Result<PortSet> {
    let mut set = PortSet::new();
    for item in ports::parse_list(list).map_err(|e| usage(e.to_string()))? {
        match item {
            PortItem::Range(lo, hi) => set.insert_range(lo, hi),
            PortItem::Service(name) => {
                match addr::resolve_port(&Port::Service(name.clone()), Proto::Tcp) {
                    Ok(p) if p != 0 => set.insert_range(p, p),
                    _ => {
                        return Err(usage(format!(
                            "invalid port '{name}': not a port, a range LO-HI or a known service"
                        )));
                    }
                }
            }
        }
    }
    Ok(set)
}

pub fn run(args: &ConnectArgs) -> Result<Code> {
    let start = Instant::now();
    let plan = plan(args, start)?;
    let signals = Signals::install().context("cannot install signal handlers")?;
    log(
        crate::event::log::Log {
            verbose: args.net.verbose,
            json: false,
        },
        format_args!(
            "Scanning {} ({}): {} ports, up to {} in flight",
            plan.hp.host,
            plan.ip,
            plan.ports.len(),
            plan.opts.parallel
        ),
    );
    let host = plan.ip.to_string();
    let mut out = io::stdout().lock();
    let mut write_err: Option<io::Error> = None;
    // stdout is line-buffered, so each open port reaches a pipe as soon as it is known.
    let report = |port: u16, state: PortState| {
        if state != PortState::Open {
            return true;
        }
        let r = if plan.json {
            let rec = OpenPort {
                host: &host,
                port,
                state: "open",
            };
            writeln!(out, "{}", crate::json::line(&rec))
        } else {
            writeln!(out, "{port}")
        };
        r.map_err(|e| write_err = Some(e)).is_ok()
    };
    let sum = scan::scan(plan.ip, &plan.ports, &plan.opts, signals.fd(), report)
        .with_context(|| format!("scan of {host} failed"))?;
    let _ = out.flush();
    log_summary(
        crate::event::log::Log {
            verbose: args.net.verbose,
            json: false,
        },
        &plan,
        &sum,
        start,
    );
    match sum.stop {
        Stop::Interrupted => Err(Interrupted {
            signal: signals.pending().unwrap_or(libc::SIGINT),
        }
        .into()),
        Stop::Deadline => Err(Timeout {
            what: "scan timeout (--timeout)".into(),
        }
        .into()),
        // A closed stdout (`| head -1`) is a normal way to stop; an open port was found.
        Stop::Reporter => match write_err {
            Some(e) if e.kind() != io::ErrorKind::BrokenPipe => {
                Err(e).context("write to stdout failed")
            }
            _ => Ok(Code::Success),
        },
        Stop::Done if sum.open > 0 => Ok(Code::Success),
        Stop::Done => match sum.first_failure {
            // Nothing open and some ports failed for a reason other than refused/timeout
            // (unreachable, ...): say why, so exit 1 is not silent about a broken network.
            Some((port, e)) => {
                let target = addr::display_inet(SocketAddr::new(plan.ip, port));
                let what = match sum.failed {
                    1 => format!("connect to {target} failed"),
                    n => format!("connect to {target} and {} more ports failed", n - 1),
                };
                Err(anyhow::Error::from(e).context(what))
            }
            None => Ok(Code::Failure),
        },
    }
}

/// `-v`: one line on stderr with what the scan found, so closed and filtered ports are
/// visible without polluting stdout.
fn log_summary(verbose: crate::event::log::Log, plan: &Plan, sum: &Summary, start: Instant) {
    let known = sum.open + sum.closed + sum.timed_out + sum.failed;
    let of = if known == plan.ports.len() {
        String::new()
    } else {
        format!(" of {}", plan.ports.len())
    };
    log(
        verbose,
        format_args!(
            "Scanned {known}{of} ports of {} in {:.3}s: {} open, {} closed, {} timed out, \
             {} failed",
            plan.ip,
            start.elapsed().as_secs_f64(),
            sum.open,
            sum.closed,
            sum.timed_out,
            sum.failed
        ),
    );
}

/// `scan --json`'s line for an open port (closed and filtered ports print nothing).
#[derive(serde::Serialize)]
struct OpenPort<'a> {
    host: &'a str,
    port: u16,
    state: &'static str,
}
