//! Exit codes and error messages: refused, usage errors, resolver errors,
//! permission, timeouts (-w, -i, --timeout, -q).

use crate::ensure;
use crate::util::*;
use std::process::{Command, Stdio};
use std::time::Duration;

fn connect_cmd(args: &[&str]) -> Command {
    let mut c = sockcli();
    c.arg("connect").args(args);
    c
}

const FAST: Duration = Duration::from_secs(5);

// ---------------------------------------------------------------- network errors

fn refused(host: &str, ipv6: bool) {
    let port = free_tcp_port(ipv6);
    let o = run(&mut connect_cmd(&[host, &port.to_string()]), None);
    o.expect_code(1).expect_faster_than(FAST);
    let line = o.expect_one_error_line();
    ensure!(o, line.starts_with("sockcli: connect to"), "line: {line}");
    ensure!(o, line.contains("connection refused"), "line: {line}");
    ensure!(
        o,
        line.contains(&port.to_string()),
        "the message should name the port: {line}"
    );
    o.expect_stdout(b"");
}

#[test]
fn connect_refused_v4_exit_1() {
    refused("127.0.0.1", false);
}

#[test]
fn connect_refused_v6_exit_1() {
    refused("::1", true);
}

#[test]
fn listen_address_in_use_exit_1() {
    let holder = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = holder.local_addr().unwrap().port();
    let o = run(
        sockcli().args(["listen", "127.0.0.1", &port.to_string()]),
        None,
    );
    o.expect_code(1).expect_faster_than(FAST);
    let line = o.expect_one_error_line();
    ensure!(o, line.to_lowercase().contains("in use"), "line: {line}");
}

// ---------------------------------------------------------------- usage errors (exit 2)

#[track_caller]
fn usage_error(args: &[&str], mention: Option<&str>) {
    let o = run(sockcli().args(args), None);
    o.expect_code(2).expect_faster_than(FAST).expect_stdout(b"");
    ensure!(o, !o.stderr.is_empty(), "usage error without a message");
    if let Some(m) = mention {
        o.expect_stderr_contains(m);
    }
}

#[test]
fn bad_port_70000_exit_2() {
    usage_error(&["connect", "127.0.0.1", "70000"], Some("70000"));
    usage_error(&["listen", "70000"], Some("70000"));
    usage_error(&["listen", "127.0.0.1", "70000"], Some("70000"));
    usage_error(&["connect", "tcp:127.0.0.1:70000"], Some("70000"));
}

#[test]
fn malformed_address_exit_2() {
    usage_error(&["connect", "tcp:[::1:80"], None);
    usage_error(&["connect", "bogus-scheme:1.2.3.4:80"], None);
    usage_error(&["listen", "-U"], None);
}

#[test]
fn unknown_flag_and_missing_args_exit_2() {
    usage_error(
        &["connect", "--no-such-flag", "127.0.0.1", "80"],
        Some("--no-such-flag"),
    );
    usage_error(&["listen", "--no-such-flag", "0"], Some("--no-such-flag"));
    usage_error(&[], None);
    usage_error(&["connect"], None);
    usage_error(&["no-such-subcommand"], None);
}

#[test]
fn bad_duration_exit_2() {
    usage_error(&["connect", "-w", "soon", "127.0.0.1", "9"], Some("soon"));
    usage_error(&["listen", "-i", "12parsecs", "0"], Some("12parsecs"));
}

#[test]
fn help_and_version_exit_0() {
    let o = run(sockcli().arg("--help"), None);
    o.expect_code(0);
    ensure!(
        o,
        o.stdout_str().contains("connect") && o.stdout_str().contains("listen"),
        "help lists the subcommands"
    );
    let o = run(sockcli().arg("--version"), None);
    o.expect_code(0);
    ensure!(o, o.stdout_str().starts_with("sockcli "), "version line");
    run(sockcli().args(["connect", "--help"]), None).expect_code(0);
    run(sockcli().args(["listen", "--help"]), None).expect_code(0);
}

// ---------------------------------------------------------------- resolver (exit 3)

#[test]
fn unknown_host_exit_3_with_resolver_reason() {
    let o = run(&mut connect_cmd(&["no-such-host.invalid", "80"]), None);
    o.expect_code(3);
    let line = o.expect_one_error_line();
    ensure!(
        o,
        line.contains("no-such-host.invalid"),
        "the message should name the host: {line}"
    );
    let reasons = [
        "Name or service not known",
        "No address associated with hostname",
        "Temporary failure in name resolution",
        "nodename nor servname provided",
        "Name does not resolve",
        "Try again",
        "Non-recoverable failure in name resolution",
    ];
    ensure!(
        o,
        reasons.iter().any(|r| line.contains(r)),
        "no getaddrinfo reason in: {line}"
    );
}

#[test]
fn unknown_host_endpoint_exit_3() {
    let o = run(&mut connect_cmd(&["tcp:no-such-host.invalid:80"]), None);
    o.expect_code(3)
        .expect_stderr_contains("no-such-host.invalid");
}

// ---------------------------------------------------------------- permission (exit 5)

#[test]
fn privileged_port_as_nobody_exit_5() {
    let uid = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if uid.as_deref().ok() != Some("0") {
        eprintln!("skipped: not running as root (cannot drop to an unprivileged user)");
        return;
    }
    if !require_tool("setpriv") {
        return;
    }
    let start: u32 = std::fs::read_to_string("/proc/sys/net/ipv4/ip_unprivileged_port_start")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(1024);
    if start <= 80 {
        eprintln!(
            "skipped: net.ipv4.ip_unprivileged_port_start={start}, port 80 is not privileged here"
        );
        return;
    }
    let drop_args = ["--reuid=65534", "--regid=65534", "--clear-groups"];
    let probe = Command::new("setpriv")
        .args(drop_args)
        .arg("true")
        .stdin(Stdio::null())
        .output();
    if !matches!(&probe, Ok(o) if o.status.success()) {
        eprintln!("skipped: setpriv cannot drop privileges here: {probe:?}");
        return;
    }
    let mut cmd = Command::new("setpriv");
    scrub_env(&mut cmd);
    cmd.args(drop_args)
        .arg(bin())
        .args(["listen", "127.0.0.1", "80"])
        .stdin(Stdio::null());
    let o = run(&mut cmd, None);
    o.expect_code(5).expect_faster_than(FAST).expect_no_panic();
    let line = o.expect_one_error_line();
    ensure!(
        o,
        line.to_lowercase().contains("permission denied"),
        "line: {line}"
    );
}

/// Every file sockcli opens maps "permission denied" to exit 5 with one line naming the file
/// (issue 13, defect 5: `sniff -r` on an unreadable file exited 1, `--allow-file` 2).
#[test]
fn unreadable_or_unwritable_files_exit_5_everywhere() {
    let uid = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    if !uid
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
    {
        eprintln!("skipped: not running as root (cannot drop to an unprivileged user)");
        return;
    }
    if !require_tool("setpriv") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "10.0.0.0/8\n").unwrap();
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let (s, l) = (secret.to_str().unwrap(), locked.to_str().unwrap());
    let in_locked = |f: &str| format!("{l}/{f}");
    let pcap = format!("{}/tests/data/udp.pcap", env!("CARGO_MANIFEST_DIR"));
    let cases: Vec<(Vec<String>, String)> = vec![
        (vec!["sniff".into(), "-r".into(), s.into()], s.into()),
        (
            vec![
                "sniff".into(),
                "-r".into(),
                pcap.clone(),
                "-w".into(),
                in_locked("w.pcap"),
            ],
            in_locked("w.pcap"),
        ),
        (
            vec!["listen".into(), "0".into(), "--allow-file".into(), s.into()],
            s.into(),
        ),
        (
            vec![
                "listen".into(),
                "0".into(),
                "--ready-file".into(),
                in_locked("ready"),
            ],
            in_locked("ready"),
        ),
        (
            vec![
                "connect".into(),
                "-x=".to_string() + &in_locked("hex"),
                "127.0.0.1".into(),
                "9".into(),
            ],
            in_locked("hex"),
        ),
        (
            vec![
                "connect".into(),
                "--pcap".into(),
                in_locked("p.pcap"),
                "127.0.0.1".into(),
                "9".into(),
            ],
            in_locked("p.pcap"),
        ),
        (
            vec!["pair".into(), format!("file:{s}"), "-".into()],
            s.into(),
        ),
        (
            vec![
                "pair".into(),
                "-".into(),
                format!("create:{}", in_locked("c")),
            ],
            in_locked("c"),
        ),
    ];
    for (args, file) in cases {
        let mut cmd = Command::new("setpriv");
        scrub_env(&mut cmd);
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(bin())
            .args(&args)
            .stdin(Stdio::null());
        let o = run_within(&mut cmd, None, Duration::from_secs(10));
        o.expect_code(5).expect_no_panic();
        let line = o.expect_one_error_line();
        ensure!(
            o,
            line.contains(&file) && line.contains("permission denied"),
            "{args:?}: {line}"
        );
    }
}

// ---------------------------------------------------------------- timeouts (exit 4)

#[test]
fn listen_connect_timeout_no_client_exit_4() {
    let (mut r, _addr) = spawn_listen(&["-w", "300ms", "127.0.0.1", "0"]);
    let o = r.finish_within(FAST);
    o.expect_code(4).expect_faster_than(FAST);
    o.expect_one_error_line();
}

#[test]
fn idle_timeout_silent_server_exit_4() {
    let (_srv, port) = spawn_py_server(&["silent", "127.0.0.1"]);
    let mut cmd = connect_cmd(&["-i", "300ms", "127.0.0.1", &port.to_string()]);
    cmd.stdin(Stdio::piped()); // kept open: no EOF, no traffic
    let mut r = Running::spawn(&mut cmd);
    let o = r.finish_within(FAST);
    o.expect_code(4).expect_faster_than(FAST);
    ensure!(
        o,
        o.elapsed >= Duration::from_millis(250),
        "expired before 300ms"
    );
    o.expect_one_error_line();
}

#[test]
fn idle_timeout_reset_by_traffic() {
    // A server that sends a byte every 100 ms keeps a 600ms idle timeout from firing;
    // --timeout 1500ms then ends the session with exit 4, well after 600ms.
    let (_srv, port) = spawn_py_server(&["drip", "127.0.0.1"]);
    let mut cmd = connect_cmd(&[
        "-i",
        "600ms",
        "--timeout",
        "1500ms",
        "127.0.0.1",
        &port.to_string(),
    ]);
    cmd.stdin(Stdio::piped());
    let o = Running::spawn(&mut cmd).finish_within(FAST);
    o.expect_code(4).expect_faster_than(FAST);
    ensure!(
        o,
        o.elapsed >= Duration::from_millis(1400),
        "idle timeout fired although data kept arriving"
    );
}

#[test]
fn session_timeout_exit_4_keeps_received_data() {
    let (_srv, port) = spawn_py_server(&["drip", "::1"]);
    let mut cmd = connect_cmd(&["--timeout", "500ms", "::1", &port.to_string()]);
    cmd.stdin(Stdio::piped());
    let o = Running::spawn(&mut cmd).finish_within(FAST);
    o.expect_code(4).expect_faster_than(FAST);
    ensure!(o, o.elapsed >= Duration::from_millis(450), "expired early");
    ensure!(
        o,
        !o.stdout.is_empty() && o.stdout.iter().all(|&b| b == b'.'),
        "received dots must be on stdout"
    );
    o.expect_one_error_line();
}

#[test]
fn quit_after_stdin_eof_exit_4() {
    let (_srv, port) = spawn_py_server(&["silent", "127.0.0.1"]);
    let o = run(
        &mut connect_cmd(&["-q", "200ms", "127.0.0.1", &port.to_string()]),
        Some(b"hello\n"),
    );
    o.expect_code(4).expect_faster_than(FAST);
}

#[test]
fn quit_after_with_stdin_null_exit_4() {
    let (_srv, port) = spawn_py_server(&["silent", "::1"]);
    let o = Running::spawn(&mut connect_cmd(&["-q", "200ms", "::1", &port.to_string()]))
        .finish_within(FAST);
    o.expect_code(4).expect_faster_than(FAST);
}

#[test]
fn durations_bare_number_is_seconds() {
    // "-w 1" = one second: listen with no client gives up after ~1 s, not 1 ms and not never.
    let (mut r, _addr) = spawn_listen(&["-w", "1", "127.0.0.1", "0"]);
    let o = r.finish_within(FAST);
    o.expect_code(4);
    ensure!(
        o,
        o.elapsed >= Duration::from_millis(900),
        "bare number should be seconds"
    );
}
