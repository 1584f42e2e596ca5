//! Completions and man pages come from `Cli::command()` alone. This test regenerates them and
//! fails when the committed copies in `completions/` and `man/` differ; run it with
//! `SOCKCLI_BLESS=1 cargo test generated_files` to rewrite them.

use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_complete::Shell;

use super::Cli;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every generated file: its path under the repository root and its contents.
fn generated() -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for (shell, name) in [
        (Shell::Bash, "sockcli.bash"),
        (Shell::Zsh, "_sockcli"),
        (Shell::Fish, "sockcli.fish"),
        (Shell::PowerShell, "_sockcli.ps1"),
        (Shell::Elvish, "sockcli.elv"),
    ] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut Cli::command(), "sockcli", &mut buf);
        out.push((Path::new("completions").join(name), buf));
    }
    let cmd = Cli::command();
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .render(&mut buf)
        .expect("render man page");
    out.push((Path::new("man").join("sockcli.1"), buf));
    for sub in cmd.get_subcommands() {
        // Test-only: clap wants 'static names here.
        let name: &'static str = Box::leak(format!("sockcli-{}", sub.get_name()).into_boxed_str());
        let sub = sub.clone().name(name).version(env!("CARGO_PKG_VERSION"));
        let mut buf = Vec::new();
        clap_mangen::Man::new(sub)
            .render(&mut buf)
            .expect("render man page");
        out.push((Path::new("man").join(format!("{name}.1")), buf));
    }
    out
}

#[test]
fn cli_is_consistent() {
    Cli::command().debug_assert();
}

#[test]
fn generated_files_are_current() {
    let bless = std::env::var_os("SOCKCLI_BLESS").is_some();
    let mut stale = Vec::new();
    for (rel, want) in generated() {
        let path = root().join(&rel);
        if std::fs::read(&path).ok().as_deref() == Some(&want[..]) {
            continue;
        }
        if bless {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &want).unwrap();
        } else {
            stale.push(rel.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "generated files are stale: {stale:?}\nrun: SOCKCLI_BLESS=1 cargo test generated_files"
    );
}
