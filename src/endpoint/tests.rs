use std::net::IpAddr;
use std::path::PathBuf;

use super::*;
use crate::sock::SockOpts;

fn ok(s: &str) -> Endpoint {
    match Endpoint::parse(s) {
        Ok(e) => e,
        Err(err) => panic!("{s:?} should parse: {err}"),
    }
}

fn kind(s: &str) -> Kind {
    ok(s).kind
}

fn opts(s: &str) -> EndpointOpts {
    ok(s).opts
}

fn err(s: &str) -> String {
    match Endpoint::parse(s) {
        Ok(e) => panic!("{s:?} should fail, parsed as {e:?}"),
        Err(err) => {
            assert!(
                err.starts_with(&format!("invalid endpoint '{s}': "))
                    || s.contains(char::is_control),
                "{err}"
            );
            assert!(!err.contains('\n'), "{err:?}");
            err
        }
    }
}

/// The error for `s` contains every one of `parts`.
fn err_has(s: &str, parts: &[&str]) {
    let e = err(s);
    for p in parts {
        assert!(e.contains(p), "error for {s:?} lacks {p:?}: {e}");
    }
}

fn hp(host: &str, port: u16) -> HostPort {
    HostPort {
        host: Host::parse(host),
        port: Port::Number(port),
    }
}

fn any(port: u16) -> HostPort {
    HostPort {
        host: Host::Any,
        port: Port::Number(port),
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn stdio_and_pty() {
    assert_eq!(kind("-"), Kind::Stdio);
    assert_eq!(kind("stdio"), Kind::Stdio);
    assert_eq!(kind("STDIO"), Kind::Stdio);
    assert_eq!(ok("-").opts, EndpointOpts::default());
    assert_eq!(kind("pty"), Kind::Pty);
    let e = ok("pty,link=/tmp/tty0,raw");
    assert_eq!(e.kind, Kind::Pty);
    assert_eq!(e.opts.link, Some(PathBuf::from("/tmp/tty0")));
    assert!(e.opts.raw);
    assert_eq!(opts("pty,raw").link, None);
    assert_eq!(
        opts(r"pty,link=/tmp/a\,b").link,
        Some(PathBuf::from("/tmp/a,b"))
    );
    assert_eq!(
        opts("pty,link=/tmp/a=b:c").link,
        Some(PathBuf::from("/tmp/a=b:c"))
    );
    err_has("pty:/dev/x", &["pty takes no address"]);
    err_has("stdio:x", &["stdio takes no address"]);
    err_has("-:x", &["stdio takes no address"]);
    err_has(
        "stdio,nodelay",
        &["option 'nodelay' does not apply to stdio"],
    );
    err_has(
        "stdio,bogus",
        &["unknown option 'bogus' for stdio", "takes no options"],
    );
    err_has("pty,link", &["option 'link' needs a value (link=PATH)"]);
    err_has("pty,link=", &["needs a value"]);
    err_has("pty,raw=1", &["option 'raw' takes no value"]);
    err_has("pty,raw,raw", &["option 'raw' given twice"]);
    err_has("pty,mode=600", &["option 'mode' does not apply to pty"]);
    err_has(
        "pty,rw",
        &["unknown option 'rw' for pty (expected one of: link, raw)"],
    );
}

#[test]
fn tcp_and_udp() {
    assert_eq!(kind("tcp:localhost:80"), Kind::Tcp(hp("localhost", 80)));
    assert_eq!(kind("TCP:example.com:80"), Kind::Tcp(hp("example.com", 80)));
    assert_eq!(kind("tcp:10.0.0.1:443"), Kind::Tcp(hp("10.0.0.1", 443)));
    assert_eq!(
        kind("tcp:host:http"),
        Kind::Tcp(HostPort {
            host: Host::Name("host".into()),
            port: Port::Service("http".into()),
        })
    );
    assert_eq!(kind("tcp-connect:h:1"), Kind::Tcp(hp("h", 1)));
    assert_eq!(kind("udp:10.0.0.1:53"), Kind::Udp(hp("10.0.0.1", 53)));
    assert_eq!(kind("udp-connect:h:53"), Kind::Udp(hp("h", 53)));
    assert_eq!(
        kind("udp:<broadcast>:9"),
        Kind::Udp(HostPort {
            host: Host::Broadcast,
            port: Port::Number(9),
        })
    );
    assert_eq!(kind("tcp:h:65535"), Kind::Tcp(hp("h", 65535)));
    assert_eq!(
        kind("tcp:under_score.host-1:7"),
        Kind::Tcp(hp("under_score.host-1", 7))
    );
    err_has("tcp:h:65536", &["invalid port '65536'"]);
    err_has("tcp:h:99999", &["99999"]);
    err_has("tcp:h:0", &["port 0 is only valid for a listener"]);
    err_has("tcp:h", &["missing port (expected tcp:HOST:PORT)"]);
    err_has("tcp:h:", &["missing port"]);
    err_has("tcp::80", &["missing host (expected tcp:HOST:PORT)"]);
    err_has("tcp:*:80", &["missing host"]);
    err_has("tcp:", &["missing host and port"]);
    err_has("tcp", &["missing address (expected tcp:HOST:PORT)"]);
    err_has("tcp,nodelay", &["missing address"]);
    err_has("udp:h", &["missing port (expected udp:HOST:PORT)"]);
    err_has("tcp:<broadcast>:80", &["<broadcast> is for udp only"]);
    err_has("tcp:a b:80", &["invalid host 'a b'"]);
    err_has("tcp:-h:80", &["invalid host '-h'"]);
    err_has(r"tcp:a\,b:80", &["invalid host 'a,b'"]);
    err_has("tcp:h:-1", &["invalid port '-1'"]);
    err_has("tcp:h:a b", &["invalid port 'a b'"]);
}

#[test]
fn ipv6_brackets() {
    assert_eq!(kind("tcp:[::1]:80"), Kind::Tcp(hp("::1", 80)));
    assert_eq!(
        kind("tcp:[fe80::1%eth0]:22"),
        Kind::Tcp(hp("fe80::1%eth0", 22))
    );
    assert_eq!(
        kind("udp:[2001:db8::5]:53"),
        Kind::Udp(hp("2001:db8::5", 53))
    );
    assert_eq!(
        kind("tcp-listen:[::]:8080"),
        Kind::TcpListen(hp("::", 8080))
    );
    assert_eq!(
        kind("tcp:[::ffff:1.2.3.4]:1"),
        Kind::Tcp(hp("::ffff:1.2.3.4", 1))
    );
    err_has("tcp:::1:80", &["bracketed, as in [::1]:80"]);
    err_has("tcp:fe80::1%eth0:80", &["bracketed"]);
    err_has("tcp:[::1:80", &["missing ']'"]);
    err_has("tcp:[::1]", &["missing port (expected tcp:HOST:PORT)"]);
    err_has("tcp:[::1]:", &["missing port"]);
    err_has("tcp:[::1]80", &["expected ':PORT' after ']', found '80'"]);
    err_has("tcp:[]:80", &["empty brackets"]);
    err_has(
        "tcp:[localhost]:80",
        &["'[localhost]' is not an IPv6 address"],
    );
    err_has("tcp:[1.2.3.4]:80", &["not an IPv6 address"]);
    err_has("tcp:[fe80::1%]:80", &["invalid scope id '%'"]);
    err_has("tcp:[fe80::1%e th]:80", &["invalid scope id"]);
    err_has("tcp:[::1]:99999", &["invalid port '99999'"]);
}

#[test]
fn listeners() {
    assert_eq!(kind("tcp-listen:8080"), Kind::TcpListen(any(8080)));
    assert_eq!(kind("tcp-listen::8080"), Kind::TcpListen(any(8080)));
    assert_eq!(kind("tcp-listen:*:8080"), Kind::TcpListen(any(8080)));
    assert_eq!(kind("tcp-listen:0"), Kind::TcpListen(any(0)));
    assert_eq!(
        kind("tcp-listen:0.0.0.0:80"),
        Kind::TcpListen(hp("0.0.0.0", 80))
    );
    assert_eq!(
        kind("tcp-listen:localhost:80"),
        Kind::TcpListen(hp("localhost", 80))
    );
    assert_eq!(
        kind("tcp-l:127.0.0.1:9"),
        Kind::TcpListen(hp("127.0.0.1", 9))
    );
    assert_eq!(kind("udp-listen:5353"), Kind::UdpListen(any(5353)));
    assert_eq!(
        kind("udp-l:127.0.0.1:9"),
        Kind::UdpListen(hp("127.0.0.1", 9))
    );
    assert_eq!(
        kind("udp-listen:<broadcast>:9"),
        Kind::UdpListen(HostPort {
            host: Host::Broadcast,
            port: Port::Number(9)
        })
    );
    assert_eq!(
        kind("tcp-listen:http"),
        Kind::TcpListen(HostPort {
            host: Host::Any,
            port: Port::Service("http".into())
        })
    );
    err_has(
        "tcp-listen:",
        &["missing port (expected tcp-listen:[ADDR:]PORT)"],
    );
    err_has("tcp-listen:h:", &["missing port"]);
    err_has(
        "udp-listen:",
        &["missing port (expected udp-listen:[ADDR:]PORT)"],
    );
    err_has("tcp-listen:70000", &["invalid port '70000'"]);
    err_has("tcp-listen:[::]", &["missing port"]);
    err_has(
        "tcp-listen",
        &["missing address (expected tcp-listen:[ADDR:]PORT)"],
    );
}

#[test]
fn families() {
    let e = ok("tcp4:h:1");
    assert_eq!(e.kind, Kind::Tcp(hp("h", 1)));
    assert_eq!(e.opts.family, Some(Family::V4));
    assert_eq!(opts("tcp6:h:1").family, Some(Family::V6));
    assert_eq!(opts("udp4:h:1").family, Some(Family::V4));
    assert_eq!(opts("udp6:h:1").family, Some(Family::V6));
    assert_eq!(opts("tcp4-listen:80").family, Some(Family::V4));
    assert_eq!(opts("tcp6-l:80").family, Some(Family::V6));
    assert_eq!(opts("udp4-listen:80").family, Some(Family::V4));
    assert_eq!(opts("udp6-l:80").family, Some(Family::V6));
    assert_eq!(kind("tcp6-listen:80"), Kind::TcpListen(any(80)));
    assert_eq!(opts("tcp:h:1,ipv4").family, Some(Family::V4));
    assert_eq!(opts("tcp:h:1,4").family, Some(Family::V4));
    assert_eq!(opts("tcp:h:1,ipv6").family, Some(Family::V6));
    assert_eq!(opts("udp:h:1,6").family, Some(Family::V6));
    assert_eq!(opts("tcp:h:1").family, None);
    assert_eq!(opts("tcp4:h:1,ipv4").family, Some(Family::V4));
    assert_eq!(opts("tcp4:1.2.3.4:1").family, Some(Family::V4));
    assert_eq!(opts("tcp6:[::1]:1").family, Some(Family::V6));
    err_has("tcp4:h:1,ipv6", &["option 'ipv6' conflicts with tcp4"]);
    err_has(
        "tcp:h:1,ipv4,ipv6",
        &["option 'ipv6' conflicts with option 'ipv4'"],
    );
    err_has("tcp:h:1,ipv4,4", &["option '4' (ipv4) given twice"]);
    err_has(
        "tcp4:[::1]:80",
        &["IPv6 address '[::1]' conflicts with tcp4"],
    );
    err_has(
        "tcp6:127.0.0.1:80",
        &["IPv4 address '127.0.0.1' conflicts with tcp6"],
    );
    err_has(
        "udp6:<broadcast>:9",
        &["IPv4 address '<broadcast>' conflicts with udp6"],
    );
    err_has("tcp:[::1]:80,ipv4", &["conflicts with option 'ipv4'"]);
    err_has(
        "tcp:h:1,bind=::1,ipv4",
        &["bind=::1 is IPv6 and conflicts with option 'ipv4'"],
    );
    err_has("unix:/x,ipv4", &["option 'ipv4' does not apply to unix"]);
}

#[test]
fn unix() {
    assert_eq!(
        kind("unix:/tmp/x"),
        Kind::Unix {
            path: "/tmp/x".into(),
            dgram: false
        }
    );
    assert_eq!(
        kind("unix-connect:rel/x"),
        Kind::Unix {
            path: "rel/x".into(),
            dgram: false
        }
    );
    assert_eq!(
        kind("unix-dgram:/tmp/d"),
        Kind::Unix {
            path: "/tmp/d".into(),
            dgram: true
        }
    );
    assert_eq!(
        kind("unix-listen:@abs"),
        Kind::UnixListen {
            path: "@abs".into(),
            dgram: false
        }
    );
    assert_eq!(
        kind("unix-l:/tmp/l"),
        Kind::UnixListen {
            path: "/tmp/l".into(),
            dgram: false
        }
    );
    assert_eq!(
        kind("unix-dgram-listen:/tmp/dl"),
        Kind::UnixListen {
            path: "/tmp/dl".into(),
            dgram: true
        }
    );
    assert_eq!(
        kind("unix-dgram-l:/tmp/dl"),
        Kind::UnixListen {
            path: "/tmp/dl".into(),
            dgram: true
        }
    );
    // Colons are part of a path.
    assert_eq!(
        kind("unix:/tmp/a:b"),
        Kind::Unix {
            path: "/tmp/a:b".into(),
            dgram: false
        }
    );
    let o = opts("unix-listen:/tmp/s,mode=600,unlink,backlog=5,sndbuf=64k,rcvbuf=1m");
    assert_eq!(o.mode, Some(0o600));
    assert!(o.unlink);
    assert_eq!(o.backlog, Some(5));
    assert_eq!(o.sndbuf, Some(65536));
    assert_eq!(o.rcvbuf, Some(1 << 20));
    assert_eq!(opts("unix-listen:/s,mode=0600").mode, Some(0o600));
    assert_eq!(opts("unix-listen:/s,mode=0o640").mode, Some(0o640));
    assert_eq!(opts("unix-listen:/s,mode=7777").mode, Some(0o7777));
    assert_eq!(opts("unix-listen:/s,mode=0").mode, Some(0));
    assert_eq!(opts("unix-listen:/s,perm=644").mode, Some(0o644));
    assert!(opts("unix-listen:/s,unlink-early").unlink);
    assert!(opts("unix-dgram-listen:/s,unlink,mode=660").unlink);
    assert_eq!(opts("unix:/s,sndbuf=4096").sndbuf, Some(4096));
    err_has("unix:", &["empty path (expected unix:PATH)"]);
    err_has("unix-listen:", &["empty path (expected unix-listen:PATH)"]);
    err_has("unix:@", &["empty abstract socket name"]);
    err_has("unix", &["missing address (expected unix:PATH)"]);
    err_has(
        "unix:/s,mode=600",
        &["option 'mode' does not apply to unix"],
    );
    err_has(
        "unix-dgram:/s,unlink",
        &["option 'unlink' does not apply to unix-dgram"],
    );
    err_has(
        "unix-dgram-listen:/s,backlog=5",
        &["option 'backlog' does not apply to unix-dgram-listen"],
    );
    err_has("unix-listen:/s,mode=800", &["invalid mode '800'", "octal"]);
    err_has("unix-listen:/s,mode=rw", &["invalid mode 'rw'"]);
    err_has(
        "unix-listen:/s,mode=17777",
        &["mode=17777 out of range 0-7777"],
    );
    err_has(
        "unix-listen:/s,mode=77777777777777777777",
        &["out of range 0-7777"],
    );
    err_has(
        "unix-listen:/s,mode",
        &["option 'mode' needs a value (mode=OCTAL)"],
    );
    err_has(
        "unix-listen:/s,unlink=yes",
        &["option 'unlink' takes no value"],
    );
    err_has(
        "unix:/tmp/a,b",
        &[
            "unknown option 'b' for unix (expected one of: sndbuf, rcvbuf",
            r"a comma in a path is written \,",
        ],
    );
    err_has("unix:a\0b", &["path contains a NUL byte"]);
}

#[test]
fn escaping() {
    assert_eq!(
        kind(r"unix:/tmp/a\,b"),
        Kind::Unix {
            path: "/tmp/a,b".into(),
            dgram: false
        }
    );
    assert_eq!(kind(r"file:/a\,b\,c"), Kind::File("/a,b,c".into()));
    assert_eq!(kind(r"file:/a\\b"), Kind::File(r"/a\b".into()));
    assert_eq!(kind(r"file:/a\b"), Kind::File(r"/a\b".into()));
    assert_eq!(kind(r"file:/a\"), Kind::File(r"/a\".into()));
    assert_eq!(kind(r"file:\,"), Kind::File(",".into()));
    // `\\` then `,`: a backslash ending the path, then options.
    let e = ok(r"unix-listen:/tmp/x\\,unlink");
    assert_eq!(
        e.kind,
        Kind::UnixListen {
            path: r"/tmp/x\".into(),
            dgram: false
        }
    );
    assert!(e.opts.unlink);
    let e = ok(r"unix-listen:/tmp/a\,b,mode=600");
    assert_eq!(
        e.kind,
        Kind::UnixListen {
            path: "/tmp/a,b".into(),
            dgram: false
        }
    );
    assert_eq!(e.opts.mode, Some(0o600));
    assert_eq!(kind("create:/tmp/a b"), Kind::Create("/tmp/a b".into()));
    err_has(
        r"file:\,,x",
        &["unknown option 'x' for file (file takes no options"],
    );
}

#[test]
fn files_and_fds() {
    assert_eq!(kind("file:/etc/hosts"), Kind::File("/etc/hosts".into()));
    assert_eq!(kind("FILE:rel"), Kind::File("rel".into()));
    assert_eq!(kind("file:@x"), Kind::File("@x".into()));
    assert_eq!(kind("create:/tmp/out"), Kind::Create("/tmp/out".into()));
    assert_eq!(kind("append:/tmp/log"), Kind::Append("/tmp/log".into()));
    assert_eq!(kind("file:/a:b"), Kind::File("/a:b".into()));
    assert_eq!(kind("fd:0"), Kind::Fd(0));
    assert_eq!(kind("fd:3"), Kind::Fd(3));
    assert_eq!(kind("fd:2147483647"), Kind::Fd(i32::MAX));
    assert_eq!(kind("fd:007"), Kind::Fd(7));
    err_has("file:", &["empty path (expected file:PATH)"]);
    err_has("create:", &["empty path (expected create:PATH)"]);
    err_has("append:", &["empty path (expected append:PATH)"]);
    err_has("file", &["missing address (expected file:PATH)"]);
    err_has(
        "file:/a,b",
        &[
            "unknown option 'b' for file (file takes no options",
            r"written \,",
        ],
    );
    err_has(
        "create:/a,nodelay",
        &["option 'nodelay' does not apply to create"],
    );
    err_has(
        "append:/a,mode=600",
        &["option 'mode' does not apply to append"],
    );
    err_has("fd:", &["missing file descriptor (expected fd:N)"]);
    err_has(
        "fd:2147483648",
        &["fd:2147483648 out of range 0-2147483647"],
    );
    err_has("fd:99999999999999999999", &["out of range"]);
    err_has("fd:-1", &["invalid file descriptor '-1'"]);
    err_has("fd:+1", &["invalid file descriptor '+1'"]);
    err_has("fd:3x", &["invalid file descriptor '3x'"]);
    err_has("fd: 3", &["invalid file descriptor ' 3'"]);
    err_has("fd:3,raw", &["option 'raw' does not apply to fd"]);
    err_has(
        "fd:3,x",
        &["unknown option 'x' for fd (fd takes no options)"],
    );
}

#[test]
fn exec_and_sh() {
    assert_eq!(
        kind("exec:cat"),
        Kind::Exec {
            argv: vec!["cat".into()],
            shown: "cat".into()
        }
    );
    assert_eq!(
        kind("exec:grep -v 'a b',c"),
        Kind::Exec {
            argv: vec!["grep".into(), "-v".into(), "a b,c".into()],
            shown: "grep -v 'a b',c".into()
        }
    );
    // Commas, colons and backslashes belong to the command; no options.
    assert_eq!(
        kind(r"exec:printf a,b\\n x:y,nodelay"),
        Kind::Exec {
            argv: vec!["printf".into(), r"a,b\n".into(), "x:y,nodelay".into()],
            shown: r"printf a,b\\n x:y,nodelay".into()
        }
    );
    assert_eq!(
        kind(r#"exec:sh -c "echo \"hi\"""#),
        Kind::Exec {
            argv: vec!["sh".into(), "-c".into(), r#"echo "hi""#.into()],
            shown: r#"sh -c "echo \"hi\"""#.into()
        }
    );
    let sh = kind("sh:echo a, b | tr a b");
    assert_eq!(
        sh,
        Kind::Exec {
            argv: vec!["/bin/sh".into(), "-c".into(), "echo a, b | tr a b".into()],
            shown: "echo a, b | tr a b".into()
        }
    );
    assert_eq!(sh.name(), "sh");
    assert_eq!(kind("system:ls").name(), "sh");
    assert_eq!(kind("exec:/bin/sh -c ls").name(), "exec");
    assert_eq!(kind("EXEC:ls").name(), "exec");
    assert_eq!(ok("exec:ls,nodelay").opts, EndpointOpts::default());
    err_has("exec:", &["empty command (expected exec:COMMAND)"]);
    err_has("exec:   ", &["empty command"]);
    err_has("exec:# only a comment", &["empty command"]);
    err_has("sh:", &["empty command (expected sh:COMMAND)"]);
    err_has("sh: \t", &["empty command"]);
    err_has("exec", &["missing command (expected exec:COMMAND)"]);
    err_has("exec,x", &["missing command"]);
    err_has("sh", &["missing command (expected sh:COMMAND)"]);
    err_has("exec:echo 'unterminated", &["unbalanced quotes"]);
    err_has("exec:echo \"unterminated", &["unbalanced quotes"]);
    err_has(
        r"exec:echo trailing\",
        &["unbalanced quotes (or a trailing backslash)"],
    );
    err_has("exec:a\0b", &["command contains a NUL byte"]);
    err_has("sh:a\0b", &["command contains a NUL byte"]);
}

#[test]
fn inet_options() {
    let o = opts(
        "tcp:h:1,nodelay,keepalive,reuseaddr,reuseport,bind=10.0.0.2,sourceport=4000,sndbuf=64k,rcvbuf=1M,ttl=64,tos=16,ipv4",
    );
    assert_eq!(
        o,
        EndpointOpts {
            nodelay: true,
            keepalive: true,
            reuseaddr: true,
            reuseport: true,
            bind: Some(ip("10.0.0.2")),
            sourceport: Some(4000),
            sndbuf: Some(65536),
            rcvbuf: Some(1 << 20),
            ttl: Some(64),
            tos: Some(16),
            family: Some(Family::V4),
            ..EndpointOpts::default()
        }
    );
    assert!(opts("tcp:h:1,NoDelay").nodelay);
    assert!(opts("udp:h:1,broadcast").broadcast);
    assert!(opts("udp-listen:1,broadcast").broadcast);
    assert_eq!(opts("udp:h:1,sp=53").sourceport, Some(53));
    assert_eq!(opts("tcp:h:1,sourceport=65535").sourceport, Some(65535));
    assert_eq!(opts("tcp:[::1]:1,bind=::1").bind, Some(ip("::1")));
    assert_eq!(opts("tcp:[::1]:1,bind=[::1]").bind, Some(ip("::1")));
    assert_eq!(
        opts("tcp-listen:80,bind=127.0.0.1").bind,
        Some(ip("127.0.0.1"))
    );
    assert_eq!(opts("tcp-listen::80,bind=[::]").bind, Some(ip("::")));
    assert_eq!(opts("udp-listen:80,bind=0.0.0.0").bind, Some(ip("0.0.0.0")));
    assert_eq!(opts("tcp-listen:80,backlog=1").backlog, Some(1));
    assert_eq!(opts("tcp-listen:80,backlog=65535").backlog, Some(65535));
    assert_eq!(opts("tcp:h:1,ttl=1").ttl, Some(1));
    assert_eq!(opts("tcp:h:1,ttl=255").ttl, Some(255));
    assert_eq!(opts("tcp:h:1,tos=0").tos, Some(0));
    assert_eq!(opts("udp:h:1,tos=255").tos, Some(255));
    assert_eq!(opts("tcp:h:1,sndbuf=1").sndbuf, Some(1));
    assert_eq!(
        opts("tcp:h:1,sndbuf=2147483647").sndbuf,
        Some(i32::MAX as usize)
    );
    assert!(opts("tcp-listen:80,nodelay,keepalive").keepalive);

    err_has(
        "tcp:h:1,nodelya",
        &[
            "unknown option 'nodelya' for tcp (expected one of: nodelay, keepalive, reuseaddr, reuseport, bind, sourceport, sndbuf, rcvbuf, ttl, tos, ipv4, ipv6)",
        ],
    );
    err_has("tcp:h:1,mode=600", &["option 'mode' does not apply to tcp"]);
    err_has(
        "tcp:h:1,perm=600",
        &["option 'perm' (mode) does not apply to tcp"],
    );
    err_has(
        "tcp:h:1,broadcast",
        &["option 'broadcast' does not apply to tcp"],
    );
    err_has(
        "udp:h:1,nodelay",
        &["option 'nodelay' does not apply to udp"],
    );
    err_has(
        "udp:h:1,keepalive",
        &["option 'keepalive' does not apply to udp"],
    );
    err_has(
        "tcp:h:1,backlog=5",
        &["option 'backlog' does not apply to tcp"],
    );
    err_has(
        "udp-listen:1,backlog=5",
        &["option 'backlog' does not apply to udp-listen"],
    );
    err_has(
        "tcp-listen:1,sourceport=5",
        &["option 'sourceport' does not apply to tcp-listen"],
    );
    err_has("tcp:h:1,link=/x", &["option 'link' does not apply to tcp"]);
    err_has("tcp:h:1,raw", &["option 'raw' does not apply to tcp"]);
    err_has("tcp:h:1,unlink", &["option 'unlink' does not apply to tcp"]);
    err_has("tcp:h:1,ttl=300", &["ttl=300 out of range 1-255"]);
    err_has("tcp:h:1,ttl=0", &["ttl=0 out of range 1-255"]);
    err_has(
        "tcp:h:1,ttl=99999999999999999999999",
        &["out of range 1-255"],
    );
    err_has(
        "tcp:h:1,ttl=-1",
        &["invalid ttl '-1' (expected a number 1-255)"],
    );
    err_has("tcp:h:1,ttl=abc", &["invalid ttl 'abc'"]);
    err_has("tcp:h:1,ttl= 5", &["invalid ttl ' 5'"]);
    err_has("tcp:h:1,ttl", &["option 'ttl' needs a value (ttl=N)"]);
    err_has("tcp:h:1,ttl=", &["option 'ttl' needs a value"]);
    err_has("tcp:h:1,tos=256", &["tos=256 out of range 0-255"]);
    err_has(
        "tcp-listen:1,backlog=0",
        &["backlog=0 out of range 1-65535"],
    );
    err_has(
        "tcp-listen:1,backlog=65536",
        &["backlog=65536 out of range 1-65535"],
    );
    err_has(
        "tcp:h:1,sourceport=0",
        &["sourceport=0 out of range 1-65535"],
    );
    err_has(
        "tcp:h:1,sourceport=65536",
        &["sourceport=65536 out of range 1-65535"],
    );
    err_has("tcp:h:1,sourceport=http", &["invalid sourceport 'http'"]);
    err_has("tcp:h:1,sndbuf=0", &["invalid sndbuf '0'", "64k"]);
    err_has("tcp:h:1,sndbuf=lots", &["invalid sndbuf 'lots'"]);
    err_has("tcp:h:1,rcvbuf=4096m", &["invalid rcvbuf '4096m'"]);
    err_has(
        "tcp:h:1,bind=localhost",
        &["invalid bind address 'localhost'"],
    );
    err_has("tcp:h:1,bind=fe80::1%eth0", &["invalid bind address"]);
    err_has("tcp:h:1,bind", &["option 'bind' needs a value (bind=ADDR)"]);
    err_has("tcp:h:1,nodelay=1", &["option 'nodelay' takes no value"]);
    err_has("tcp:h:1,nodelay,nodelay", &["option 'nodelay' given twice"]);
    err_has("tcp:h:1,ttl=5,ttl=6", &["option 'ttl' given twice"]);
    err_has(
        "tcp:h:1,sp=1,sourceport=2",
        &["option 'sourceport' given twice"],
    );
    err_has("tcp:h:1,", &["empty option"]);
    err_has("tcp:h:1,,nodelay", &["empty option"]);
    err_has("tcp:h:1,=5", &["option '=5' has no name"]);
    err_has(
        "tcp:127.0.0.1:1,bind=::1",
        &["bind=::1 is IPv6 but the host '127.0.0.1' is IPv4"],
    );
    err_has(
        "tcp-listen:127.0.0.1:80,bind=127.0.0.1",
        &["bind=127.0.0.1 and the listen address '127.0.0.1' both given"],
    );
    err_has(
        "tcp6-listen:80,bind=127.0.0.1",
        &["conflicts with tcp6-listen"],
    );
}

#[test]
fn can_interfaces() {
    assert_eq!(kind("can:vcan0"), Kind::Can("vcan0".into()));
    assert_eq!(kind("CAN:can1"), Kind::Can("can1".into()));
    assert_eq!(
        Endpoint::parse("can:vcan0").unwrap().canonical(),
        "can:vcan0"
    );
    err_has("can:", &["missing interface name (expected can:IFACE"]);
    err_has("can", &["missing address (expected can:IFACE)"]);
    err_has("can:any", &["can:any cannot send"]);
    err_has("can:abcdefghijklmnop", &["longer than 15 bytes"]);
    err_has("can:a/b", &["contains '/'"]);
    err_has(
        "can:vcan0,nodelay",
        &["option 'nodelay' does not apply to can"],
    );
    err_has(
        "can:vcan0,x",
        &["unknown option 'x' for can (can takes no options)"],
    );
}

#[test]
fn unknown_kinds() {
    err_has(
        "tpc:h:1",
        &[
            "unknown kind 'tpc' (expected one of: -, stdio, tcp, tcp-listen, udp, udp-listen, unix, unix-dgram, unix-listen, unix-dgram-listen, exec, sh, file, create, append, fd, pty, can, tls, tls-listen, socks5, socks4, http-proxy, vsock, vsock-listen)",
        ],
    );
    err_has("localhost:80", &["unknown kind 'localhost'"]);
    err_has("tsl:h:1", &["unknown kind 'tsl'"]);
    err_has(":80", &["missing kind"]);
    err_has(",x", &["missing kind"]);
    err_has("", &["empty endpoint"]);
    err_has(" tcp:h:1", &["unknown kind ' tcp'"]);
}

#[test]
fn error_lines_escape_control_characters() {
    let e = Endpoint::parse("tcp:h:1,x\ny").unwrap_err();
    assert!(!e.contains('\n'));
    assert!(e.contains(r"x\ny"), "{e}");
    let e = Endpoint::parse("bogus\r\t:1").unwrap_err();
    assert!(!e.contains('\r') && !e.contains('\t'), "{e}");
}

#[test]
fn names_and_predicates() {
    let table: &[(&str, &str, bool, bool)] = &[
        ("-", "stdio", false, false),
        ("tcp:h:1", "tcp", false, false),
        ("tcp-listen:1", "tcp-listen", true, false),
        ("udp:h:1", "udp", false, true),
        ("udp-listen:1", "udp-listen", true, true),
        ("unix:/s", "unix", false, false),
        ("unix-dgram:/s", "unix-dgram", false, true),
        ("unix-listen:/s", "unix-listen", true, false),
        ("unix-dgram-listen:/s", "unix-dgram-listen", true, true),
        ("exec:cat", "exec", false, false),
        ("sh:cat", "sh", false, false),
        ("file:/f", "file", false, false),
        ("create:/f", "create", false, false),
        ("append:/f", "append", false, false),
        ("fd:3", "fd", false, false),
        ("pty", "pty", false, false),
        ("can:vcan0", "can", false, false),
    ];
    for &(s, name, listen, dgram) in table {
        let k = kind(s);
        assert_eq!(k.name(), name, "{s}");
        assert_eq!(k.is_listen(), listen, "{s}");
        assert_eq!(k.is_datagram(), dgram, "{s}");
    }
}

#[test]
fn display_is_the_typed_text() {
    for s in [
        "TCP4:h:1,NoDelay",
        "-",
        r"unix:/a\,b",
        "sh:echo a,b",
        "tcp-l::80",
    ] {
        let e = ok(s);
        assert_eq!(e.to_string(), s);
        assert_eq!(e.text, s);
        assert_eq!(s.parse::<Endpoint>(), Ok(e));
    }
}

#[test]
fn canonical_forms_parse_back() {
    let table: &[(&str, &str)] = &[
        ("-", "stdio"),
        ("STDIO", "stdio"),
        ("pty,raw,link=/tmp/a\\,b", r"pty,raw,link=/tmp/a\,b"),
        ("tcp4:h:1,NODELAY", "tcp:h:1,nodelay,ipv4"),
        ("tcp:[::1]:http", "tcp:[::1]:http"),
        ("tcp-l::80", "tcp-listen:80"),
        (
            "tcp-listen:[::]:80,backlog=9",
            "tcp-listen:[::]:80,backlog=9",
        ),
        ("udp6-l:53,reuseport", "udp-listen:53,reuseport,ipv6"),
        ("udp:<broadcast>:9,broadcast", "udp:<broadcast>:9,broadcast"),
        (
            "tcp:h:1,tos=1,ttl=2,rcvbuf=1k,sndbuf=2k,sp=3,bind=[::1],keepalive,6",
            "tcp:h:1,keepalive,ipv6,bind=::1,sourceport=3,sndbuf=2048,rcvbuf=1024,ttl=2,tos=1",
        ),
        (
            r"unix-listen:/x\\y\,z,perm=600,unlink-early",
            r"unix-listen:/x\\y\,z,unlink,mode=0600",
        ),
        (r"file:/a\b", r"file:/a\\b"),
        ("unix-dgram-l:@abs", "unix-dgram-listen:@abs"),
        ("create:/o", "create:/o"),
        ("append:/o", "append:/o"),
        ("fd:007", "fd:7"),
        ("exec:cat -n, x", "exec:cat -n, x"),
        ("system:ls,a", "sh:ls,a"),
    ];
    for &(typed, canonical) in table {
        let e = ok(typed);
        assert_eq!(e.canonical(), canonical, "{typed}");
        let again = ok(canonical);
        assert_eq!((again.kind, again.opts), (e.kind, e.opts), "{typed}");
    }
}

#[test]
fn sock_opts_overlay_cli_flags() {
    let base = SockOpts {
        source: Some(ip("10.0.0.1")),
        source_port: Some(1000),
        nodelay: true,
        ttl: Some(9),
        rcvbuf: Some(4096),
        backlog: Some(128),
        ..SockOpts::default()
    };
    let s = opts("tcp:h:1").sock_opts(&base);
    assert_eq!(s.source, Some(ip("10.0.0.1")));
    assert_eq!(s.source_port, Some(1000));
    assert!(s.nodelay && !s.keepalive && !s.reuseaddr);
    assert_eq!(
        (s.ttl, s.rcvbuf, s.backlog),
        (Some(9), Some(4096), Some(128))
    );

    let s = opts("tcp:h:1,keepalive,bind=10.0.0.2,sp=2000,ttl=3,tos=4,sndbuf=1k,reuseport")
        .sock_opts(&base);
    assert_eq!(s.source, Some(ip("10.0.0.2")));
    assert_eq!(s.source_port, Some(2000));
    assert!(s.nodelay && s.keepalive && s.reuseport);
    assert!(
        s.reuseaddr,
        "a source port implies SO_REUSEADDR, as -p does"
    );
    assert_eq!(
        (s.ttl, s.tos, s.sndbuf, s.rcvbuf),
        (Some(3), Some(4), Some(1024), Some(4096))
    );

    let s = opts("tcp-listen:80,backlog=5,reuseaddr").sock_opts(&SockOpts::default());
    assert_eq!(s.backlog, Some(5));
    assert!(s.reuseaddr && !s.broadcast);
    let s = opts("udp:h:1,broadcast").sock_opts(&SockOpts::default());
    assert!(s.broadcast);
}

/// The old `sock::addr::Endpoint::looks_like` cases and the new ones.
#[test]
fn looks_like() {
    for yes in [
        "-",
        "stdio",
        "STDIO",
        "pty",
        "pty,raw",
        "pty,link=/tmp/x",
        "tcp:x:1",
        "tcp:",
        "TCP:h:1",
        "tcp-l:1",
        "tcp-listen:80",
        "udp:h:1",
        "udp-l:1",
        "udp-listen:1",
        "unix:/x",
        "unix-l:/x",
        "unix-listen:/x",
        "unix-dgram:/x",
        "unix-dgram-listen:/x",
        "tcp4:h:1",
        "udp6-listen:1",
        "exec:cat",
        "sh:ls",
        "file:/x",
        "create:/x",
        "append:/x",
        "fd:3",
        "tcp,x",
    ] {
        assert!(Endpoint::looks_like(yes), "{yes:?}");
    }
    for no in [
        "::1",
        "::",
        "localhost",
        "example.com",
        "fe80::1%eth0",
        "localhost:80",
        "127.0.0.1",
        "",
        "<broadcast>",
        "tcp",
        "file",
        "exec",
        "fd",
        "bogus:x",
        "2001:db8::1",
        "[::1]:80",
    ] {
        assert!(!Endpoint::looks_like(no), "{no:?}");
    }
    // The old parser's own check.
    assert!(Endpoint::looks_like("tcp:x:1") && !Endpoint::looks_like("example.com"));
}

/// Malformed endpoints: every one is an error (never a panic), one line naming the endpoint.
#[test]
fn malformed_table() {
    let bad = [
        "",
        ":",
        ",",
        "::",
        ":80",
        "tcp",
        "tcp:",
        "tcp:h",
        "tcp:h:",
        "tcp::",
        "tcp::80",
        "tcp:h:65536",
        "tcp:h:999999999999999999999",
        "tcp:h:0",
        "tcp:h:-5",
        "tcp:h:8 0",
        "tcp:h:1:2",
        "tcp:::1:80",
        "tcp:[::1",
        "tcp:[::1]",
        "tcp:[::1]x",
        "tcp:[]:1",
        "tcp:[zz]:1",
        "tcp:[::1]]:1",
        "tcp:[[::1]]:1",
        "tcp:h:1,",
        "tcp:h:1,,",
        "tcp:h:1,=",
        "tcp:h:1,nodelay=",
        "tcp:h:1,ttl=1e3",
        "tcp:h:1,ttl=0x10",
        "tcp:h:1,tos=-0",
        "tcp:h:1,bind=1.2.3",
        "tcp:h:1,bind=[::1",
        "tcp:h:1,sndbuf=-1",
        "tcp:h:1,sndbuf=1g",
        "tcp:h:1,sourceport=-1",
        "tcp:h:1,4,6",
        "tcp4:[::1]:1",
        "tcp-listen:",
        "tcp-listen::",
        "tcp-listen:1.2.3.4:",
        "tcp-listen:65536",
        "tcp-listen:[::]:",
        "tcp-listen:1,backlog=-1",
        "tcp-listen:1,backlog=1k",
        "udp:",
        "udp:h",
        "udp:h:1,nodelay",
        "udp-listen:1,backlog=1",
        "unix",
        "unix:",
        "unix:@",
        "unix:,mode=600",
        "unix-listen:/s,mode=9",
        "unix-listen:/s,mode=-1",
        "unix-listen:/s,mode=0o",
        "unix-listen:/s,mode=0x1ff",
        "unix-dgram:",
        "unix-dgram-listen:",
        "exec",
        "exec:",
        "exec: ",
        "exec:'",
        "exec:\"",
        "exec:a 'b",
        "exec:\\",
        "sh:",
        "sh:  ",
        "file:",
        "file",
        "file:,",
        "create:",
        "append:",
        "append:/a,b=c",
        "fd",
        "fd:",
        "fd:x",
        "fd:-0",
        "fd:1.5",
        "fd:0x3",
        "fd:2147483648",
        "fd:3,",
        "stdio:",
        "stdio,",
        "-,",
        "-:",
        "--",
        "pty:",
        "pty,",
        "pty,link",
        "pty,link=",
        "pty,raw=",
        "pty,raw,raw",
        "tpc:h:1",
        "http://example.com/",
        "localhost:80",
        "[::1]:80",
        "tcp:h\u{0}:1",
        "unix:\u{0}",
        "exec:\u{0}",
        "tcp:h:1,\u{7f}",
        "tcp:é:1",
        "tcp:h:١",
        "tcp:h:1,ttl=١",
        "fd:٣",
    ];
    assert!(bad.len() >= 60, "{}", bad.len());
    for s in bad {
        let e = err(s);
        assert!(e.starts_with("invalid endpoint '"), "{e}");
    }
}

/// The fuzz entry point's checks hold for every string in these tests.
#[test]
fn fuzz_entry_point_on_examples() {
    for s in [
        "-",
        "pty,raw,link=/a\\,b",
        "tcp4:h:1,nodelay",
        "tcp-listen:[::]:80,backlog=9",
        "udp:<broadcast>:9,broadcast",
        r"unix-listen:/x\\,unlink",
        r"file:/a\",
        "exec:cat,x",
        "sh:echo a,b",
        "fd:007",
        "tcp:h:1,,",
        "\u{0}",
    ] {
        crate::fuzzing::parse_endpoint(s.as_bytes());
    }
    crate::fuzzing::parse_endpoint(b"\xff\xfe");
}

#[test]
fn errors_read_left_to_right() {
    err_has("tcp:h:99999,nodelya", &["invalid port '99999'"]);
    err_has("unix:,mode=600", &["empty path"]);
    err_has("tcp:h:1,nodelya,ttl=999", &["unknown option 'nodelya'"]);
    err_has("tcp:h:1,ttl=999,nodelya", &["ttl=999 out of range"]);
}

// --- TLS (issue 14 §1) ---

#[test]
fn tls_kinds_take_their_options_and_write_back_canonically() {
    let e =
        Endpoint::parse("ssl:example.org:443,sni=x.example,alpn=h2;http/1.1,ca=a\\,b.pem,nodelay")
            .unwrap();
    assert_eq!(e.kind, Kind::Tls(hp("example.org", 443)));
    assert_eq!(e.opts.tls.alpn, ["h2", "http/1.1"]);
    assert_eq!(
        e.opts.tls.ca.as_deref(),
        Some(std::path::Path::new("a,b.pem"))
    );
    assert!(e.opts.nodelay);
    let c = e.canonical();
    assert_eq!(
        c,
        "tls:example.org:443,nodelay,ca=a\\,b.pem,sni=x.example,alpn=h2;http/1.1"
    );
    let back = Endpoint::parse(&c).unwrap();
    assert_eq!((back.kind, back.opts), (e.kind, e.opts));
    let l = Endpoint::parse("tls-listen:8443,cert=c.pem,key=k.pem").unwrap();
    assert!(l.kind.is_listen());
    assert_eq!(l.canonical(), "tls-listen:8443,cert=c.pem,key=k.pem");
    err_has(
        "tls-listen:1,insecure",
        &["option 'insecure' does not apply to tls-listen"],
    );
    err_has("tls:h:1,pin=12", &["invalid pin '12'"]);
    err_has("tls:h:1,mode=600", &["option 'mode' does not apply to tls"]);
}

// --- proxies and vsock (issue 14) ----------------------------------------------------------

#[test]
fn proxy_kinds() {
    use crate::proxy::Protocol;
    let via = |p, proxy: HostPort, target: HostPort| {
        Kind::Proxy(proxy::Via {
            protocol: p,
            proxy,
            target,
        })
    };
    assert_eq!(
        kind("socks5:127.0.0.1:1080:example.com:80"),
        via(
            Protocol::Socks5,
            hp("127.0.0.1", 1080),
            hp("example.com", 80)
        )
    );
    assert_eq!(
        kind("socks4a:gw:1080:h:22"),
        via(Protocol::Socks4, hp("gw", 1080), hp("h", 22))
    );
    assert_eq!(
        kind("http-proxy:[::1]:3128:[2001:db8::1]:443"),
        via(Protocol::Http, hp("::1", 3128), hp("2001:db8::1", 443))
    );
    // tcp options apply to the proxy connection; canonical form round-trips.
    let e = ok("SOCKS5:gw:1080:h:https,nodelay,ipv4");
    assert!(e.opts.nodelay);
    assert_eq!(e.canonical(), "socks5:gw:1080:h:https,nodelay,ipv4");
    assert_eq!(ok(&e.canonical()).kind, e.kind);
    assert!(Endpoint::looks_like("socks5:gw:1:h:2"));
    err_has(
        "socks5:gw:1080",
        &["missing HOST:PORT after the proxy (expected socks5:PROXY:PPORT:HOST:PORT)"],
    );
    err_has("socks5:gw:1080:h", &["missing port"]);
    err_has(
        "http-proxy:gw:0:h:1",
        &["port 0 is only valid for a listener"],
    );
    err_has("socks5:gw:1:h:1,broadcast", &["does not apply to socks5"]);
    err_has("socks5:[::1]:1:h:1,ipv4", &["conflicts with option 'ipv4'"]);
}

#[test]
fn vsock_kinds() {
    assert_eq!(kind("vsock:2:5000"), Kind::Vsock { cid: 2, port: 5000 });
    assert_eq!(kind("vsock-l:5000"), Kind::VsockListen { port: 5000 });
    assert!(Kind::VsockListen { port: 1 }.is_listen());
    assert_eq!(ok("vsock-listen:7,backlog=9").opts.backlog, Some(9));
    assert_eq!(ok("vsock-connect:3:80").canonical(), "vsock:3:80");
    err_has("vsock:2", &["missing port (expected vsock:CID:PORT)"]);
    err_has("vsock:4294967295:1", &["vsock CID 4294967295 out of range"]);
    err_has("vsock-listen:-1", &["invalid vsock port '-1'"]);
    err_has("vsock:2:1,nodelay", &["does not apply to vsock"]);
}
