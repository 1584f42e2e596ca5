//! AF_VSOCK (issue 14 §3). This host has /dev/vsock but no loopback transport, so the byte
//! tests run sockcli inside the CAN test bed's VM (`tests/canbed/`), whose Debian kernel has
//! `vsock_loopback` (CID 1): listen --vsock with connect --vsock, and pair bridging tcp and
//! vsock both ways, 1 MiB of random bytes checked by sha256 in the VM. Bad input is checked
//! here: it exits 2 before any socket is made.

use crate::canbed;
use crate::ensure;
use crate::util::*;

/// Shell helpers every scenario sources first: a bounded wait for a ready file, and a
/// 1 MiB random payload with its digest.
const PRELUDE: &str = r#"
ready() { i=0; while [ ! -s "$1" ]; do i=$((i+1)); [ $i -gt 1000 ] && { echo "no $1"; return 1; }; usleep 10000; done; }
head -c 1048576 /dev/urandom > /tmp/payload
want=$(sha256sum < /tmp/payload | cut -d' ' -f1)
check() { got=$(sha256sum < "$1" | cut -d' ' -f1); [ "$got" = "$want" ] && echo "$2 ok" || echo "$2 MISMATCH $(wc -c < "$1") bytes"; }
"#;

const LISTEN_CONNECT: &str = r#"
# One client relayed with stdio: what the client sends arrives on listen's stdout, and what
# listen reads from stdin arrives at the client.
sockcli listen -v --vsock 5000 --ready-file /tmp/r1 < /tmp/payload > /tmp/l.out 2>/tmp/l.err &
ready /tmp/r1 && cat /tmp/r1
sockcli connect -v --vsock 1 5000 < /tmp/payload > /tmp/c.out 2>/tmp/c.err
echo "connect rc=$?"
wait $!; echo "listen rc=$?"
check /tmp/l.out "client to listener"
check /tmp/c.out "listener to client"
cat /tmp/l.err /tmp/c.err
# Many clients: listen -k --echo, three at once, as endpoints.
sockcli listen -k --echo vsock-listen:5001 --ready-file /tmp/r2 &
ready /tmp/r2
for n in 1 2 3; do sockcli connect vsock:1:5001 < /tmp/payload > /tmp/e$n.out & done
wait %2 %3 %4
for n in 1 2 3; do check /tmp/e$n.out "echo $n"; done
"#;

const PAIR_BRIDGE: &str = r#"
# tcp -> vsock: a vsock echo server behind pair -k's tcp listener.
sockcli listen -k --echo --vsock 5002 --ready-file /tmp/r3 &
ready /tmp/r3
sockcli pair -k tcp-listen:127.0.0.1:7000 vsock:1:5002 --ready-file /tmp/r4 &
ready /tmp/r4
sockcli connect 127.0.0.1 7000 < /tmp/payload > /tmp/t.out; echo "tcp client rc=$?"
check /tmp/t.out "tcp to vsock"
# vsock -> tcp: a tcp echo server behind pair's vsock listener.
sockcli listen -k --echo 127.0.0.1 7001 --ready-file /tmp/r5 &
ready /tmp/r5
sockcli pair -v vsock-listen:5003 tcp:127.0.0.1:7001 --ready-file /tmp/r6 2>/tmp/p.err &
ready /tmp/r6
sockcli connect vsock:1:5003 < /tmp/payload > /tmp/v.out; echo "vsock client rc=$?"
check /tmp/v.out "vsock to tcp"
wait %4; echo "pair rc=$?"
cat /tmp/p.err
# Nobody on the port: the loopback transport resets at once.
sockcli connect --vsock 1 5999; echo "closed port rc=$?"
"#;

#[test]
fn vsock_loopback_in_the_vm() {
    let with = |body: &str| format!("{PRELUDE}{body}");
    let (a, b) = (with(LISTEN_CONNECT), with(PAIR_BRIDGE));
    let scenarios = [
        (
            "modules",
            "cut -d' ' -f1 /proc/modules | grep vsock | sort | tr '\\n' ' '\n",
        ),
        ("listen_connect", a.as_str()),
        ("pair_bridge", b.as_str()),
    ];
    let Some(bed) = canbed::boot(&scenarios, true) else {
        return;
    };
    let modules = bed.get("modules").stdout_str();
    ensure!(
        bed,
        modules.contains("vsock_loopback"),
        "no vsock_loopback in the VM"
    );

    let s = bed.get("listen_connect");
    let out = s.stdout_str();
    ensure!(bed, s.rc == 0, "listen_connect rc {}", s.rc);
    for line in [
        "vsock:*:5000\n",
        "connect rc=0\n",
        "listen rc=0\n",
        "client to listener ok\n",
        "listener to client ok\n",
        "Listening on vsock:*:5000\n",
        "Connected to vsock:1:5000\n",
        "echo 1 ok\necho 2 ok\necho 3 ok\n",
    ] {
        ensure!(bed, out.contains(line), "listen_connect lacks {line:?}");
    }
    ensure!(
        bed,
        out.contains("Connected by vsock:1:"),
        "no client address"
    );

    let s = bed.get("pair_bridge");
    let out = s.stdout_str();
    for line in [
        "tcp client rc=0\n",
        "tcp to vsock ok\n",
        "vsock client rc=0\n",
        "vsock to tcp ok\n",
        "pair rc=0\n",
        "Connected to 127.0.0.1:7001\n",
        "closed port rc=1\n",
    ] {
        ensure!(bed, out.contains(line), "pair_bridge lacks {line:?}");
    }
    ensure!(
        bed,
        out.contains("Listening on vsock:*:5003\nConnected by vsock:1:"),
        "pair -v lines"
    );
}

#[test]
fn vsock_bad_input_exits_2() {
    let cases: &[&[&str]] = &[
        &["connect", "--vsock", "4294967295", "1"],
        &["connect", "--vsock", "1", "-1"],
        &["connect", "--vsock", "1"],
        &["connect", "vsock:1:99999999999"],
        &["connect", "vsock:x:1"],
        &["listen", "--vsock", "4294967295"],
        &["listen", "vsock-listen:"],
        &["connect", "--vsock", "-u", "1", "2"],
        &["listen", "--vsock", "5000", "--allow", "10.0.0.0/8"],
    ];
    for args in cases {
        let o = run(sockcli().args(*args), None);
        o.expect_code(2).expect_no_panic();
        o.expect_one_error_line();
    }
    let o = run(
        sockcli().args(["connect", "--vsock", "1", "4294967295"]),
        None,
    );
    assert_eq!(
        o.expect_one_error_line(),
        "sockcli: vsock port 4294967295 out of range 0-4294967294"
    );
}
