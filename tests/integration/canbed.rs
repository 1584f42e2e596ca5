//! The CAN test bed (`tests/canbed/`): this machine's kernel (and CI's) has no AF_CAN, so CAN
//! tests boot a Debian kernel that has it under `qemu-system-x86_64 -accel tcg`, with vcan0
//! and vcan1 up, and run shell scenarios in it; each scenario's stdout, stderr and exit status
//! come back framed on the VM's second serial port (see `tests/canbed/init`).
//!
//! [`boot`] is the one entry point: one boot runs every scenario given, so tests batch their
//! scenarios (a boot costs about 6 s). It returns `None`, after printing `skipped: <reason>`,
//! when qemu, the kernel image, busybox, cpio or can-utils is missing (`run.sh` exits 77).

use crate::util::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// What one scenario left behind in the VM.
pub struct Scenario {
    /// Exit status of the scenario's shell; 124 when the per-scenario timeout killed it.
    pub rc: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Scenario {
    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

/// One boot's results.
pub struct Bed {
    /// `uname -r` inside the VM.
    pub kernel: String,
    /// `@@ERROR` lines: setup in the VM that failed (module, vcan).
    pub errors: Vec<String>,
    pub scenarios: BTreeMap<String, Scenario>,
    /// Everything run.sh printed on stderr (timing, failures).
    pub log: String,
    pub elapsed: Duration,
}

impl Bed {
    /// The scenario `name`; panics with the whole boot shown when it did not run.
    #[track_caller]
    pub fn get(&self, name: &str) -> &Scenario {
        self.scenarios
            .get(name)
            .unwrap_or_else(|| panic!("scenario {name} has no result\n{self}"))
    }
}

impl std::fmt::Display for Bed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "  bed: kernel {} in {:?}, errors {:?}",
            self.kernel, self.elapsed, self.errors
        )?;
        for (name, s) in &self.scenarios {
            writeln!(
                f,
                "  [{name}] rc={} stdout={:?} stderr={:?}",
                s.rc,
                String::from_utf8_lossy(&s.stdout),
                String::from_utf8_lossy(&s.stderr)
            )?;
        }
        write!(f, "  run.sh: {}", self.log.trim_end())
    }
}

impl std::fmt::Debug for Bed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

fn canbed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/canbed")
}

/// Hard limit for one boot (run.sh kills qemu after it), and how long the host waits for run.sh.
const BOOT_LIMIT: u64 = 120;

/// Boot the bed once and run `scenarios` (name, /bin/sh script) in that order. With
/// `with_sockcli`, the sockcli under test and its libraries are in the VM's /usr/bin. Panics
/// when the bed fails; `None` (after printing `skipped: <reason>`) when a tool is missing.
pub fn boot(scenarios: &[(&str, &str)], with_sockcli: bool) -> Option<Bed> {
    boot_with(scenarios, with_sockcli, "")
}

/// qemu options for a guest whose clock host load cannot stretch: each guest instruction
/// counts 1 ns of guest time (`-icount shift=0`) and idle time is skipped (`sleep=off`), so a
/// starved vCPU thread delays the guest as a whole, not one timer against the others. Timing
/// tests (`can send --every`'s gaps) boot with it: under plain TCG on a loaded 2-core host, 1
/// to 19 of 49 10-ms gaps came late (up to 113 ms); under icount every gap was 10.00x ms.
pub const STEADY_CLOCK: &str = "-icount shift=0,sleep=off";

/// [`boot`] with extra qemu options (`CANBED_QEMU`, see `tests/canbed/run.sh`).
pub fn boot_with(scenarios: &[(&str, &str)], with_sockcli: bool, qemu: &str) -> Option<Bed> {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new("bash");
    cmd.env("CANBED_QEMU", qemu);
    cmd.arg(canbed_dir().join("run.sh"))
        .args(["-t", &BOOT_LIMIT.to_string(), "-s", "30"]);
    if with_sockcli {
        cmd.args(["-b", bin()]);
    }
    for (name, script) in scenarios {
        let path = dir.path().join(format!("{name}.sh"));
        std::fs::write(&path, script).unwrap();
        cmd.arg(path);
    }
    let started = Instant::now();
    let mut r = Running::spawn(&mut cmd);
    let deadline = started + Duration::from_secs(BOOT_LIMIT + 30);
    let status = loop {
        if let Some(st) = r.try_status() {
            break st;
        }
        assert!(
            Instant::now() < deadline,
            "run.sh still running after {} s: {}",
            BOOT_LIMIT + 30,
            String::from_utf8_lossy(&r.stderr_snapshot())
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = r.finish_within(WAIT);
    let log = out.stderr_str();
    if status.code() == Some(77) {
        let reason = log
            .lines()
            .last()
            .unwrap_or("a tool is missing")
            .to_string();
        println!("skipped: CAN test bed: {reason}");
        return None;
    }
    assert!(status.success(), "CAN test bed failed:\n{out}");
    let mut bed = parse(&out.stdout).unwrap_or_else(|e| panic!("bad bed output: {e}\n{out}"));
    bed.log = log;
    bed.elapsed = started.elapsed();
    Some(bed)
}

/// Parse run.sh's framed output (see `tests/canbed/init`).
pub fn parse(raw: &[u8]) -> Result<Bed, String> {
    let mut bed = Bed {
        kernel: String::new(),
        errors: Vec::new(),
        scenarios: BTreeMap::new(),
        log: String::new(),
        elapsed: Duration::ZERO,
    };
    let mut rest = raw;
    let mut done = false;
    // The next line (without its newline), or None at the end.
    fn line<'a>(rest: &mut &'a [u8]) -> Option<&'a str> {
        if rest.is_empty() {
            return None;
        }
        let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        let l = &rest[..end];
        *rest = &rest[(end + 1).min(rest.len())..];
        Some(std::str::from_utf8(l).unwrap_or("<not utf-8>"))
    }
    // `@@TAG bytes=N`, N bytes, a newline.
    fn block(rest: &mut &[u8], tag: &str, name: &str) -> Result<Vec<u8>, String> {
        let head = line(rest).ok_or(format!("{name}: no {tag} line"))?;
        let n: usize = head
            .strip_prefix(&format!("@@{tag} bytes="))
            .and_then(|n| n.trim().parse().ok())
            .ok_or(format!("{name}: expected @@{tag} bytes=N, got {head:?}"))?;
        if rest.len() < n + 1 || rest[n] != b'\n' {
            return Err(format!("{name}: {tag} shorter than its {n} bytes"));
        }
        let data = rest[..n].to_vec();
        *rest = &rest[n + 1..];
        Ok(data)
    }
    while let Some(l) = line(&mut rest) {
        if done {
            return Err(format!("output after @@DONE: {l:?}"));
        }
        if let Some(k) = l.strip_prefix("@@BED kernel=") {
            bed.kernel = k.to_string();
        } else if let Some(e) = l.strip_prefix("@@ERROR ") {
            bed.errors.push(e.to_string());
        } else if let Some(name) = l.strip_prefix("@@BEGIN ") {
            let stdout = block(&mut rest, "STDOUT", name)?;
            let stderr = block(&mut rest, "STDERR", name)?;
            let end = line(&mut rest).ok_or(format!("{name}: no @@END"))?;
            let rc = end
                .strip_prefix(&format!("@@END {name} rc="))
                .and_then(|rc| rc.parse().ok())
                .ok_or(format!("{name}: expected @@END {name} rc=N, got {end:?}"))?;
            bed.scenarios
                .insert(name.to_string(), Scenario { rc, stdout, stderr });
        } else if l == "@@DONE" {
            done = true;
        } else {
            return Err(format!("unexpected line {l:?}"));
        }
    }
    if !done {
        return Err("no @@DONE: the VM stopped early".into());
    }
    Ok(bed)
}

#[test]
fn parse_frames_binary_output_exactly() {
    let raw = b"@@BED kernel=6.1.0-57-amd64\n@@ERROR insmod x.ko failed\n\
        @@BEGIN a\n@@STDOUT bytes=12\n@@END a rc=0\n@@STDERR bytes=0\n\n@@END a rc=3\n\
        @@BEGIN b\n@@STDOUT bytes=2\n\x00\xff\n@@STDERR bytes=4\nerr\n\n@@END b rc=124\n@@DONE\n";
    let bed = parse(raw).unwrap();
    assert_eq!(bed.kernel, "6.1.0-57-amd64");
    assert_eq!(bed.errors, ["insmod x.ko failed"]);
    let a = bed.get("a");
    assert_eq!(
        (a.rc, &a.stdout[..], &a.stderr[..]),
        (3, &b"@@END a rc=0"[..], &b""[..])
    );
    let b = bed.get("b");
    assert_eq!(
        (b.rc, &b.stdout[..], &b.stderr[..]),
        (124, &b"\x00\xff"[..], &b"err\n"[..])
    );
    assert!(parse(b"@@BED kernel=x\n@@BEGIN a\n@@STDOUT bytes=5\nab\n").is_err());
    assert!(parse(b"@@BED kernel=x\n").is_err(), "no @@DONE must fail");
}

/// One boot: classic and FD frames from cansend seen by candump, 100 cangen frames counted,
/// and the sockcli under test runs in the VM.
#[test]
fn canbed_smoke_can_utils_and_sockcli_in_the_vm() {
    let scenarios = [
        (
            "modules",
            "cut -d' ' -f1 /proc/modules | sort | tr '\\n' ' '; echo\n\
             ip -d link show vcan1 | head -1 | grep -o 'mtu [0-9]*'\n",
        ),
        (
            "cansend",
            "candump -T 5000 -n 1 vcan0 & canbed-wait-rx vcan0 && cansend vcan0 123#DEADBEEF; wait $!\n",
        ),
        (
            "canfd",
            "candump -T 5000 -n 1 vcan0 & canbed-wait-rx vcan0 && cansend vcan0 123##1112233; wait $!\n",
        ),
        (
            "cangen",
            "candump -T 5000 -n 100 vcan0 > dump.txt & canbed-wait-rx vcan0 && cangen vcan0 -n 100 -g 1\n\
             wait $! || exit 1\ncat dump.txt\n",
        ),
        ("sockcli", "sockcli --version\n"),
    ];
    let Some(bed) = boot(&scenarios, true) else {
        return;
    };
    assert!(bed.errors.is_empty(), "bed setup failed:\n{bed}");
    assert!(
        bed.elapsed < Duration::from_secs(90),
        "the bed took too long:\n{bed}"
    );
    for (name, _) in &scenarios {
        let s = bed.get(name);
        assert_eq!(s.rc, 0, "scenario {name} failed:\n{bed}");
    }

    let modules = bed.get("modules").stdout_str();
    for m in ["can ", "can_raw ", "can_bcm ", "can_dev ", "vcan "] {
        assert!(modules.contains(m), "module {m}not loaded:\n{bed}");
    }
    assert!(modules.ends_with("mtu 72\n"), "vcan1 not CAN FD:\n{bed}");

    assert_eq!(
        bed.get("cansend").stdout_str(),
        "  vcan0  123   [4]  DE AD BE EF\n",
        "{bed}"
    );
    assert_eq!(
        bed.get("canfd").stdout_str(),
        "  vcan0  123  [03]  11 22 33\n",
        "{bed}"
    );

    let dump = bed.get("cangen").stdout_str();
    let lines: Vec<&str> = dump.lines().collect();
    assert_eq!(lines.len(), 100, "{bed}");
    assert!(
        lines.iter().all(|l| l.starts_with("  vcan0  ")),
        "not candump lines:\n{bed}"
    );

    let host = sockcli().arg("--version").output().unwrap();
    assert_eq!(
        bed.get("sockcli").stdout,
        host.stdout,
        "sockcli --version differs in the VM:\n{bed}"
    );
}
