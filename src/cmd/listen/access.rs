//! `--allow` / `--deny` (and their files): which client addresses the server talks to. A
//! refused client is closed right after accept(2), before a byte is read from it.

use std::net::IpAddr;
use std::path::Path;

use anyhow::Result;

use crate::cli::ClientArgs;
use crate::cmd::usage;
use crate::sock::cidr::{self, Cidr};

#[derive(Debug, Default)]
pub struct Access {
    allow: Vec<Cidr>,
    deny: Vec<Cidr>,
}

impl Access {
    pub fn plan(args: &ClientArgs) -> Result<Access> {
        let mut allow = args.allow.clone();
        let mut deny = args.deny.clone();
        if let Some(path) = &args.allow_file {
            allow.extend(read_list(path, "--allow-file")?);
        }
        if let Some(path) = &args.deny_file {
            deny.extend(read_list(path, "--deny-file")?);
        }
        Ok(Access { allow, deny })
    }

    pub fn is_open(&self) -> bool {
        self.allow.is_empty() && self.deny.is_empty()
    }

    /// Deny wins; with any `--allow`, only addresses inside one are let in. Clients without
    /// an IP address (AF_UNIX) are not subject to these rules.
    pub fn permits(&self, ip: Option<IpAddr>) -> bool {
        let Some(ip) = ip else { return true };
        !self.deny.iter().any(|c| c.contains(ip))
            && (self.allow.is_empty() || self.allow.iter().any(|c| c.contains(ip)))
    }
}

fn read_list(path: &Path, flag: &str) -> Result<Vec<Cidr>> {
    // A file that cannot be read is an I/O failure (exit 1; 5 for permission), a bad CIDR in
    // it a usage error (exit 2).
    let text = std::fs::read_to_string(path).map_err(|e| {
        anyhow::Error::new(e).context(format!("cannot read {flag} {}", path.display()))
    })?;
    cidr::parse_list(&text).map_err(|e| usage(format!("{flag} {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(allow: &[&str], deny: &[&str]) -> Access {
        Access {
            allow: allow.iter().map(|s| s.parse().unwrap()).collect(),
            deny: deny.iter().map(|s| s.parse().unwrap()).collect(),
        }
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn deny_wins_and_allow_restricts() {
        let a = access(&["10.0.0.0/8"], &["10.9.0.0/16"]);
        assert!(a.permits(ip("10.1.2.3")));
        assert!(!a.permits(ip("10.9.2.3")));
        assert!(!a.permits(ip("192.168.0.1")));
        assert!(a.permits(None));
        let d = access(&[], &["::1"]);
        assert!(!d.permits(ip("::1")));
        assert!(d.permits(ip("127.0.0.1")));
        assert!(access(&[], &[]).permits(ip("1.2.3.4")));
    }
}
