//! A table of malformed command lines across every subcommand (issue 13): each must exit with
//! its documented code (2 usage, 3 resolution, 1 an unreadable file), print exactly one
//! `sockcli: ...` line on stderr and nothing on stdout, never panic, and never hang.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use crate::util::*;

/// (expected exit code, argv after `sockcli`).
fn table() -> Vec<(i32, Vec<String>)> {
    let mut t: Vec<(i32, Vec<String>)> = Vec::new();
    let mut add = |code: i32, line: &str| {
        t.push((code, shlex_split(line)));
    };
    // Unknown flags and missing or extra arguments, every subcommand.
    for sub in ["connect", "listen", "pair", "resolve", "conv", "sniff"] {
        add(2, &format!("{sub} --bogus"));
        add(2, &format!("{sub} --json=maybe"));
    }
    // A service name that does not exist is a failed lookup (3), as for any name.
    for service in ["1.5", "8o", "no-such-service"] {
        add(3, &format!("connect 127.0.0.1 {service}"));
        add(3, &format!("listen {service}"));
    }
    add(2, "frobnicate");
    add(2, "connect");
    add(2, "connect 127.0.0.1");
    add(2, "connect 127.0.0.1 80 extra");
    add(2, "listen");
    add(2, "listen 1 2 3");
    add(2, "pair");
    add(2, "pair -");
    add(2, "pair - - -");
    add(2, "conv");
    add(2, "conv frob 1");
    // Ports out of range or malformed, wherever a port is typed.
    for port in ["70000", "65536", "99999999999", "-1", "''"] {
        add(2, &format!("connect 127.0.0.1 {port}"));
        add(2, &format!("listen {port}"));
    }
    for port in ["70000", "0", "1-70000", "5-3", "x-y", "1,,2"] {
        add(2, &format!("connect -z 127.0.0.1 {port}"));
    }
    add(2, "connect -p 70000 127.0.0.1 80");
    add(2, "listen -p 70000");
    add(2, "resolve localhost 65536");
    add(2, "resolve -r 127.0.0.1 70000");
    add(2, "resolve --port 70000");
    // Durations.
    for flag in ["-w", "-i", "--timeout", "-q"] {
        for bad in ["abc", "-1", "1x", "''", "5 minutes later"] {
            add(2, &format!("connect {flag} {bad} 127.0.0.1 80"));
        }
    }
    add(2, "listen -w never 0");
    add(2, "pair -i soon - tcp:127.0.0.1:1");
    // Numbers with ranges.
    for (flag, bad) in [
        ("--ttl", "0"),
        ("--ttl", "256"),
        ("--ttl", "abc"),
        ("--tos", "256"),
        ("--tos", "-1"),
        ("--sndbuf", "abc"),
        ("--sndbuf", "1q"),
        ("--rcvbuf", "-5"),
        ("--max-frame", "lots"),
    ] {
        add(2, &format!("connect {flag} {bad} 127.0.0.1 80"));
    }
    add(2, "listen --backlog many 0");
    add(2, "listen -k --max-conns 0 0");
    add(2, "listen -k --max-conns -3 0");
    add(2, "connect -z --parallel 0 127.0.0.1 80");
    add(2, "connect -z --parallel 70000 127.0.0.1 80");
    add(2, "resolve -j 0 -");
    add(2, "resolve -j 300 -");
    add(2, "pair -k --max-conns 0 tcp-listen:0 tcp:127.0.0.1:1");
    // CIDRs.
    for cidr in [
        "10.0.0.0/33",
        "::/129",
        "abc",
        "1.2.3/8",
        "10.0.0.0/-1",
        "/8",
        "10.0.0.0/8/8",
    ] {
        add(2, &format!("listen -k --allow {cidr} 0"));
        add(
            2,
            &format!("pair -k --deny {cidr} tcp-listen:0 tcp:127.0.0.1:1"),
        );
    }
    // Framing and data flags.
    add(2, "connect --frame bogus 127.0.0.1 80");
    add(2, "connect --frame len16 --crlf 127.0.0.1 80");
    add(2, "listen -k --echo --frame line 0");
    add(2, "listen -k --echo --hexdump 0");
    add(2, "listen -u --broker 0");
    add(2, "listen -k --echo --broker 0");
    add(2, "connect --send-only --recv-only 127.0.0.1 80");
    add(2, "connect --eof sometimes 127.0.0.1 80");
    add(2, "connect -4 -6 localhost 80");
    add(2, "connect --family 5 localhost 80");
    add(2, "connect -U /tmp/x 127.0.0.1 80");
    add(2, "connect -e '' 127.0.0.1 80");
    add(2, "connect -e \"'unbalanced\" 127.0.0.1 80");
    add(2, "connect -z -u 127.0.0.1 80");
    add(2, "connect tcp-listen:80");
    add(2, "listen tcp:127.0.0.1:80");
    add(2, "connect -u tcp:127.0.0.1:80");
    add(2, "listen -U /tmp/x --allow 10.0.0.0/8");
    // Endpoint strings.
    for ep in [
        "bogus",
        "frob:1",
        "tcp:",
        "tcp:127.0.0.1",
        "tcp:127.0.0.1:",
        "tcp::80",
        "tcp:::1:80",
        "tcp:[::1:80",
        "tcp:[::1]80",
        "tcp:[nothex]:80",
        "tcp:127.0.0.1:99999",
        "tcp:h:1,nodelya",
        "tcp:h:1,mode=600",
        "tcp:h:1,ttl=300",
        "tcp:h:1,tos=-1",
        "tcp:h:1,sndbuf=x",
        "tcp:h:1,nodelay=1",
        "tcp:h:1,nodelay,nodelay",
        "tcp:h:1,sourceport=0",
        "tcp:<broadcast>:1",
        "tcp4:[::1]:80",
        "tcp-listen:",
        "tcp-listen:x:y:z",
        "tcp-listen:80,backlog=0",
        "udp:",
        "udp-listen:80,backlog=5",
        "udp:h:1,keepalive",
        "unix:",
        "unix-listen:",
        "unix-listen:/tmp/s,mode=999",
        "unix-listen:/tmp/s,mode=abc",
        "unix:/tmp/s,unlink",
        "exec:",
        "exec:   ",
        "exec:\"open",
        "sh:",
        "file:",
        "create:",
        "fd:",
        "fd:x",
        "fd:-1",
        "fd:99999999999",
        "pty,link",
        "pty,raw=1",
        "pty,nodelay",
        "stdio,nodelay",
        "-,x",
    ] {
        add(2, &format!("pair - {}", sh_quote(ep)));
    }
    add(2, "pair - -");
    add(2, "pair stdio -");
    add(2, "pair -k tcp:127.0.0.1:1 -");
    add(2, "pair -k tcp-listen:0 -");
    add(2, "pair -k tcp-listen:0 tcp-listen:0");
    add(2, "pair -k udp-listen:0 exec:cat");
    add(2, "pair -k --pcap x.pcap tcp-listen:0 tcp:127.0.0.1:1");
    add(2, "pair --max-conns 3 tcp-listen:0 tcp:127.0.0.1:1");
    add(2, "pair --frame line - tcp:127.0.0.1:1");
    add(2, "pair --tty - tcp:127.0.0.1:1");
    add(2, "connect --pcap - 127.0.0.1 80");
    // conv.
    for (op, bad) in [
        ("htons", "70000"),
        ("htons", "-1"),
        ("htons", "abc"),
        ("htonl", "4294967296"),
        ("htonll", "18446744073709551616"),
        ("ntohs", "0x10000"),
        ("ntohl", "0b2"),
        ("ntohll", "0o9"),
        ("aton", "256.1.1.1.1"),
        ("aton", "1.2.3.4x"),
        ("ntoa", "zz"),
    ] {
        add(2, &format!("conv {op} {bad}"));
    }
    add(2, "conv pton 4 1.2.3");
    add(2, "conv pton 4 1.2.3.256");
    add(2, "conv pton 6 ::g");
    add(2, "conv pton 6 1:2:3:4:5:6:7:8:9");
    add(2, "conv pton 5 ::1");
    add(2, "conv ntop 4 zz");
    add(2, "conv ntop 6 0011");
    add(2, "conv --format bogus htons 1");
    // resolve.
    add(2, "resolve --type bogus localhost");
    add(2, "resolve --family 5 localhost");
    add(2, "resolve --hostname -4");
    add(2, "resolve --service http --port 80");
    add(2, "resolve --aliases localhost 80");
    add(2, "resolve -j 4 localhost");
    add(2, "resolve - localhost");
    add(2, "resolve --passive --service http");
    add(3, "resolve --service no-such-service-here");
    add(3, "resolve --service http/nosuchproto");
    add(3, "resolve --protocol no-such-protocol");
    add(3, "resolve --port 1/nosuchproto");
    add(2, "resolve -n 256.256.256.256");
    // sniff: filters, numbers, files.
    let pcap = format!("{}/tests/data/udp.pcap", env!("CARGO_MANIFEST_DIR"));
    for filter in [
        "port",
        "host",
        "net 10.0.0.0/33",
        "port 70000",
        "portrange 5-",
        "tcp[13]",
        "ether host 01:02",
        "(",
        "udp and",
        "not",
        "src or dst",
        "proto 999",
        "greater 10",
        "vlan 5000",
        "ip6 net ::/129",
    ] {
        add(2, &format!("sniff -r {pcap} {}", sh_quote(filter)));
    }
    add(2, &format!("sniff -r {pcap} -s abc"));
    add(2, &format!("sniff -r {pcap} -c 0"));
    add(2, &format!("sniff -r {pcap} -c many"));
    add(2, &format!("sniff -r {pcap} -B 0x"));
    add(1, "sniff -r /nonexistent/capture.pcap");
    add(1, "sniff -r /etc/hostname");
    add(1, "listen -k --allow-file /nonexistent/list 0");
    t
}

/// Words as a shell would split them (the table is written as command lines).
fn shlex_split(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, ' ') => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, c) => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    words
}

/// One shell word for `s` (single quotes unless it has one).
fn sh_quote(s: &str) -> String {
    if s.contains('\'') {
        format!("\"{s}\"")
    } else {
        format!("'{s}'")
    }
}

#[test]
fn two_hundred_malformed_command_lines_fail_cleanly() {
    let cases = table();
    assert!(cases.len() >= 200, "only {} cases", cases.len());
    let failures = Arc::new(Mutex::new(Vec::new()));
    let chunks: Vec<Vec<(i32, Vec<String>)>> = cases
        .chunks(cases.len().div_ceil(8))
        .map(<[_]>::to_vec)
        .collect();
    let workers: Vec<_> = chunks
        .into_iter()
        .map(|chunk| {
            let failures = Arc::clone(&failures);
            thread::spawn(move || {
                let dir = tempfile::tempdir().unwrap();
                for (code, args) in chunk {
                    let mut cmd = sockcli();
                    cmd.args(&args).current_dir(dir.path()).stdin(Stdio::null());
                    let o = run_within(&mut cmd, None, Duration::from_secs(10));
                    let err = o.stderr_str();
                    let lines: Vec<&str> = err.lines().collect();
                    let ok = o.code() == Some(code)
                        && lines.len() == 1
                        && lines[0].starts_with("sockcli: ")
                        && !err.contains("panicked")
                        && o.stdout_str().is_empty();
                    if !ok {
                        failures.lock().unwrap().push(format!(
                            "sockcli {args:?}: want exit {code}, got {:?}; stderr {err:?}; stdout {:?}",
                            o.code(),
                            o.stdout_str()
                        ));
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let failures = failures.lock().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
