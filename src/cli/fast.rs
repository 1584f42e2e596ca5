//! Start-up: parse the command line building only the subcommand that was typed.
//!
//! `Cli::command()` builds every subcommand's arguments (about 300 `Arg`s) before looking at
//! argv; that was most of sockcli's own start-up time (`bench/startup.sh`). When the first
//! argument names a subcommand, the root is built with that one subcommand only, from the same
//! derive code (`Args::augment_args`), so its help, errors and values are the full tree's.
//! `--version` needs only the root. Anything else (`--help`, `help`, a typo) goes through the
//! full tree.

use std::ffi::OsString;

use clap::{Args, Command, CommandFactory, FromArgMatches};

use super::{Cli, ConnectArgs, EXIT_CODES, ListenArgs, PairArgs, ResolveArgs, can, conv, sniff};

/// The root's about line: the doc comment of [`Cli`] as the derive puts it (no final stop;
/// a test checks they are equal).
const ABOUT: &str =
    "A netcat-style network multitool: connect, listen, and relay bytes between stdio and sockets";

/// Parses `args` (argv, program name first) into a [`Cli`].
pub fn parse_from(args: Vec<OsString>) -> Result<Cli, clap::Error> {
    let first = args.get(1).and_then(|a| a.to_str());
    let mut cmd = match first {
        // The version needs no subcommand at all.
        Some("-V" | "--version") => root(),
        _ => match first.and_then(subcommand) {
            Some(sub) => root().subcommand(sub),
            None => Cli::command(),
        },
    };
    let mut matches = cmd.try_get_matches_from_mut(args)?;
    Cli::from_arg_matches_mut(&mut matches).map_err(|e| e.format(&mut cmd))
}

/// The root command as `#[command(...)]` on [`Cli`] makes it, without subcommands.
fn root() -> Command {
    Command::new("sockcli")
        .about(ABOUT)
        .version(env!("CARGO_PKG_VERSION"))
        .propagate_version(true)
        .after_long_help(EXIT_CODES)
        .subcommand_required(true)
        .arg_required_else_help(true)
}

/// The subcommand called `name`, built alone; `None` if there is none by that name.
fn subcommand(name: &str) -> Option<Command> {
    type Build = fn(Command) -> Command;
    let (name, build): (&'static str, Build) = match name {
        "connect" => ("connect", ConnectArgs::augment_args),
        "listen" => ("listen", ListenArgs::augment_args),
        "pair" => ("pair", PairArgs::augment_args),
        "resolve" => ("resolve", ResolveArgs::augment_args),
        "conv" => ("conv", conv::ConvArgs::augment_args),
        "sniff" => ("sniff", sniff::SniffArgs::augment_args),
        "can" => ("can", can::CanArgs::augment_args),
        _ => return None,
    };
    Some(build(Command::new(name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &str) -> Vec<OsString> {
        std::iter::once("sockcli")
            .chain(s.split_whitespace())
            .map(OsString::from)
            .collect()
    }

    /// Every subcommand of the full tree is built alone, and renders the same help (short and
    /// long, with its subcommands') and version as in the full tree; the root matches `Cli`'s.
    #[test]
    fn each_subcommand_alone_is_the_full_trees() {
        let mut full = Cli::command();
        full.build();
        let mut ours = root();
        for sub in full.get_subcommands() {
            let name = sub.get_name();
            if name == "help" {
                continue;
            }
            let alone = subcommand(name).unwrap_or_else(|| panic!("{name} is not built alone"));
            ours = ours.subcommand(alone);
        }
        ours.build();
        assert_eq!(
            ours.render_long_help().to_string(),
            full.render_long_help().to_string()
        );
        assert_eq!(ours.render_version(), full.render_version());
        fn walk(a: &Command, b: &Command, path: &str) {
            let (mut a, mut b) = (a.clone(), b.clone());
            assert_eq!(
                a.render_help().to_string(),
                b.render_help().to_string(),
                "{path}"
            );
            assert_eq!(
                a.render_long_help().to_string(),
                b.render_long_help().to_string(),
                "{path}"
            );
            let names: Vec<_> = a
                .get_subcommands()
                .map(|s| s.get_name().to_string())
                .collect();
            let theirs: Vec<_> = b
                .get_subcommands()
                .map(|s| s.get_name().to_string())
                .collect();
            assert_eq!(names, theirs, "{path}");
            for n in names {
                walk(
                    a.find_subcommand(&n).unwrap(),
                    b.find_subcommand(&n).unwrap(),
                    &format!("{path} {n}"),
                );
            }
        }
        walk(&ours, &full, "sockcli");
    }

    /// The same command lines parse to the same values, or fail with the same message, whether
    /// one subcommand or all are built.
    #[test]
    fn parses_like_the_full_tree() {
        let lines = [
            "conv htons 1",
            "conv htons 70000",
            "connect -v -w 2s localhost 80",
            "connect --bogus localhost 80",
            "listen -k --echo 50007",
            "pair tcp-listen:1 tcp:h:2",
            "resolve -6 localhost 65536",
            "sniff -r x.pcap -c 3 tcp",
            "can send vcan0 123#11",
            "can",
            "conv",
            "conv --help",
            "can dump --help",
            "sniff --version",
            "--version",
            "-V",
            "-V conv",
        ];
        for line in lines {
            let fast = parse_from(argv(line));
            let full = Cli::try_parse_from_full(argv(line));
            match (fast, full) {
                (Ok(a), Ok(b)) => assert_eq!(format!("{a:?}"), format!("{b:?}"), "{line}"),
                (Err(a), Err(b)) => {
                    assert_eq!(a.kind(), b.kind(), "{line}");
                    assert_eq!(a.render().to_string(), b.render().to_string(), "{line}");
                }
                (a, b) => panic!("{line}: {:?} vs {:?}", a.map(|_| ()), b.map(|_| ())),
            }
        }
    }

    impl Cli {
        fn try_parse_from_full(args: Vec<OsString>) -> Result<Cli, clap::Error> {
            <Cli as clap::Parser>::try_parse_from(args)
        }
    }

    #[test]
    fn about_is_clis_doc_comment() {
        assert_eq!(
            Cli::command().get_about().map(|a| a.to_string()).as_deref(),
            Some(ABOUT)
        );
    }
}
