//! The dialogues against byte fixtures: what each protocol sends, and every kind of answer.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::*;

fn creds() -> Credentials {
    Credentials {
        user: "alice".into(),
        pass: "s3:cret".into(),
    }
}

/// Run `d` against a proxy that answers each request with the next of `answers`, feeding
/// the answer in the sizes `wants` asks for; returns what was sent, and the outcome.
fn talk(mut d: Dialogue, answers: &[&[u8]]) -> (Vec<u8>, Result<(), ProxyError>) {
    let mut sent = Vec::new();
    let mut answers = answers.iter();
    let mut pending: &[u8] = &[];
    for _ in 0..1000 {
        if d.is_done() {
            return (sent, Ok(()));
        }
        let out = d.output().to_vec();
        if !out.is_empty() {
            sent.extend(&out);
            d.wrote(out.len());
            continue;
        }
        if pending.is_empty() {
            match answers.next() {
                Some(a) => pending = a,
                None => return (sent, Err(d.closed())),
            }
        }
        let n = d.wants().min(pending.len());
        assert!(n > 0, "wants 0 while not done and nothing to send");
        let (now, rest) = pending.split_at(n);
        pending = rest;
        if let Err(e) = d.received(now) {
            return (sent, Err(e));
        }
    }
    panic!("dialogue did not end");
}

fn name(n: &str) -> Dest {
    Dest::Name(n.into())
}

#[test]
fn socks5_no_auth_remote_name() {
    let d = Dialogue::new(Protocol::Socks5, &name("example.com"), 80, None).unwrap();
    let reply: &[u8] = &[5, 0, 0, 1, 127, 0, 0, 1, 0x1f, 0x90];
    let (sent, r) = talk(d, &[&[5, 0], reply]);
    r.unwrap();
    let mut want = vec![5, 1, 0, 5, 1, 0, 3, 11];
    want.extend(b"example.com");
    want.extend([0, 80]);
    assert_eq!(sent, want);
}

#[test]
fn socks5_user_password_and_ipv6_target() {
    let ip: Ipv6Addr = "2001:db8::1".parse().unwrap();
    let d = Dialogue::new(Protocol::Socks5, &Dest::Ip(ip.into()), 443, Some(&creds())).unwrap();
    let mut reply = vec![5, 0, 0, 4];
    reply.extend([0u8; 18]);
    let (sent, r) = talk(d, &[&[5, 2], &[1, 0], &reply]);
    r.unwrap();
    let mut want = vec![5, 2, 0, 2, 1, 5];
    want.extend(b"alice");
    want.push(7);
    want.extend(b"s3:cret");
    want.extend([5, 1, 0, 4]);
    want.extend(ip.octets());
    want.extend([1, 187]);
    assert_eq!(sent, want);
}

#[test]
fn socks5_domain_reply_is_read_exactly() {
    let d = Dialogue::new(Protocol::Socks5, &name("h"), 1, None).unwrap();
    let mut reply = vec![5, 0, 0, 3, 4];
    reply.extend(b"abcd");
    reply.extend([0, 1]);
    // What the target sends after the reply stays unread: the feeder stops at the reply.
    let (_, r) = talk(d, &[&[5, 0], &reply]);
    r.unwrap();
}

#[test]
fn socks5_failures_map_to_their_class() {
    let cases: &[(u8, Failure, &str)] = &[
        (
            1,
            Failure::Failed,
            "general SOCKS server failure (SOCKS5 reply 1)",
        ),
        (
            2,
            Failure::Denied,
            "connection not allowed by ruleset (SOCKS5 reply 2)",
        ),
        (4, Failure::Failed, "host unreachable (SOCKS5 reply 4)"),
        (5, Failure::Failed, "connection refused (SOCKS5 reply 5)"),
        (6, Failure::TimedOut, "TTL expired (SOCKS5 reply 6)"),
        (
            9,
            Failure::Failed,
            "unassigned SOCKS5 reply (SOCKS5 reply 9)",
        ),
    ];
    for &(code, failure, text) in cases {
        let d = Dialogue::new(Protocol::Socks5, &name("h"), 1, None).unwrap();
        let reply: &[u8] = &[5, code, 0, 1, 0, 0, 0, 0, 0, 0];
        let (_, r) = talk(d, &[&[5, 0], reply]);
        assert_eq!(
            r.unwrap_err(),
            ProxyError::new(failure, text),
            "code {code}"
        );
    }
}

#[test]
fn socks5_auth_refused_and_no_method() {
    let d = Dialogue::new(Protocol::Socks5, &name("h"), 1, Some(&creds())).unwrap();
    let e = talk(d, &[&[5, 2], &[1, 1]]).1.unwrap_err();
    assert_eq!(e.failure, Failure::Denied);
    assert_eq!(
        e.reason,
        "SOCKS5 proxy refused the user name and password (status 1)"
    );
    let d = Dialogue::new(Protocol::Socks5, &name("h"), 1, None).unwrap();
    let e = talk(d, &[&[5, 0xff]]).1.unwrap_err();
    assert_eq!(e.failure, Failure::Denied);
    assert!(e.reason.contains("--proxy-auth"), "{e}");
}

#[test]
fn socks5_malformed_answers() {
    let d = Dialogue::new(Protocol::Socks5, &name("h"), 1, None).unwrap();
    let e = talk(d, &[b"HTTP/1.0 400 Bad\r\n\r\n"]).1.unwrap_err();
    assert_eq!(e.failure, Failure::Malformed);
    assert_eq!(
        e.reason,
        "not a SOCKS5 proxy (answered version 72, expected 5)"
    );
    let d = Dialogue::new(Protocol::Socks5, &name("h"), 1, None).unwrap();
    let e = talk(d, &[&[5, 2]]).1.unwrap_err();
    assert_eq!(
        e.reason,
        "SOCKS5 proxy chose method 2, which was not offered"
    );
    let d = Dialogue::new(Protocol::Socks5, &name("h"), 1, None).unwrap();
    let e = talk(d, &[&[5, 0], &[5, 0, 0, 7, 0]]).1.unwrap_err();
    assert_eq!(e.reason, "malformed SOCKS5 reply: address type 7");
    let d = Dialogue::new(Protocol::Socks5, &name("h"), 1, None).unwrap();
    let e = talk(d, &[&[5]]).1.unwrap_err();
    assert_eq!(
        e.reason,
        "the proxy closed the connection after 1 bytes of its answer"
    );
}

#[test]
fn socks5_bad_input() {
    let long = "a".repeat(256);
    assert!(Dialogue::new(Protocol::Socks5, &name(&long), 1, None).is_err());
    let c = Credentials {
        user: "u".repeat(300),
        pass: String::new(),
    };
    assert!(Dialogue::new(Protocol::Socks5, &name("h"), 1, Some(&c)).is_err());
}

#[test]
fn socks4_and_socks4a() {
    let d = Dialogue::new(
        Protocol::Socks4,
        &Dest::Ip(Ipv4Addr::new(10, 0, 0, 2).into()),
        8080,
        Some(&creds()),
    )
    .unwrap();
    let (sent, r) = talk(d, &[&[0, 90, 0, 0, 0, 0, 0, 0]]);
    r.unwrap();
    let mut want = vec![4, 1, 0x1f, 0x90, 10, 0, 0, 2];
    want.extend(b"alice\0");
    assert_eq!(sent, want);

    let d = Dialogue::new(Protocol::Socks4, &name("example.org"), 80, None).unwrap();
    let (sent, r) = talk(d, &[&[0, 90, 0, 0, 0, 0, 0, 0]]);
    r.unwrap();
    let mut want = vec![4, 1, 0, 80, 0, 0, 0, 1, 0];
    want.extend(b"example.org\0");
    assert_eq!(sent, want);
}

#[test]
fn socks4_failures() {
    for (code, failure) in [
        (91, Failure::Failed),
        (92, Failure::Denied),
        (93, Failure::Denied),
    ] {
        let d = Dialogue::new(Protocol::Socks4, &name("h"), 1, None).unwrap();
        let e = talk(d, &[&[0, code, 0, 0, 0, 0, 0, 0]]).1.unwrap_err();
        assert_eq!(e.failure, failure);
        assert!(e.reason.ends_with(&format!("(SOCKS4 reply {code})")), "{e}");
    }
    let d = Dialogue::new(Protocol::Socks4, &name("h"), 1, None).unwrap();
    let e = talk(d, &[&[5, 0]]).1.unwrap_err();
    assert_eq!(e.failure, Failure::Malformed);
    let v6 = Dest::Ip(IpAddr::V6(Ipv6Addr::LOCALHOST));
    assert!(Dialogue::new(Protocol::Socks4, &v6, 1, None).is_err());
}

#[test]
fn http_connect_with_basic_auth() {
    let d = Dialogue::new(Protocol::Http, &name("example.com"), 443, Some(&creds())).unwrap();
    let answer: &[u8] = b"HTTP/1.1 200 Connection established\r\nVia: x\r\n\r\n";
    let (sent, r) = talk(d, &[answer]);
    r.unwrap();
    assert_eq!(
        String::from_utf8(sent).unwrap(),
        "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\
         Proxy-Authorization: Basic YWxpY2U6czM6Y3JldA==\r\n\r\n"
    );
    let d = Dialogue::new(
        Protocol::Http,
        &Dest::Ip(Ipv6Addr::LOCALHOST.into()),
        22,
        None,
    )
    .unwrap();
    let (sent, r) = talk(d, &[b"HTTP/1.0 200 OK\r\n\r\n"]);
    r.unwrap();
    assert!(sent.starts_with(b"CONNECT [::1]:22 HTTP/1.1\r\nHost: [::1]:22\r\n\r\n"));
}

#[test]
fn http_reads_no_byte_past_the_head() {
    let mut d = Dialogue::new(Protocol::Http, &name("h"), 1, None).unwrap();
    let n = d.output().len();
    d.wrote(n);
    let answer = b"HTTP/1.1 200 OK\r\n\r\nTARGET";
    let mut at = 0;
    while !d.is_done() {
        let n = d.wants();
        d.received(&answer[at..at + n]).unwrap();
        at += n;
    }
    assert_eq!(&answer[at..], b"TARGET");
}

#[test]
fn http_failures() {
    let cases: &[(&[u8], Failure, &str)] = &[
        (
            b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n",
            Failure::Denied,
            "HTTP proxy answered 'HTTP/1.1 407 Proxy Authentication Required'",
        ),
        (
            b"HTTP/1.0 403 Filtered\r\n\r\n",
            Failure::Denied,
            "HTTP proxy answered 'HTTP/1.0 403 Filtered'",
        ),
        (
            b"HTTP/1.0 502 Bad Gateway\r\n\r\n",
            Failure::Failed,
            "HTTP proxy answered 'HTTP/1.0 502 Bad Gateway'",
        ),
        (
            b"HTTP/1.0 504 Gateway Timeout\r\n\r\n",
            Failure::TimedOut,
            "HTTP proxy answered 'HTTP/1.0 504 Gateway Timeout'",
        ),
        (
            b"SSH-2.0-OpenSSH\r\n",
            Failure::Malformed,
            "not an HTTP proxy (answered 'SSH-')",
        ),
        (
            b"HTTP/1.0 2x0 Hm\r\n\r\n",
            Failure::Malformed,
            "malformed HTTP status line 'HTTP/1.0 2x0 Hm'",
        ),
    ];
    for &(answer, failure, text) in cases {
        let d = Dialogue::new(Protocol::Http, &name("h"), 1, None).unwrap();
        let e = talk(d, &[answer]).1.unwrap_err();
        assert_eq!(e, ProxyError::new(failure, text));
    }
}

#[test]
fn base64_matches_rfc4648() {
    for (i, o) in [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foobar", "Zm9vYmFy"),
    ] {
        assert_eq!(http::base64_for_tests(i.as_bytes()), o);
    }
}

#[test]
fn credentials_never_show() {
    let c = Credentials::parse("bob:pw:x", "--proxy-auth").unwrap();
    assert_eq!((c.user.as_str(), c.pass.as_str()), ("bob", "pw:x"));
    assert_eq!(format!("{c:?}"), "Credentials(<hidden>)");
    let e = Credentials::parse("secretnocolon", "--proxy-auth").unwrap_err();
    assert!(!e.contains("secret"), "{e}");
}
