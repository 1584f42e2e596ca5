//! Proxy flags (issue 14): nc's `-X`, ncat's `--proxy`, `--proxy-auth` and `--proxy-dns`.

use clap::{Args, ValueEnum};

/// `connect` through a proxy.
#[derive(Debug, Clone, Default, Args)]
pub struct ProxyArgs {
    /// Proxy protocol for --proxy: socks5 (the default), socks4 (socks4a when the proxy
    /// resolves the name) or http (HTTP CONNECT; nc calls it connect).
    ///
    /// Example: sockcli connect -X http --proxy 127.0.0.1:3128 example.com 443
    #[arg(
        short = 'X',
        long = "proxy-type",
        value_enum,
        value_name = "PROTO",
        requires = "proxy"
    )]
    pub proxy_type: Option<ProxyTypeArg>,
    /// Connect to HOST PORT through the proxy at PROXY[:PORT] (default port 1080 for SOCKS,
    /// 3128 for HTTP; IPv6 bracketed: [::1]:1080).
    ///
    /// Example: sockcli connect --proxy 127.0.0.1:1080 example.com 80
    #[arg(long, value_name = "PROXY[:PORT]", conflicts_with_all = ["zero_io", "udp", "unix"])]
    pub proxy: Option<String>,
    #[command(flatten)]
    pub common: ProxyCommon,
}

/// Settings for every proxied endpoint (`connect --proxy`, `socks5:`, `http-proxy:`...).
#[derive(Debug, Clone, Default, Args)]
pub struct ProxyCommon {
    /// Proxy credentials USER:PASS: SOCKS5 user/password, the SOCKS4 user id, HTTP Basic.
    /// Also read from the environment variable SOCKCLI_PROXY_AUTH (safer: not in `ps`).
    /// Never printed.
    ///
    /// Example: SOCKCLI_PROXY_AUTH=alice:secret sockcli connect --proxy gw host 22
    #[arg(long, value_name = "USER:PASS")]
    pub proxy_auth: Option<String>,
    /// Where a proxied target's name is resolved: by the proxy (remote, the default) or
    /// here (local: the proxy is sent an address).
    ///
    /// Example: sockcli connect --proxy gw --proxy-dns local intranet.example 80
    #[arg(long, value_enum, value_name = "WHERE", default_value = "remote")]
    pub proxy_dns: ProxyDnsArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProxyTypeArg {
    #[value(alias = "5")]
    Socks5,
    #[value(alias = "4", alias = "socks4a")]
    Socks4,
    #[value(alias = "connect")]
    Http,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum ProxyDnsArg {
    #[default]
    Remote,
    Local,
}
