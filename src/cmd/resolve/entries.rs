//! The lookups beside getaddrinfo: hosts entries (gethostbyaddr, gethostbyname_ex,
//! getnameinfo, getfqdn), services, protocols, the host name and the interfaces.

use std::net::{IpAddr, SocketAddr};

use anyhow::{Context, Result};
use serde::Serialize;

use super::report::Report;
use crate::cmd::usage;
use crate::sock::addr::ResolveError;
use crate::sys::{self, netdb};

/// The first address the resolver gives for `name` (a literal or a name), as the seeds'
/// `gethostbyaddr` does before asking for the name.
pub fn first_address(name: &str, family: i32) -> Result<SocketAddr, ResolveError> {
    let hints = sys::Hints {
        family,
        ..sys::Hints::default()
    };
    let found = sys::getaddrinfo(Some(name), None, hints).map_err(|e| ResolveError {
        what: format!("'{name}'"),
        reason: e.message,
    })?;
    found.first().map(|ai| ai.addr).ok_or_else(|| ResolveError {
        what: format!("'{name}'"),
        reason: "no address".into(),
    })
}

/// gethostbyaddr: one row per address, `ADDRESS  NAME  ALIASES` as `getent hosts` prints.
pub fn reverse(query: &str, family: i32) -> Result<Report, ResolveError> {
    let ip = first_address(query, family)?.ip();
    let ent = netdb::gethostbyaddr(ip).map_err(|e| ResolveError {
        what: format!("address {ip}"),
        reason: e.message,
    })?;
    Ok(host_report(query, &ent))
}

/// gethostbyname2 (the seeds' gethostbyname_ex for AF_INET): the hosts entry of a name.
pub fn aliases(name: &str, family: i32) -> Result<Report, ResolveError> {
    let family = if family == libc::AF_INET6 {
        libc::AF_INET6
    } else {
        libc::AF_INET
    };
    let ent = netdb::gethostbyname2(name, family).map_err(|e| ResolveError {
        what: format!("'{name}'"),
        reason: e.message,
    })?;
    Ok(host_report(name, &ent))
}

fn host_report(query: &str, ent: &netdb::HostEnt) -> Report {
    let addrs: Vec<String> = ent.addrs.iter().map(IpAddr::to_string).collect();
    let mut report = Report::default();
    for addr in &addrs {
        report.row(vec![addr.clone(), ent.name.clone(), ent.aliases.join(" ")]);
    }
    report.json(&HostRecord {
        query,
        name: &ent.name,
        aliases: &ent.aliases,
        addresses: &addrs,
    });
    report
}

/// getnameinfo: `HOST [SERVICE]` for an address and optional port (`NI_*` flags).
pub fn nameinfo(query: &str, port: Option<u16>, family: i32, flags: i32) -> Result<Report> {
    let mut sa = first_address(query, family)?;
    sa.set_port(port.unwrap_or(0));
    let (host, service) = netdb::getnameinfo(sa, flags).map_err(|e| ResolveError {
        what: format!("address {}", crate::sock::addr::display_inet(sa)),
        reason: e.message,
    })?;
    let mut report = Report::default();
    report.json(&NameRecord {
        query,
        address: sa.ip(),
        host: &host,
        port,
        service: port.map(|_| service.as_str()),
    });
    match port {
        Some(_) => report.row(vec![host, service]),
        None => report.row(vec![host]),
    }
    Ok(report)
}

/// Split `NAME[/PROTO]`.
fn with_proto(spec: &str) -> (&str, Option<&str>) {
    match spec.split_once('/') {
        Some((name, proto)) => (name, Some(proto)),
        None => (spec, None),
    }
}

fn service_report(ent: &netdb::ServEnt, human: String) -> Report {
    let mut report = Report::default();
    report.row(vec![human]);
    report.json(&ServiceRecord {
        name: &ent.name,
        port: ent.port,
        proto: &ent.proto,
        aliases: &ent.aliases,
    });
    report
}

/// getservbyname: `http[/tcp]` → 80.
pub fn service(spec: &str) -> Result<Report> {
    let (name, proto) = with_proto(spec);
    let ent = netdb::getservbyname(name, proto).ok_or_else(|| ResolveError {
        what: format!("service '{spec}'"),
        reason: "service/proto not found".into(),
    })?;
    let port = ent.port.to_string();
    Ok(service_report(&ent, port))
}

/// getservbyport: `443[/tcp]` → https.
pub fn port(spec: &str) -> Result<Report> {
    let (number, proto) = with_proto(spec);
    let port: u16 = number
        .parse()
        .map_err(|_| usage(format!("invalid port '{number}': expected 0-65535")))?;
    let ent = netdb::getservbyport(port, proto).ok_or_else(|| ResolveError {
        what: format!("port {spec}"),
        reason: "port/proto not found".into(),
    })?;
    let name = ent.name.clone();
    Ok(service_report(&ent, name))
}

/// getprotobyname (`icmp` → 1), or getprotobynumber for a number (`17` → udp).
pub fn protocol(spec: &str) -> Result<Report> {
    let by_number = spec.parse::<i32>().ok();
    let ent = match by_number {
        Some(n) => netdb::getprotobynumber(n),
        None => netdb::getprotobyname(spec),
    }
    .ok_or_else(|| ResolveError {
        what: format!("protocol '{spec}'"),
        reason: "protocol not found".into(),
    })?;
    let mut report = Report::default();
    report.row(vec![match by_number {
        Some(_) => ent.name.clone(),
        None => ent.number.to_string(),
    }]);
    report.json(&ProtocolRecord {
        name: &ent.name,
        number: ent.number,
        aliases: &ent.aliases,
    });
    Ok(report)
}

/// The seeds' getfqdn: the first of the reverse entry's name and aliases that has a dot,
/// else its name; NAME itself when the lookups fail. No NAME (or an any-address) means this
/// host.
pub fn fqdn(name: &str) -> Result<Report> {
    let name = name.trim();
    let name = if name.is_empty() || name == "0.0.0.0" || name == "::" {
        netdb::gethostname().context("gethostname failed")?
    } else {
        name.to_string()
    };
    let fqdn = first_address(&name, libc::AF_UNSPEC)
        .ok()
        .and_then(|sa| netdb::gethostbyaddr(sa.ip()).ok())
        .map_or_else(
            || name.clone(),
            |ent| {
                std::iter::once(&ent.name)
                    .chain(&ent.aliases)
                    .find(|n| n.contains('.'))
                    .unwrap_or(&ent.name)
                    .clone()
            },
        );
    let mut report = Report::default();
    report.json(&FqdnRecord {
        name: &name,
        fqdn: &fqdn,
    });
    report.row(vec![fqdn]);
    Ok(report)
}

/// gethostname.
pub fn hostname() -> Result<Report> {
    let name = netdb::gethostname().context("gethostname failed")?;
    let mut report = Report::default();
    report.json(&HostnameRecord { hostname: &name });
    report.row(vec![name]);
    Ok(report)
}

/// if_nameindex: `INDEX  NAME` per interface.
pub fn interfaces() -> Result<Report> {
    let list = netdb::if_nameindex().context("if_nameindex failed")?;
    let mut report = Report::default();
    for (index, name) in list {
        report.json(&InterfaceRecord { index, name: &name });
        report.row(vec![index.to_string(), name]);
    }
    Ok(report)
}

// The `--json` records (README, "resolve"): fields print in declaration order.

#[derive(Serialize)]
struct HostRecord<'a> {
    query: &'a str,
    name: &'a str,
    aliases: &'a [String],
    addresses: &'a [String],
}

#[derive(Serialize)]
struct NameRecord<'a> {
    query: &'a str,
    address: IpAddr,
    host: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    service: Option<&'a str>,
}

#[derive(Serialize)]
struct ServiceRecord<'a> {
    name: &'a str,
    port: u16,
    proto: &'a str,
    aliases: &'a [String],
}

#[derive(Serialize)]
struct ProtocolRecord<'a> {
    name: &'a str,
    number: i32,
    aliases: &'a [String],
}

#[derive(Serialize)]
struct FqdnRecord<'a> {
    name: &'a str,
    fqdn: &'a str,
}

#[derive(Serialize)]
struct HostnameRecord<'a> {
    hostname: &'a str,
}

#[derive(Serialize)]
struct InterfaceRecord<'a> {
    index: u32,
    name: &'a str,
}
