//! Forward lookups: every getaddrinfo result for HOST [SERVICE], as the seeds' `getaddrinfo`
//! returns them (family, type, protocol, canonical name, socket address), in the resolver's
//! order and without filtering duplicates.

use std::cell::RefCell;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

use serde::Serialize;

use super::report::Report;
use crate::sock::addr::ResolveError;
use crate::sys::{self, netdb};

/// One getaddrinfo call. `host` None is the seeds' `None` (no host: loopback, or the
/// any-address with AI_PASSIVE).
#[derive(Debug, Clone)]
pub struct Query {
    pub host: Option<String>,
    pub service: Option<String>,
    pub hints: sys::Hints,
}

pub fn lookup(q: &Query) -> Result<Report, ResolveError> {
    let found =
        sys::getaddrinfo(q.host.as_deref(), q.service.as_deref(), q.hints).map_err(|e| {
            ResolveError {
                what: match (&q.host, &q.service) {
                    (Some(h), Some(s)) if e.code == libc::EAI_SERVICE => {
                        format!("service '{s}' for '{h}'")
                    }
                    (Some(h), _) => format!("'{h}'"),
                    (None, Some(s)) => format!("service '{s}'"),
                    (None, None) => "nothing".into(),
                },
                reason: e.message,
            }
        })?;
    let with_canon = found.iter().any(|ai| ai.canonname.is_some());
    let mut report = Report::default();
    for ai in &found {
        let proto = proto_name(ai.protocol);
        let mut cols = vec![family_name(ai.family), type_name(ai.socktype), proto];
        if with_canon {
            cols.push(ai.canonname.clone().unwrap_or_default());
        }
        // Without a SERVICE every port is 0: show the address alone.
        cols.push(match q.service {
            Some(_) => ai.addr.to_string(),
            None => ai.addr.ip().to_string(),
        });
        report.row(cols);
        report.json(&record(q, ai));
    }
    Ok(report)
}

/// The JSON fields of one result (documented in README, "resolve").
fn record<'a>(q: &'a Query, ai: &'a sys::AddrInfo) -> Record<'a> {
    let v6 = match ai.addr {
        SocketAddr::V6(v6) => Some(v6),
        SocketAddr::V4(_) => None,
    };
    Record {
        host: q.host.as_deref(),
        service: q.service.as_deref(),
        family: family_name(ai.family),
        socktype: type_name(ai.socktype),
        proto: ai.protocol,
        canonname: ai.canonname.as_deref(),
        address: ai.addr.ip(),
        port: ai.addr.port(),
        flowinfo: v6.map(|a| a.flowinfo()),
        scope_id: v6.map(|a| a.scope_id()),
    }
}

/// One getaddrinfo result; `host`, `service` and `canonname` print `null` when absent, the
/// IPv6-only fields are left out for IPv4.
#[derive(Serialize)]
struct Record<'a> {
    host: Option<&'a str>,
    service: Option<&'a str>,
    family: String,
    #[serde(rename = "type")]
    socktype: String,
    proto: i32,
    canonname: Option<&'a str>,
    address: IpAddr,
    port: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    flowinfo: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope_id: Option<u32>,
}

/// The seeds' `AddressFamily` names.
fn family_name(family: i32) -> String {
    match family {
        libc::AF_INET => "AF_INET".into(),
        libc::AF_INET6 => "AF_INET6".into(),
        libc::AF_UNIX => "AF_UNIX".into(),
        n => n.to_string(),
    }
}

/// The seeds' `SocketKind` names.
fn type_name(socktype: i32) -> String {
    match socktype {
        libc::SOCK_STREAM => "SOCK_STREAM".into(),
        libc::SOCK_DGRAM => "SOCK_DGRAM".into(),
        libc::SOCK_RAW => "SOCK_RAW".into(),
        libc::SOCK_RDM => "SOCK_RDM".into(),
        libc::SOCK_SEQPACKET => "SOCK_SEQPACKET".into(),
        n => n.to_string(),
    }
}

/// The /etc/protocols name of a protocol number, or the number. Cached per thread: every
/// result asks, and each getprotobynumber reads the file again.
fn proto_name(number: i32) -> String {
    thread_local! {
        static NAMES: RefCell<HashMap<i32, String>> = RefCell::new(HashMap::new());
    }
    NAMES.with(|names| {
        names
            .borrow_mut()
            .entry(number)
            .or_insert_with(|| {
                netdb::getprotobynumber(number).map_or_else(|| number.to_string(), |p| p.name)
            })
            .clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_host_with_service_keeps_every_result() {
        let q = Query {
            host: Some("127.0.0.1".into()),
            service: Some("80".into()),
            hints: sys::Hints::default(),
        };
        let mut out = Vec::new();
        lookup(&q).unwrap().write(&mut out, false).unwrap();
        let text = String::from_utf8(out).unwrap();
        // glibc returns one result per socket type when none is asked for.
        assert_eq!(text.lines().count(), 3, "{text}");
        assert!(
            text.starts_with("AF_INET  SOCK_STREAM  tcp  127.0.0.1:80\n"),
            "{text}"
        );
    }

    #[test]
    fn unknown_service_names_the_service() {
        let q = Query {
            host: Some("127.0.0.1".into()),
            service: Some("no-such-service".into()),
            hints: sys::Hints::default(),
        };
        let err = lookup(&q).unwrap_err();
        assert_eq!(err.what, "service 'no-such-service' for '127.0.0.1'");
    }
}
