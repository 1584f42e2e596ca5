//! `--tls` and its options on `connect` and `listen` (issue 14 §1): the flag form of the
//! `tls:`/`tls-listen:` endpoints and their options.

use std::path::PathBuf;

use clap::Args;

#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "TLS")]
pub struct TlsArgs {
    /// Speak TLS over TCP: connect as tls:HOST:PORT, listen as tls-listen:PORT (without
    /// --tls-cert, a self-signed certificate is made at start; -v prints its SHA-256).
    /// Example: sockcli connect --tls example.org 443
    #[arg(long)]
    pub tls: bool,
    /// PEM bundle trusted besides the system store; on listen, clients must present a
    /// certificate it issued. Example: --tls-ca ca.pem
    #[arg(long, value_name = "FILE")]
    pub tls_ca: Option<PathBuf>,
    /// Server name sent (SNI) and verified instead of HOST. Example: --tls-sni example.org
    #[arg(long, value_name = "NAME")]
    pub tls_sni: Option<String>,
    /// ALPN protocols offered (connect) or accepted (listen), in order of preference.
    /// Example: --tls-alpn h2,http/1.1
    #[arg(long, value_name = "LIST")]
    pub tls_alpn: Option<String>,
    /// Do not verify the server's certificate at all (a warning says so on stderr).
    /// Example: sockcli connect --tls --tls-insecure 10.0.0.5 8443
    #[arg(long)]
    pub tls_insecure: bool,
    /// Our certificate chain (PEM): the server's on listen, a client certificate on
    /// connect (with --tls-key). Example: --tls-cert server.pem --tls-key server.key
    #[arg(long, value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert. Example: --tls-key server.key
    #[arg(long, value_name = "FILE")]
    pub tls_key: Option<PathBuf>,
    /// Trust exactly the server certificate with this SHA-256 (64 hex digits, colons
    /// allowed), as `listen --tls -v` prints it. Example: --tls-pin 3f9a...c2
    #[arg(long, value_name = "SHA256")]
    pub tls_pin: Option<String>,
}
