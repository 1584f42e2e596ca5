//! `resolve` (SPEC §5): the resolver functions of the seeds. Forward lookups go through
//! getaddrinfo (`forward`), the other lookups through netdb (`entries`), names from stdin
//! through a bounded pool (`batch`); everything prints through one `Report`.

mod batch;
mod entries;
mod forward;
pub(crate) mod line;
mod report;

use std::cell::RefCell;
use std::io::{self, BufRead, BufWriter, Write};

use anyhow::{Context, Result};

use crate::cli::{ResolveArgs, SockTypeArg};
use crate::cmd::usage;
use crate::exit::{self, Code};
use crate::sock::addr::{Port, ResolveError};
use crate::sys;
use report::Report;

/// Results that may wait, printed, for the one lookup still running before them.
const BATCH_WINDOW: usize = 1024;

pub fn run(args: &ResolveArgs) -> Result<Code> {
    let family = family(args);
    let m = &args.mode;
    let report = if let Some(addr) = &m.reverse {
        reverse(args, addr, family)?
    } else if let Some(spec) = &m.service {
        no_target(args, "--service")?;
        entries::service(spec)?
    } else if let Some(spec) = &m.port {
        no_target(args, "--port")?;
        entries::port(spec)?
    } else if let Some(spec) = &m.protocol {
        no_target(args, "--protocol")?;
        entries::protocol(spec)?
    } else if let Some(name) = &m.fqdn {
        no_target(args, "--fqdn")?;
        entries::fqdn(name)?
    } else if m.hostname {
        no_target(args, "--hostname")?;
        entries::hostname()?
    } else if m.interfaces {
        no_target(args, "--interfaces")?;
        entries::interfaces()?
    } else {
        return forward(args, family);
    };
    print(&report, args.json)
}

fn family(args: &ResolveArgs) -> i32 {
    match (args.ipv4, args.ipv6, args.family.as_deref()) {
        (true, _, _) | (_, _, Some("4")) => libc::AF_INET,
        (_, true, _) | (_, _, Some("6")) => libc::AF_INET6,
        _ => libc::AF_UNSPEC,
    }
}

/// The lookups that take no HOST must not silently drop one.
fn no_target(args: &ResolveArgs, flag: &str) -> Result<()> {
    match args.target.first() {
        Some(extra) => Err(usage(format!(
            "{flag} takes no HOST argument (got '{extra}')"
        ))),
        None => Ok(()),
    }
}

fn reverse(args: &ResolveArgs, addr: &str, family: i32) -> Result<Report> {
    let port = match args.target.as_slice() {
        [] => None,
        [p] => Some(parse_port(p)?),
        [_, extra, ..] => return Err(usage(format!("-r takes at most a PORT (got '{extra}')"))),
    };
    let numeric_host = args.numeric || args.numeric_host;
    if port.is_none() && !numeric_host {
        return Ok(entries::reverse(addr, family)?);
    }
    let mut flags = 0;
    if numeric_host {
        flags |= libc::NI_NUMERICHOST;
    }
    if args.numeric {
        flags |= libc::NI_NUMERICSERV;
    }
    if args.socktype == Some(SockTypeArg::Dgram) {
        flags |= libc::NI_DGRAM;
    }
    entries::nameinfo(addr, port, family, flags)
}

/// A port number, or a service name looked up for TCP.
fn parse_port(s: &str) -> Result<u16> {
    let port = Port::parse(s).map_err(usage)?;
    Ok(crate::sock::addr::resolve_port(
        &port,
        crate::sock::addr::Proto::Tcp,
    )?)
}

fn hints(args: &ResolveArgs, family: i32) -> sys::Hints {
    let mut flags = 0;
    if args.passive {
        flags |= libc::AI_PASSIVE;
    }
    if args.canonname {
        flags |= libc::AI_CANONNAME;
    }
    if args.numeric_host {
        flags |= libc::AI_NUMERICHOST;
    }
    sys::Hints {
        family,
        socktype: match args.socktype {
            None => 0,
            Some(SockTypeArg::Stream) => libc::SOCK_STREAM,
            Some(SockTypeArg::Dgram) => libc::SOCK_DGRAM,
            Some(SockTypeArg::Raw) => libc::SOCK_RAW,
        },
        protocol: 0,
        flags,
    }
}

fn forward(args: &ResolveArgs, family: i32) -> Result<Code> {
    let (host, service) = match args.target.as_slice() {
        [] => {
            return Err(usage(
                "resolve needs a HOST, '-' for names on stdin, or one of -r, --service, \
                 --port, --protocol, --fqdn, --hostname, --interfaces",
            ));
        }
        [h] => (h.as_str(), None),
        [h, s, ..] => (h.as_str(), Some(s.as_str())),
    };
    if host != "-" && args.jobs.is_some() {
        return Err(usage("-j/--jobs applies to '-' (names from stdin)"));
    }
    if host == "-" {
        if args.aliases {
            return Err(usage(
                "--aliases looks up one HOST; '-' is for getaddrinfo lookups",
            ));
        }
        if service.is_some() {
            return Err(usage("with '-', give the SERVICE on each stdin line"));
        }
        return batch(args, family);
    }
    if args.aliases {
        if let Some(s) = service {
            return Err(usage(format!("--aliases takes no SERVICE (got '{s}')")));
        }
        return print(&entries::aliases(host, family)?, args.json);
    }
    if let Some(s) = service {
        line::numeric_port_in_range(s).map_err(usage)?;
    }
    let query = forward::Query {
        // '' is the seeds' None: no host.
        host: (!host.is_empty()).then(|| host.to_string()),
        service: service.map(str::to_string),
        hints: hints(args, family),
    };
    print(&forward::lookup(&query)?, args.json)
}

fn print(report: &Report, json: bool) -> Result<Code> {
    let mut out = io::stdout().lock();
    match report.write(&mut out, json).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(e).context("write to stdout failed"),
        _ => Ok(Code::Success),
    }
}

/// Buffered stdout that remembers its first write error.
struct Sink<W: Write> {
    out: W,
    error: Option<io::Error>,
}

impl<W: Write> Sink<W> {
    /// Keep the first error; true while writing may go on.
    fn keep(&mut self, r: io::Result<()>) -> bool {
        if let Err(e) = r {
            self.error.get_or_insert(e);
        }
        self.error.is_none()
    }
}

/// One stdin line's outcome.
enum Outcome {
    Found(Report),
    Failed(ResolveError),
    /// A line that is not `HOST [SERVICE]`, and why.
    BadLine(usize, String),
}

/// `resolve -`: `HOST [SERVICE]` per line (blank lines and `#` comments skipped); failures
/// are reported and the rest resolved; exit 2 if a line was malformed, else 3 if a lookup
/// failed.
fn batch(args: &ResolveArgs, family: i32) -> Result<Code> {
    let hints = hints(args, family);
    // The reader thread owns stdin (a StdinLock may not cross threads).
    let input = io::BufReader::new(io::stdin())
        .lines()
        .map_while(std::result::Result::ok)
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| line::parse(l) != line::Line::Skip);
    let work = move |(n, text): (usize, String)| {
        let (host, service) = match line::parse(&text) {
            line::Line::Query { host, service } => (host, service),
            line::Line::Bad(why) => return Outcome::BadLine(n, why),
            // Filtered out above.
            line::Line::Skip => unreachable!("skipped lines are not queued"),
        };
        let query = forward::Query {
            host: Some(host.to_string()),
            service: service.map(str::to_string),
            hints,
        };
        match forward::lookup(&query) {
            Ok(mut report) => {
                report.prefix(host);
                Outcome::Found(report)
            }
            Err(e) => Outcome::Failed(e),
        }
    };
    let sink = RefCell::new(Sink {
        out: BufWriter::new(io::stdout().lock()),
        error: None,
    });
    let (mut bad, mut failed) = (false, false);
    let json = args.json;
    batch::ordered(
        input,
        usize::from(args.jobs.unwrap_or(16)),
        BATCH_WINDOW,
        work,
        |outcome| {
            let mut sink = sink.borrow_mut();
            let r = match outcome {
                Outcome::Found(report) => report.write(&mut sink.out, json),
                Outcome::Failed(e) => {
                    failed = true;
                    // Flush first, so the error sits after the results before it.
                    let flushed = sink.out.flush();
                    eprintln!("sockcli: {e}");
                    flushed
                }
                Outcome::BadLine(n, line) => {
                    bad = true;
                    let flushed = sink.out.flush();
                    eprintln!("sockcli: line {n}: {line}");
                    flushed
                }
            };
            sink.keep(r)
        },
        || {
            let mut sink = sink.borrow_mut();
            let flushed = sink.out.flush();
            sink.keep(flushed);
        },
    );
    let mut sink = sink.into_inner();
    let flushed = sink.out.flush();
    sink.keep(flushed);
    match sink.error {
        // A closed stdout (`| head`) is a normal way to stop.
        Some(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(Code::Success),
        Some(e) => return Err(e).context("write to stdout failed"),
        None => {}
    }
    Ok(if bad {
        exit::Code::Usage
    } else if failed {
        exit::Code::Resolve
    } else {
        Code::Success
    })
}
