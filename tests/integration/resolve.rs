//! `resolve` against the real system resolver, with Python's `socket` functions and `getent`
//! as oracles. Names live in a network namespace's own hosts file (`/etc/netns/NAME/hosts`,
//! bind-mounted by `ip netns exec`), and DNS-only names in a dnsmasq run inside it, so no
//! test depends on the outside network or this machine's /etc/hosts.

use crate::ensure;
use crate::util::*;
use std::process::Stdio;
use std::time::{Duration, Instant};

const HOSTS: &str = "\
127.0.0.1  localhost
::1        localhost ip6-localhost
10.9.8.7   alpha.test alpha a1
fd00::7    alpha.test alpha
10.9.8.8   beta.test beta
10.9.8.10  multi.test
10.9.8.11  multi.test
fd00::8    six.test six
";

/// A namespace whose resolver sees only `HOSTS`, and a DNS server address where nothing
/// listens (so unknown names fail fast) unless a test starts dnsmasq there.
fn hosts_ns() -> Option<Netns> {
    let ns = Netns::create("sockcli-rs")?;
    ns.etc("hosts", HOSTS);
    ns.etc(
        "resolv.conf",
        "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n",
    );
    Some(ns)
}

/// Python that prints, for each case, the records `sockcli resolve --json` must print (same
/// fields, same order, compact JSON), then a `---` line. Failures print `error: <strerror>`.
const PY_GETADDRINFO: &str = r#"
import json, socket, sys
def dump(d): return json.dumps(d, separators=(",", ":"), ensure_ascii=False)
for host, service, family, kind, flags in json.loads(sys.argv[1]):
    try:
        res = socket.getaddrinfo(host, service, family, kind, 0, flags)
    except socket.gaierror as e:
        print("error: " + e.strerror); print("---"); continue
    for f, t, p, canon, sa in res:
        d = {"host": host, "service": service, "family": socket.AddressFamily(f).name,
             "type": socket.SocketKind(t).name, "proto": p, "canonname": canon or None,
             "address": sa[0], "port": sa[1]}
        if f == socket.AF_INET6:
            d["flowinfo"] = sa[2]; d["scope_id"] = sa[3]
        print(dump(d))
    print("---")
"#;

/// One forward lookup: sockcli's arguments and the same query for Python.
struct Case {
    host: &'static str,
    service: Option<&'static str>,
    /// --family 4|6
    family: Option<&'static str>,
    /// --type
    kind: Option<&'static str>,
    /// --passive, --canonname, --numeric-host
    flags: &'static [&'static str],
}

impl Case {
    fn args(&self) -> Vec<String> {
        let mut a = vec!["resolve".to_string(), "--json".into(), self.host.into()];
        a.extend(self.service.map(String::from));
        if let Some(f) = self.family {
            a.extend(["--family".into(), f.into()]);
        }
        if let Some(k) = self.kind {
            a.extend(["--type".into(), k.into()]);
        }
        a.extend(self.flags.iter().map(|f| f.to_string()));
        a
    }

    /// `[host, service, family, type, flags]` for the Python oracle.
    fn python(&self) -> String {
        let family = match self.family {
            Some("4") => 2,
            Some("6") => 10,
            _ => 0,
        };
        let kind = match self.kind {
            Some("stream") => 1,
            Some("dgram") => 2,
            Some("raw") => 3,
            _ => 0,
        };
        let flags: i32 = self
            .flags
            .iter()
            .map(|f| match *f {
                "--passive" => 1,
                "--canonname" => 2,
                "--numeric-host" => 4,
                other => panic!("no AI_ flag for {other}"),
            })
            .sum();
        let host = if self.host.is_empty() {
            "null".to_string()
        } else {
            format!("\"{}\"", self.host)
        };
        let service = self
            .service
            .map_or("null".to_string(), |s| format!("\"{s}\""));
        format!("[{host},{service},{family},{kind},{flags}]")
    }
}

/// Run each case through sockcli and compare with Python's getaddrinfo, record by record.
fn check_forward(ns: &Netns, cases: &[Case]) {
    let list = format!(
        "[{}]",
        cases.iter().map(Case::python).collect::<Vec<_>>().join(",")
    );
    let py = run(&mut ns.python(PY_GETADDRINFO, &[&list]), None);
    py.expect_code(0);
    let blocks: Vec<String> = py.stdout_str().split("---\n").map(str::to_string).collect();
    assert_eq!(blocks.len(), cases.len() + 1, "{py}");
    for (case, want) in cases.iter().zip(&blocks) {
        let args = case.args();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        // An empty HOST is sockcli's spelling of Python's None.
        let out = run(&mut ns.sockcli(&args), None);
        out.expect_no_panic();
        match want.strip_prefix("error: ") {
            Some(reason) => {
                out.expect_code(3);
                let line = out.expect_one_error_line();
                ensure!(
                    out,
                    line.ends_with(reason.trim_end()),
                    "want reason {reason:?}"
                );
            }
            None => {
                out.expect_code(0);
                out.expect_stdout(want.as_bytes());
            }
        }
    }
}

#[test]
fn forward_lookups_match_python_getaddrinfo() {
    let Some(ns) = hosts_ns() else { return };
    let case = |host, service, family, kind, flags| Case {
        host,
        service,
        family,
        kind,
        flags,
    };
    check_forward(
        &ns,
        &[
            case("alpha", None, None, None, &[]),
            case("alpha.test", Some("80"), None, None, &[]),
            case("a1", Some("http"), Some("4"), None, &[]),
            case("alpha", None, Some("6"), None, &[]),
            case("six", Some("53"), None, Some("dgram"), &[]),
            case("multi.test", Some("8080"), None, Some("stream"), &[]),
            case("alpha", None, None, Some("stream"), &["--canonname"]),
            case("localhost", Some("443"), None, None, &[]),
            case("10.1.2.3", Some("22"), None, None, &["--numeric-host"]),
            case("::1", Some("443"), None, Some("raw"), &[]),
            case("", Some("80"), None, Some("stream"), &["--passive"]),
            case("", Some("80"), Some("6"), None, &[]),
            // Failures: a v6-only name asked for v4, a name that is not a literal with
            // --numeric-host, an unknown service, an unknown name.
            case("six", None, Some("4"), None, &[]),
            case("alpha", None, None, None, &["--numeric-host"]),
            case("alpha", Some("no-such-service"), None, None, &[]),
            case("nosuch.test", None, None, None, &[]),
        ],
    );
}

#[test]
fn forward_columns_are_aligned_for_people() {
    let Some(ns) = hosts_ns() else { return };
    let out = run(
        &mut ns.sockcli(&["resolve", "multi.test", "80", "-4", "--type", "stream"]),
        None,
    );
    out.expect_code(0);
    let py = run(
        &mut ns.python(
            "import socket\nfor r in socket.getaddrinfo('multi.test', 80, 2, 1): print(r[4][0])",
            &[],
        ),
        None,
    );
    let want: String = py
        .stdout_str()
        .lines()
        .map(|ip| format!("AF_INET  SOCK_STREAM  tcp  {ip}:80\n"))
        .collect();
    assert_eq!(want.lines().count(), 2, "{py}");
    out.expect_stdout(want.as_bytes());
    // Without a SERVICE the port (always 0) is left out; the columns widen for AF_INET6.
    let out = run(
        &mut ns.sockcli(&["resolve", "alpha", "--type", "dgram"]),
        None,
    );
    out.expect_code(0);
    let text = out.stdout_str();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort();
    assert_eq!(
        lines,
        [
            "AF_INET   SOCK_DGRAM  udp  10.9.8.7",
            "AF_INET6  SOCK_DGRAM  udp  fd00::7"
        ],
        "{out}"
    );
}

/// Whitespace-separated words of each line, for comparing with getent's spacing.
fn words(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|l| l.split_whitespace().map(String::from).collect())
        .collect()
}

#[test]
fn reverse_lookups_match_getent_and_python_gethostbyaddr() {
    let Some(ns) = hosts_ns() else { return };
    if !require_tool("getent") {
        return;
    }
    for addr in ["10.9.8.7", "fd00::7", "10.9.8.8", "::1"] {
        let ours = run(&mut ns.sockcli(&["resolve", "-r", addr]), None);
        ours.expect_code(0);
        let getent = run(ns.command("getent").args(["hosts", addr]), None);
        getent.expect_code(0);
        assert_eq!(
            words(&ours.stdout_str()),
            words(&getent.stdout_str()),
            "{ours}\n{getent}"
        );
    }
    // JSON against Python's gethostbyaddr, which also accepts a name (resolved first).
    let py = r#"
import json, socket, sys
for q in sys.argv[1:]:
    name, aliases, addrs = socket.gethostbyaddr(q)
    print(json.dumps({"query": q, "name": name, "aliases": aliases, "addresses": addrs},
                     separators=(",", ":")))
"#;
    let queries = ["10.9.8.7", "fd00::7", "beta", "a1"];
    let want = run(&mut ns.python(py, &queries), None);
    want.expect_code(0);
    let mut got = Vec::new();
    for q in queries {
        let out = run(&mut ns.sockcli(&["resolve", "--json", "-r", q]), None);
        out.expect_code(0);
        got.extend(out.stdout);
    }
    assert_eq!(String::from_utf8(got).unwrap(), want.stdout_str());
}

#[test]
fn unknown_address_is_a_resolution_failure_with_herror_text() {
    let Some(ns) = hosts_ns() else { return };
    let py = run(
        &mut ns.python(
            "import socket\ntry: socket.gethostbyaddr('10.66.0.1')\nexcept socket.herror as e: print(e.strerror)",
            &[],
        ),
        None,
    );
    let reason = py.stdout_str();
    assert!(!reason.trim().is_empty(), "{py}");
    let out = run(&mut ns.sockcli(&["resolve", "-r", "10.66.0.1"]), None);
    out.expect_code(3);
    assert_eq!(
        out.expect_one_error_line(),
        format!(
            "sockcli: cannot resolve address 10.66.0.1: {}",
            reason.trim()
        )
    );
}

#[test]
fn aliases_match_python_gethostbyname_ex_and_getent() {
    let Some(ns) = hosts_ns() else { return };
    let py = r#"
import json, socket, sys
for q in sys.argv[1:]:
    name, aliases, addrs = socket.gethostbyname_ex(q)
    print(json.dumps({"query": q, "name": name, "aliases": aliases, "addresses": addrs},
                     separators=(",", ":")))
"#;
    let queries = ["alpha", "a1", "multi.test", "beta.test"];
    let want = run(&mut ns.python(py, &queries), None);
    want.expect_code(0);
    let mut got = Vec::new();
    for q in queries {
        let out = run(
            &mut ns.sockcli(&["resolve", "--json", "--aliases", q]),
            None,
        );
        out.expect_code(0);
        got.extend(out.stdout);
    }
    assert_eq!(String::from_utf8(got).unwrap(), want.stdout_str());
    // IPv6: getent hosts asks for AF_INET6 first, so for a dual name it shows the v6 entry.
    if require_tool("getent") {
        let ours = run(
            &mut ns.sockcli(&["resolve", "--aliases", "-6", "alpha"]),
            None,
        );
        ours.expect_code(0);
        let getent = run(ns.command("getent").args(["hosts", "alpha"]), None);
        assert_eq!(
            words(&ours.stdout_str()),
            words(&getent.stdout_str()),
            "{ours}"
        );
        assert_eq!(
            words(&ours.stdout_str())[0],
            ["fd00::7", "alpha.test", "alpha"]
        );
    }
    let out = run(
        &mut ns.sockcli(&["resolve", "--aliases", "-4", "six"]),
        None,
    );
    out.expect_code(3);
    out.expect_stderr_contains("cannot resolve 'six'");
}

#[test]
fn nameinfo_matches_python_getnameinfo() {
    let Some(ns) = hosts_ns() else { return };
    // (address, port, sockcli flags, NI_ flags for Python)
    let cases: [(&str, &str, &[&str], i32); 5] = [
        ("10.9.8.7", "80", &[], 0),
        ("fd00::7", "443", &[], 0),
        ("10.9.8.8", "53", &["--type", "dgram"], 16),
        ("10.9.8.7", "80", &["-n"], 1 | 2),
        ("10.9.8.7", "22", &["--numeric-host"], 1),
    ];
    let py = r#"
import socket, sys
args = sys.argv[1:]
for i in range(0, len(args), 3):
    host, serv = socket.getnameinfo((args[i], int(args[i + 1])), int(args[i + 2]))
    print(host + "  " + serv)
"#;
    let mut py_args = Vec::new();
    let mut got = String::new();
    for (addr, port, flags, ni) in &cases {
        py_args.extend([addr.to_string(), port.to_string(), ni.to_string()]);
        let mut args = vec!["resolve", "-r", addr, port];
        args.extend(*flags);
        let out = run(&mut ns.sockcli(&args), None);
        out.expect_code(0);
        got.push_str(&out.stdout_str());
    }
    let py_args: Vec<&str> = py_args.iter().map(String::as_str).collect();
    let want = run(&mut ns.python(py, &py_args), None);
    want.expect_code(0);
    assert_eq!(got, want.stdout_str());
    assert!(got.starts_with("alpha.test  http\n"), "{got}");
    // --numeric-host without a PORT: getnameinfo, the host alone.
    let out = run(
        &mut ns.sockcli(&["resolve", "-r", "alpha", "--numeric-host", "--json"]),
        None,
    );
    out.expect_code(0);
    let text = out.stdout_str();
    assert!(
        text == "{\"query\":\"alpha\",\"address\":\"fd00::7\",\"host\":\"fd00::7\"}\n"
            || text == "{\"query\":\"alpha\",\"address\":\"10.9.8.7\",\"host\":\"10.9.8.7\"}\n",
        "{out}"
    );
}

/// Every `step`th entry of an /etc file: `(name, number_or_port, proto)`.
fn etc_entries(file: &str, step: usize) -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(file).unwrap();
    text.lines()
        .filter_map(|l| {
            let l = l.split('#').next().unwrap();
            let mut w = l.split_whitespace();
            let name = w.next()?;
            let num = w.next()?;
            let (n, proto) = num.split_once('/').unwrap_or((num, ""));
            Some((name.to_string(), n.to_string(), proto.to_string()))
        })
        .step_by(step)
        .collect()
}

#[test]
fn services_match_python_getservbyname_and_getservbyport() {
    let entries = etc_entries("/etc/services", 17);
    assert!(entries.len() >= 10, "too few services in /etc/services");
    let py = r#"
import socket, sys
a = sys.argv[1:]
for i in range(0, len(a), 3):
    name, port, proto = a[i], int(a[i + 1]), a[i + 2]
    print(socket.getservbyname(name, proto), socket.getservbyname(name),
          socket.getservbyport(port, proto))
"#;
    let mut py_args = Vec::new();
    let mut got = String::new();
    for (name, port, proto) in &entries {
        py_args.extend([name.clone(), port.clone(), proto.clone()]);
        let mut line = Vec::new();
        for args in [
            vec!["resolve", "--service", &format!("{name}/{proto}")],
            vec!["resolve", "--service", name],
            vec!["resolve", "--port", &format!("{port}/{proto}")],
        ] {
            let args: Vec<&str> = args.iter().map(|s| s.as_ref()).collect();
            let out = run(sockcli().args(&args), None);
            out.expect_code(0);
            line.push(out.stdout_str().trim_end().to_string());
        }
        got.push_str(&line.join(" "));
        got.push('\n');
    }
    let py_args: Vec<&str> = py_args.iter().map(String::as_str).collect();
    let want = run(&mut python(py, &py_args), None);
    want.expect_code(0);
    assert_eq!(got, want.stdout_str());
    // JSON has the whole entry.
    let out = run(
        sockcli().args(["resolve", "--json", "--service", "http/tcp"]),
        None,
    );
    out.expect_code(0);
    out.expect_stdout(b"{\"name\":\"http\",\"port\":80,\"proto\":\"tcp\",\"aliases\":[\"www\"]}\n");
    // Not found: exit 3 with the seeds' message; a bad port number: exit 2.
    let out = run(
        sockcli().args(["resolve", "--service", "no-such-svc/udp"]),
        None,
    );
    out.expect_code(3);
    assert_eq!(
        out.expect_one_error_line(),
        "sockcli: cannot resolve service 'no-such-svc/udp': service/proto not found"
    );
    let out = run(sockcli().args(["resolve", "--port", "65000/tcp"]), None);
    out.expect_code(3);
    out.expect_stderr_contains("port/proto not found");
    for bad in ["70000", "http", "-1", ""] {
        let out = run(sockcli().args(["resolve", "--port", bad]), None);
        out.expect_code(2);
        out.expect_one_error_line();
    }
}

#[test]
fn protocols_both_ways_match_python_and_etc_protocols() {
    let entries = etc_entries("/etc/protocols", 7);
    assert!(entries.len() >= 5, "too few protocols in /etc/protocols");
    let names: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
    let want = run(
        &mut python(
            "import socket, sys\nfor n in sys.argv[1:]: print(socket.getprotobyname(n))",
            &names,
        ),
        None,
    );
    want.expect_code(0);
    let mut got = String::new();
    for (name, number, _) in &entries {
        let out = run(sockcli().args(["resolve", "--protocol", name]), None);
        out.expect_code(0);
        got.push_str(&out.stdout_str());
        // The other way: the number gives the first name with that number in the file.
        let out = run(sockcli().args(["resolve", "--protocol", number]), None);
        out.expect_code(0);
        let first = etc_entries("/etc/protocols", 1)
            .into_iter()
            .find(|e| &e.1 == number)
            .unwrap()
            .0;
        out.expect_stdout(format!("{first}\n").as_bytes());
    }
    assert_eq!(got, want.stdout_str());
    let out = run(
        sockcli().args(["resolve", "--protocol", "icmp", "--json"]),
        None,
    );
    out.expect_stdout(b"{\"name\":\"icmp\",\"number\":1,\"aliases\":[\"ICMP\"]}\n");
    let out = run(
        sockcli().args(["resolve", "--protocol", "no-such-proto"]),
        None,
    );
    out.expect_code(3);
    out.expect_stderr_contains("protocol not found");
}

#[test]
fn fqdn_and_hostname_match_python() {
    let Some(ns) = hosts_ns() else { return };
    let names = ["alpha", "a1", "10.9.8.8", "six", "nosuch", ""];
    let want = run(
        &mut ns.python(
            "import socket, sys\nfor n in sys.argv[1:]: print(socket.getfqdn(n))\nprint(socket.gethostname())",
            &names,
        ),
        None,
    );
    want.expect_code(0);
    let mut got = String::new();
    for n in names {
        let mut args = vec!["resolve", "--fqdn"];
        if !n.is_empty() {
            args.push(n);
        }
        let out = run(&mut ns.sockcli(&args), None);
        out.expect_code(0);
        got.push_str(&out.stdout_str());
    }
    let out = run(&mut ns.sockcli(&["resolve", "--hostname"]), None);
    out.expect_code(0);
    got.push_str(&out.stdout_str());
    assert_eq!(got, want.stdout_str());
    assert!(
        got.starts_with("alpha.test\nalpha.test\nbeta.test\nsix.test\nnosuch\n"),
        "{got}"
    );
}

#[test]
fn interfaces_match_python_if_nameindex() {
    let want = run(
        &mut python(
            "import socket, json\nfor i, n in socket.if_nameindex(): print(json.dumps({'index': i, 'name': n}, separators=(',', ':')))",
            &[],
        ),
        None,
    );
    want.expect_code(0);
    let out = run(sockcli().args(["resolve", "--interfaces", "--json"]), None);
    out.expect_code(0);
    out.expect_stdout(want.stdout.as_slice());
    let out = run(sockcli().args(["resolve", "--interfaces"]), None);
    let lo = words(&out.stdout_str())
        .into_iter()
        .find(|w| w[1] == "lo")
        .expect("lo listed");
    assert_eq!(
        lo[0],
        std::fs::read_to_string("/sys/class/net/lo/ifindex")
            .unwrap()
            .trim()
    );
}

#[test]
fn names_from_stdin_resolve_concurrently_in_input_order() {
    let Some(ns) = hosts_ns() else { return };
    let names = [
        "alpha",
        "beta.test",
        "six",
        "multi.test",
        "nosuch.test",
        "localhost",
        "a1",
    ];
    // 210 lines; failures are reported on stderr in their place and the rest resolved.
    let lines: Vec<&str> = names.iter().cycle().take(210).copied().collect();
    let py = r#"
import json, socket, sys
for host in sys.argv[1:]:
    try:
        res = socket.getaddrinfo(host, None, socket.AF_INET, socket.SOCK_STREAM)
    except socket.gaierror as e:
        print("error: " + e.strerror, file=sys.stderr); continue
    for f, t, p, canon, sa in res:
        print(json.dumps({"host": host, "service": None, "family": "AF_INET",
            "type": "SOCK_STREAM", "proto": p, "canonname": canon or None,
            "address": sa[0], "port": 0}, separators=(",", ":")))
"#;
    let want = run(&mut ns.python(py, &lines), None);
    want.expect_code(0);
    let input = format!("# a comment\n\n{}\n", lines.join("\n"));
    let out = run_within(
        &mut ns.sockcli(&[
            "resolve", "-", "--json", "-4", "--type", "stream", "-j", "8",
        ]),
        Some(input.as_bytes()),
        WAIT,
    );
    out.expect_code(3);
    out.expect_stdout(want.stdout.as_slice());
    // Python's failures, in order: six has no IPv4 address, nosuch.test none at all.
    let failures = out.stderr_str();
    let py_failures = want.stderr_str();
    assert_eq!(failures.lines().count(), 60, "{out}");
    assert_eq!(py_failures.lines().count(), 60, "{want}");
    for (ours, theirs) in failures.lines().zip(py_failures.lines()) {
        let reason = theirs.strip_prefix("error: ").unwrap();
        assert!(
            ours.ends_with(reason)
                && (ours.starts_with("sockcli: cannot resolve 'six': ")
                    || ours.starts_with("sockcli: cannot resolve 'nosuch.test': ")),
            "{ours} vs {theirs}"
        );
    }
    // Human form: the name leads each row.
    let out = run(
        &mut ns.sockcli(&["resolve", "-", "-4", "--type", "stream"]),
        Some(b"beta\nmulti.test 80\n"),
    );
    out.expect_code(0);
    let text = out.stdout_str();
    let rows = words(&text);
    assert_eq!(rows.len(), 3, "{out}");
    assert_eq!(
        rows[0],
        ["beta", "AF_INET", "SOCK_STREAM", "tcp", "10.9.8.8"]
    );
    assert!(
        rows[1..]
            .iter()
            .all(|r| r[0] == "multi.test" && r[4].ends_with(":80"))
    );
}

#[test]
fn stdin_results_stream_before_input_ends() {
    let Some(ns) = hosts_ns() else { return };
    let mut r = Running::spawn(
        ns.sockcli(&["resolve", "-", "-4", "--type", "stream"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    r.write_stdin(b"alpha\n");
    assert!(
        r.wait_stdout_contains(b"10.9.8.7\n", WAIT),
        "first name not printed while stdin open"
    );
    r.write_stdin(b"beta 22\n");
    assert!(r.wait_stdout_contains(b"10.9.8.8:22\n", WAIT));
    r.close_stdin();
    let out = r.finish_within(WAIT);
    out.expect_code(0);
}

#[test]
fn malformed_stdin_lines_exit_2_after_the_rest() {
    let Some(ns) = hosts_ns() else { return };
    let out = run(
        &mut ns.sockcli(&["resolve", "-", "-4", "--type", "stream"]),
        Some(b"alpha\nbeta http extra\nbeta\n"),
    );
    out.expect_code(2);
    assert_eq!(
        out.stderr_str(),
        "sockcli: line 2: expected HOST [SERVICE], got 'beta http extra'\n"
    );
    assert_eq!(words(&out.stdout_str()).len(), 2, "{out}");
}

#[test]
fn dns_only_names_through_dnsmasq() {
    let Some(ns) = hosts_ns() else { return };
    if !require_tool("dnsmasq") {
        return;
    }
    let mut dns = Running::spawn(
        ns.command("dnsmasq")
            .args([
                "--keep-in-foreground",
                "--conf-file=/dev/null",
                "--no-resolv",
                "--no-hosts",
                "--listen-address=127.0.0.1",
                "--bind-interfaces",
                "--user=root",
                "--pid-file=",
                "--host-record=dnsonly.test,10.5.5.5,fd00::55",
                "--cname=www.dns.test,dnsonly.test",
                "--local=/dns.test/",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    // Ready when it answers.
    let deadline = Instant::now() + WAIT;
    loop {
        let probe = run(&mut ns.sockcli(&["resolve", "dnsonly.test"]), None);
        if probe.code() == Some(0) {
            break;
        }
        assert!(Instant::now() < deadline, "dnsmasq never answered\n{probe}");
        assert!(
            dns.try_status().is_none(),
            "dnsmasq exited\n{}",
            dns.kill_and_collect()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let case = |host, service, family, kind, flags| Case {
        host,
        service,
        family,
        kind,
        flags,
    };
    check_forward(
        &ns,
        &[
            case("dnsonly.test", Some("80"), None, Some("stream"), &[]),
            // The CNAME's target is the canonical name.
            case("www.dns.test", None, None, Some("stream"), &["--canonname"]),
            case("www.dns.test", None, Some("6"), None, &[]),
            case("nx.dns.test", None, None, None, &[]),
        ],
    );
    let out = run(
        &mut ns.sockcli(&["resolve", "--canonname", "www.dns.test", "-4"]),
        None,
    );
    assert!(out.stdout_str().contains("dnsonly.test"), "{out}");
    // Reverse through DNS (PTR from the host record), as Python and getent see it.
    let py = run(
        &mut ns.python(
            "import socket\nprint(socket.gethostbyaddr('10.5.5.5')[0])",
            &[],
        ),
        None,
    );
    let out = run(&mut ns.sockcli(&["resolve", "-r", "10.5.5.5"]), None);
    out.expect_code(0);
    out.expect_stdout(format!("10.5.5.5  {}", py.stdout_str()).as_bytes());
    assert_eq!(py.stdout_str(), "dnsonly.test\n");
    drop(dns.kill_and_collect());
}

#[test]
fn usage_errors_exit_2_with_one_line() {
    for args in [
        &["resolve"][..],
        &["resolve", "--service", "http", "localhost"],
        &["resolve", "-n", "localhost"],
        &["resolve", "--hostname", "--interfaces"],
        &["resolve", "-r", "127.0.0.1", "80", "extra"],
        &["resolve", "--type", "bogus", "localhost"],
        &["resolve", "--aliases", "localhost", "80"],
        &["resolve", "-", "80"],
        &["resolve", "-j", "0", "-"],
        &["resolve", "-j", "4", "localhost"],
        &["resolve", "--passive", "--service", "http"],
        &["resolve", "--canonname", "-r", "::1"],
        &["resolve", "-4", "--hostname"],
        &["resolve", "--type", "stream", "--port", "80"],
    ] {
        let out = run(sockcli().args(args), None);
        out.expect_code(2);
        out.expect_no_panic();
        out.expect_one_error_line();
    }
}

/// getaddrinfo keeps the low 16 bits of a numeric service (65536 → port 0, 99999 → 34463):
/// a port over 65535 is a usage error, in argv and in `resolve -` lines alike.
#[test]
fn numeric_services_over_65535_are_refused_not_wrapped() {
    for port in ["65536", "99999", "4294967296"] {
        let out = run(sockcli().args(["resolve", "127.0.0.1", port]), None);
        out.expect_code(2);
        assert_eq!(
            out.expect_one_error_line(),
            format!("sockcli: invalid port '{port}': must be 0-65535 or a service name")
        );
        assert!(out.stdout_str().is_empty(), "{out}");
    }
    let ok = run(
        sockcli().args(["resolve", "127.0.0.1", "65535", "--type", "stream"]),
        None,
    );
    ok.expect_code(0);
    assert!(ok.stdout_str().contains("127.0.0.1:65535"), "{ok}");
    let out = run(
        sockcli().args(["resolve", "-", "--type", "stream"]),
        Some(b"127.0.0.1 65536\n127.0.0.1 80\n"),
    );
    out.expect_code(2);
    assert_eq!(
        out.stderr_str(),
        "sockcli: line 1: invalid port '65536': must be 0-65535 or a service name\n"
    );
    assert!(out.stdout_str().contains("127.0.0.1:80"), "{out}");
}
