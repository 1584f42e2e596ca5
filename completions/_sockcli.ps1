
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'sockcli' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'sockcli'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'sockcli' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('connect', 'connect', [CompletionResultType]::ParameterValue, 'Connect to HOST PORT (TCP, UDP or a unix socket) and relay it with stdin/stdout')
            [CompletionResult]::new('listen', 'listen', [CompletionResultType]::ParameterValue, 'Listen on [ADDR] PORT (or a unix socket): relay one client with stdin/stdout, or serve many (-k, --echo, --broker, --exec)')
            [CompletionResult]::new('pair', 'pair', [CompletionResultType]::ParameterValue, 'Join two endpoints and relay bytes both ways (port forwards, exec servers, unix ↔ TCP, virtual serial ports); with -k, a fresh right endpoint for every client')
            [CompletionResult]::new('resolve', 'resolve', [CompletionResultType]::ParameterValue, 'Look names, addresses, services, protocols and interfaces up with the system resolver (getaddrinfo, gethostbyaddr, getnameinfo, getservbyname, ...)')
            [CompletionResult]::new('conv', 'conv', [CompletionResultType]::ParameterValue, 'Convert numbers between host and network byte order (htons ... ntohll) and IP addresses to and from packed bytes (aton, ntoa, pton, ntop)')
            [CompletionResult]::new('sniff', 'sniff', [CompletionResultType]::ParameterValue, 'Capture packets (AF_PACKET, root) or read a pcap/pcapng file, filter them with a pcap-filter expression, and print them like tcpdump or write a pcap file')
            [CompletionResult]::new('can', 'can', [CompletionResultType]::ParameterValue, 'SocketCAN: dump frames in candump''s formats (or to pcap) and send frames in cansend''s syntax')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sockcli;connect' {
            [CompletionResult]::new('--parallel', '--parallel', [CompletionResultType]::ParameterName, 'With -z: how many connects may be in flight at once (also capped by the open-file limit, whose soft value is raised to the hard one)')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Run COMMAND (split into words like a shell would, but no shell runs) with the socket as its stdin and stdout')
            [CompletionResult]::new('--exec', '--exec', [CompletionResultType]::ParameterName, 'Run COMMAND (split into words like a shell would, but no shell runs) with the socket as its stdin and stdout')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Run COMMAND with /bin/sh -c, with the socket as its stdin and stdout')
            [CompletionResult]::new('--sh-exec', '--sh-exec', [CompletionResultType]::ParameterName, 'Run COMMAND with /bin/sh -c, with the socket as its stdin and stdout')
            [CompletionResult]::new('--family', '--family', [CompletionResultType]::ParameterName, 'Address family: 4 or 6 (same as -4 / -6)')
            [CompletionResult]::new('-U', '-U ', [CompletionResultType]::ParameterName, 'Use the AF_UNIX socket at PATH (''@name'' for the abstract namespace)')
            [CompletionResult]::new('--unix', '--unix', [CompletionResultType]::ParameterName, 'Use the AF_UNIX socket at PATH (''@name'' for the abstract namespace)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Local (source) address to bind (listen: the address to listen on, as `nc -l -s`)')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Local (source) address to bind (listen: the address to listen on, as `nc -l -s`)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Local (source) port to bind (listen: the port to listen on, as `nc -l -p`)')
            [CompletionResult]::new('--source-port', '--source-port', [CompletionResultType]::ParameterName, 'Local (source) port to bind (listen: the port to listen on, as `nc -l -p`)')
            [CompletionResult]::new('--sndbuf', '--sndbuf', [CompletionResultType]::ParameterName, 'Send buffer size (SO_SNDBUF), e.g. 65536, 256k, 4m')
            [CompletionResult]::new('--rcvbuf', '--rcvbuf', [CompletionResultType]::ParameterName, 'Receive buffer size (SO_RCVBUF), e.g. 65536, 256k, 4m')
            [CompletionResult]::new('--ttl', '--ttl', [CompletionResultType]::ParameterName, 'IP time to live / IPv6 hop limit')
            [CompletionResult]::new('--tos', '--tos', [CompletionResultType]::ParameterName, 'IP type of service / IPv6 traffic class (0-255)')
            [CompletionResult]::new('--eof', '--eof', [CompletionResultType]::ParameterName, 'What stdin EOF does: half-close sends FIN and keeps reading until the peer closes; keep leaves the write side open; close ends the session once stdin is sent')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Give up connecting (listen: waiting for a client) after DUR (exit 4). With -z: how long each port may take to answer (default 1s); a port that does not answer in time counts as not open')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting (listen: waiting for a client) after DUR (exit 4). With -z: how long each port may take to answer (default 1s); a port that does not answer in time counts as not open')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Exit 4 when no data moves either way for DUR (UDP connect: after stdin EOF, how long to wait for replies, default 2s, and then exit 0)')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Exit 4 when no data moves either way for DUR (UDP connect: after stdin EOF, how long to wait for replies, default 2s, and then exit 0)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Exit 4 when the whole session takes longer than DUR')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'After stdin EOF, quit after DUR even if the peer is still open (exit 4)')
            [CompletionResult]::new('--quit-after', '--quit-after', [CompletionResultType]::ParameterName, 'After stdin EOF, quit after DUR even if the peer is still open (exit 4)')
            [CompletionResult]::new('--frame', '--frame', [CompletionResultType]::ParameterName, 'Message framing: raw bytes; line (messages end at \n); len16/len32 (each stdin line is sent as one message with a 2- or 4-byte big-endian length prefix, and each message received is written as one line); len16le/len32le (little-endian prefixes)')
            [CompletionResult]::new('--max-frame', '--max-frame', [CompletionResultType]::ParameterName, 'Largest length-prefixed message, received or sent; a larger length is a protocol error (exit 1)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Hexdump both directions (offset, hex, ASCII, direction) to stderr, or to FILE with -x=FILE / --hexdump=FILE. What goes to stdout is unchanged')
            [CompletionResult]::new('--hexdump', '--hexdump', [CompletionResultType]::ParameterName, 'Hexdump both directions (offset, hex, ASCII, direction) to stderr, or to FILE with -x=FILE / --hexdump=FILE. What goes to stdout is unchanged')
            [CompletionResult]::new('--pcap', '--pcap', [CompletionResultType]::ParameterName, 'Write the session''s bytes to FILE as a pcap capture with synthesized headers')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'PEM bundle trusted besides the system store; on listen, clients must present a certificate it issued. Example: --tls-ca ca.pem')
            [CompletionResult]::new('--tls-sni', '--tls-sni', [CompletionResultType]::ParameterName, 'Server name sent (SNI) and verified instead of HOST. Example: --tls-sni example.org')
            [CompletionResult]::new('--tls-alpn', '--tls-alpn', [CompletionResultType]::ParameterName, 'ALPN protocols offered (connect) or accepted (listen), in order of preference. Example: --tls-alpn h2,http/1.1')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'Our certificate chain (PEM): the server''s on listen, a client certificate on connect (with --tls-key). Example: --tls-cert server.pem --tls-key server.key')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'The private key (PEM) of --tls-cert. Example: --tls-key server.key')
            [CompletionResult]::new('--tls-pin', '--tls-pin', [CompletionResultType]::ParameterName, 'Trust exactly the server certificate with this SHA-256 (64 hex digits, colons allowed), as `listen --tls -v` prints it. Example: --tls-pin 3f9a...c2')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'Proxy protocol for --proxy: socks5 (the default), socks4 (socks4a when the proxy resolves the name) or http (HTTP CONNECT; nc calls it connect)')
            [CompletionResult]::new('--proxy-type', '--proxy-type', [CompletionResultType]::ParameterName, 'Proxy protocol for --proxy: socks5 (the default), socks4 (socks4a when the proxy resolves the name) or http (HTTP CONNECT; nc calls it connect)')
            [CompletionResult]::new('--proxy', '--proxy', [CompletionResultType]::ParameterName, 'Connect to HOST PORT through the proxy at PROXY[:PORT] (default port 1080 for SOCKS, 3128 for HTTP; IPv6 bracketed: [::1]:1080)')
            [CompletionResult]::new('--proxy-auth', '--proxy-auth', [CompletionResultType]::ParameterName, 'Proxy credentials USER:PASS: SOCKS5 user/password, the SOCKS4 user id, HTTP Basic. Also read from the environment variable SOCKCLI_PROXY_AUTH (safer: not in `ps`). Never printed')
            [CompletionResult]::new('--proxy-dns', '--proxy-dns', [CompletionResultType]::ParameterName, 'Where a proxied target''s name is resolved: by the proxy (remote, the default) or here (local: the proxy is sent an address)')
            [CompletionResult]::new('-z', '-z', [CompletionResultType]::ParameterName, 'Zero-I/O scan: connect to every port in PORTS, print the open ones (exit 0 if any is)')
            [CompletionResult]::new('--zero-io', '--zero-io', [CompletionResultType]::ParameterName, 'Zero-I/O scan: connect to every port in PORTS, print the open ones (exit 0 if any is)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'With -z: print each open port as a JSON object per line; with -v: the connection events (connected, closed) as JSON Lines on stderr')
            [CompletionResult]::new('-4', '-4', [CompletionResultType]::ParameterName, 'Use IPv4 only')
            [CompletionResult]::new('-6', '-6', [CompletionResultType]::ParameterName, 'Use IPv6 only')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Numeric addresses only: never look names up')
            [CompletionResult]::new('--numeric', '--numeric', [CompletionResultType]::ParameterName, 'Numeric addresses only: never look names up')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'Datagrams: UDP, or an AF_UNIX datagram socket with -U')
            [CompletionResult]::new('--udp', '--udp', [CompletionResultType]::ParameterName, 'Datagrams: UDP, or an AF_UNIX datagram socket with -U')
            [CompletionResult]::new('--vsock', '--vsock', [CompletionResultType]::ParameterName, 'AF_VSOCK (VM <-> host): connect takes CID PORT (2 is the host, 1 this machine), listen takes PORT')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log connection events to stderr (Listening on, Connected by/to, Closed)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log connection events to stderr (Listening on, Connected by/to, Closed)')
            [CompletionResult]::new('--nodelay', '--nodelay', [CompletionResultType]::ParameterName, 'Disable Nagle''s algorithm (TCP_NODELAY)')
            [CompletionResult]::new('--keepalive', '--keepalive', [CompletionResultType]::ParameterName, 'Enable TCP keepalive probes (SO_KEEPALIVE)')
            [CompletionResult]::new('--reuseaddr', '--reuseaddr', [CompletionResultType]::ParameterName, 'Set SO_REUSEADDR (servers always do)')
            [CompletionResult]::new('--reuseport', '--reuseport', [CompletionResultType]::ParameterName, 'Set SO_REUSEPORT')
            [CompletionResult]::new('--broadcast', '--broadcast', [CompletionResultType]::ParameterName, 'Allow sending to broadcast addresses (SO_BROADCAST; `<broadcast>` sets it too)')
            [CompletionResult]::new('-N', '-N ', [CompletionResultType]::ParameterName, 'Same as --eof half-close (netcat''s -N)')
            [CompletionResult]::new('--send-only', '--send-only', [CompletionResultType]::ParameterName, 'Only send stdin; ignore what the peer sends')
            [CompletionResult]::new('--recv-only', '--recv-only', [CompletionResultType]::ParameterName, 'Only print what the peer sends; ignore stdin')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Send each bare \n from stdin as \r\n (as ncat -C; --frame raw and line only)')
            [CompletionResult]::new('--crlf', '--crlf', [CompletionResultType]::ParameterName, 'Send each bare \n from stdin as \r\n (as ncat -C; --frame raw and line only)')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Raw terminal mode: keystrokes go out as typed (Ctrl-C too); Ctrl-] quits')
            [CompletionResult]::new('--tty', '--tty', [CompletionResultType]::ParameterName, 'Raw terminal mode: keystrokes go out as typed (Ctrl-C too); Ctrl-] quits')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'Show bytes moved and the rate on stderr (in place on a terminal)')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Speak TLS over TCP: connect as tls:HOST:PORT, listen as tls-listen:PORT (without --tls-cert, a self-signed certificate is made at start; -v prints its SHA-256). Example: sockcli connect --tls example.org 443')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not verify the server''s certificate at all (a warning says so on stderr). Example: sockcli connect --tls --tls-insecure 10.0.0.5 8443')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sockcli;listen' {
            [CompletionResult]::new('--max-conns', '--max-conns', [CompletionResultType]::ParameterName, 'With -k: close clients beyond N at once, logged with -v (pair''s UDP forwarder: senders with an upstream socket)')
            [CompletionResult]::new('--allow', '--allow', [CompletionResultType]::ParameterName, 'Accept only clients whose address is in CIDR (repeatable; 10.0.0.0/8, ::1, fd00::/8)')
            [CompletionResult]::new('--deny', '--deny', [CompletionResultType]::ParameterName, 'Close clients whose address is in CIDR before reading a byte (repeatable; wins over --allow)')
            [CompletionResult]::new('--allow-file', '--allow-file', [CompletionResultType]::ParameterName, 'Read --allow CIDRs from PATH, one per line (''#'' starts a comment)')
            [CompletionResult]::new('--deny-file', '--deny-file', [CompletionResultType]::ParameterName, 'Read --deny CIDRs from PATH, one per line (''#'' starts a comment)')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Run COMMAND (split into words like a shell would, but no shell runs) with the socket as its stdin and stdout')
            [CompletionResult]::new('--exec', '--exec', [CompletionResultType]::ParameterName, 'Run COMMAND (split into words like a shell would, but no shell runs) with the socket as its stdin and stdout')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Run COMMAND with /bin/sh -c, with the socket as its stdin and stdout')
            [CompletionResult]::new('--sh-exec', '--sh-exec', [CompletionResultType]::ParameterName, 'Run COMMAND with /bin/sh -c, with the socket as its stdin and stdout')
            [CompletionResult]::new('--ready-file', '--ready-file', [CompletionResultType]::ParameterName, 'Once listening, write the bound ADDR:PORT (or unix path) and a newline to PATH, atomically, so scripts can wait for the file instead of sleeping')
            [CompletionResult]::new('--backlog', '--backlog', [CompletionResultType]::ParameterName, 'Length of the listen(2) queue of not-yet-accepted connections')
            [CompletionResult]::new('--family', '--family', [CompletionResultType]::ParameterName, 'Address family: 4 or 6 (same as -4 / -6)')
            [CompletionResult]::new('-U', '-U ', [CompletionResultType]::ParameterName, 'Use the AF_UNIX socket at PATH (''@name'' for the abstract namespace)')
            [CompletionResult]::new('--unix', '--unix', [CompletionResultType]::ParameterName, 'Use the AF_UNIX socket at PATH (''@name'' for the abstract namespace)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Local (source) address to bind (listen: the address to listen on, as `nc -l -s`)')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Local (source) address to bind (listen: the address to listen on, as `nc -l -s`)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Local (source) port to bind (listen: the port to listen on, as `nc -l -p`)')
            [CompletionResult]::new('--source-port', '--source-port', [CompletionResultType]::ParameterName, 'Local (source) port to bind (listen: the port to listen on, as `nc -l -p`)')
            [CompletionResult]::new('--sndbuf', '--sndbuf', [CompletionResultType]::ParameterName, 'Send buffer size (SO_SNDBUF), e.g. 65536, 256k, 4m')
            [CompletionResult]::new('--rcvbuf', '--rcvbuf', [CompletionResultType]::ParameterName, 'Receive buffer size (SO_RCVBUF), e.g. 65536, 256k, 4m')
            [CompletionResult]::new('--ttl', '--ttl', [CompletionResultType]::ParameterName, 'IP time to live / IPv6 hop limit')
            [CompletionResult]::new('--tos', '--tos', [CompletionResultType]::ParameterName, 'IP type of service / IPv6 traffic class (0-255)')
            [CompletionResult]::new('--eof', '--eof', [CompletionResultType]::ParameterName, 'What stdin EOF does: half-close sends FIN and keeps reading until the peer closes; keep leaves the write side open; close ends the session once stdin is sent')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Give up connecting (listen: waiting for a client) after DUR (exit 4). With -z: how long each port may take to answer (default 1s); a port that does not answer in time counts as not open')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting (listen: waiting for a client) after DUR (exit 4). With -z: how long each port may take to answer (default 1s); a port that does not answer in time counts as not open')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Exit 4 when no data moves either way for DUR (UDP connect: after stdin EOF, how long to wait for replies, default 2s, and then exit 0)')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Exit 4 when no data moves either way for DUR (UDP connect: after stdin EOF, how long to wait for replies, default 2s, and then exit 0)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Exit 4 when the whole session takes longer than DUR')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'After stdin EOF, quit after DUR even if the peer is still open (exit 4)')
            [CompletionResult]::new('--quit-after', '--quit-after', [CompletionResultType]::ParameterName, 'After stdin EOF, quit after DUR even if the peer is still open (exit 4)')
            [CompletionResult]::new('--frame', '--frame', [CompletionResultType]::ParameterName, 'Message framing: raw bytes; line (messages end at \n); len16/len32 (each stdin line is sent as one message with a 2- or 4-byte big-endian length prefix, and each message received is written as one line); len16le/len32le (little-endian prefixes)')
            [CompletionResult]::new('--max-frame', '--max-frame', [CompletionResultType]::ParameterName, 'Largest length-prefixed message, received or sent; a larger length is a protocol error (exit 1)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Hexdump both directions (offset, hex, ASCII, direction) to stderr, or to FILE with -x=FILE / --hexdump=FILE. What goes to stdout is unchanged')
            [CompletionResult]::new('--hexdump', '--hexdump', [CompletionResultType]::ParameterName, 'Hexdump both directions (offset, hex, ASCII, direction) to stderr, or to FILE with -x=FILE / --hexdump=FILE. What goes to stdout is unchanged')
            [CompletionResult]::new('--pcap', '--pcap', [CompletionResultType]::ParameterName, 'Write the session''s bytes to FILE as a pcap capture with synthesized headers')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'PEM bundle trusted besides the system store; on listen, clients must present a certificate it issued. Example: --tls-ca ca.pem')
            [CompletionResult]::new('--tls-sni', '--tls-sni', [CompletionResultType]::ParameterName, 'Server name sent (SNI) and verified instead of HOST. Example: --tls-sni example.org')
            [CompletionResult]::new('--tls-alpn', '--tls-alpn', [CompletionResultType]::ParameterName, 'ALPN protocols offered (connect) or accepted (listen), in order of preference. Example: --tls-alpn h2,http/1.1')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'Our certificate chain (PEM): the server''s on listen, a client certificate on connect (with --tls-key). Example: --tls-cert server.pem --tls-key server.key')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'The private key (PEM) of --tls-cert. Example: --tls-key server.key')
            [CompletionResult]::new('--tls-pin', '--tls-pin', [CompletionResultType]::ParameterName, 'Trust exactly the server certificate with this SHA-256 (64 hex digits, colons allowed), as `listen --tls -v` prints it. Example: --tls-pin 3f9a...c2')
            [CompletionResult]::new('--echo', '--echo', [CompletionResultType]::ParameterName, 'Send every byte received back to its sender (UDP: each datagram to its sender)')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Serve many clients at once instead of exiting after the first. Without --echo, --broker or --exec, stdin goes to every client and every client''s bytes to stdout')
            [CompletionResult]::new('--keep-open', '--keep-open', [CompletionResultType]::ParameterName, 'Serve many clients at once instead of exiting after the first. Without --echo, --broker or --exec, stdin goes to every client and every client''s bytes to stdout')
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Relay every client''s bytes to all the other clients (implies -k)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'With -v: the connection events (listening, connected, refused, closed) as JSON Lines on stderr')
            [CompletionResult]::new('-4', '-4', [CompletionResultType]::ParameterName, 'Use IPv4 only')
            [CompletionResult]::new('-6', '-6', [CompletionResultType]::ParameterName, 'Use IPv6 only')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Numeric addresses only: never look names up')
            [CompletionResult]::new('--numeric', '--numeric', [CompletionResultType]::ParameterName, 'Numeric addresses only: never look names up')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'Datagrams: UDP, or an AF_UNIX datagram socket with -U')
            [CompletionResult]::new('--udp', '--udp', [CompletionResultType]::ParameterName, 'Datagrams: UDP, or an AF_UNIX datagram socket with -U')
            [CompletionResult]::new('--vsock', '--vsock', [CompletionResultType]::ParameterName, 'AF_VSOCK (VM <-> host): connect takes CID PORT (2 is the host, 1 this machine), listen takes PORT')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log connection events to stderr (Listening on, Connected by/to, Closed)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log connection events to stderr (Listening on, Connected by/to, Closed)')
            [CompletionResult]::new('--nodelay', '--nodelay', [CompletionResultType]::ParameterName, 'Disable Nagle''s algorithm (TCP_NODELAY)')
            [CompletionResult]::new('--keepalive', '--keepalive', [CompletionResultType]::ParameterName, 'Enable TCP keepalive probes (SO_KEEPALIVE)')
            [CompletionResult]::new('--reuseaddr', '--reuseaddr', [CompletionResultType]::ParameterName, 'Set SO_REUSEADDR (servers always do)')
            [CompletionResult]::new('--reuseport', '--reuseport', [CompletionResultType]::ParameterName, 'Set SO_REUSEPORT')
            [CompletionResult]::new('--broadcast', '--broadcast', [CompletionResultType]::ParameterName, 'Allow sending to broadcast addresses (SO_BROADCAST; `<broadcast>` sets it too)')
            [CompletionResult]::new('-N', '-N ', [CompletionResultType]::ParameterName, 'Same as --eof half-close (netcat''s -N)')
            [CompletionResult]::new('--send-only', '--send-only', [CompletionResultType]::ParameterName, 'Only send stdin; ignore what the peer sends')
            [CompletionResult]::new('--recv-only', '--recv-only', [CompletionResultType]::ParameterName, 'Only print what the peer sends; ignore stdin')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Send each bare \n from stdin as \r\n (as ncat -C; --frame raw and line only)')
            [CompletionResult]::new('--crlf', '--crlf', [CompletionResultType]::ParameterName, 'Send each bare \n from stdin as \r\n (as ncat -C; --frame raw and line only)')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Raw terminal mode: keystrokes go out as typed (Ctrl-C too); Ctrl-] quits')
            [CompletionResult]::new('--tty', '--tty', [CompletionResultType]::ParameterName, 'Raw terminal mode: keystrokes go out as typed (Ctrl-C too); Ctrl-] quits')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'Show bytes moved and the rate on stderr (in place on a terminal)')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Speak TLS over TCP: connect as tls:HOST:PORT, listen as tls-listen:PORT (without --tls-cert, a self-signed certificate is made at start; -v prints its SHA-256). Example: sockcli connect --tls example.org 443')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not verify the server''s certificate at all (a warning says so on stderr). Example: sockcli connect --tls --tls-insecure 10.0.0.5 8443')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sockcli;pair' {
            [CompletionResult]::new('--max-conns', '--max-conns', [CompletionResultType]::ParameterName, 'With -k: close clients beyond N at once, logged with -v (pair''s UDP forwarder: senders with an upstream socket)')
            [CompletionResult]::new('--allow', '--allow', [CompletionResultType]::ParameterName, 'Accept only clients whose address is in CIDR (repeatable; 10.0.0.0/8, ::1, fd00::/8)')
            [CompletionResult]::new('--deny', '--deny', [CompletionResultType]::ParameterName, 'Close clients whose address is in CIDR before reading a byte (repeatable; wins over --allow)')
            [CompletionResult]::new('--allow-file', '--allow-file', [CompletionResultType]::ParameterName, 'Read --allow CIDRs from PATH, one per line (''#'' starts a comment)')
            [CompletionResult]::new('--deny-file', '--deny-file', [CompletionResultType]::ParameterName, 'Read --deny CIDRs from PATH, one per line (''#'' starts a comment)')
            [CompletionResult]::new('--ready-file', '--ready-file', [CompletionResultType]::ParameterName, 'Once a listening LEFT is bound, write its ADDR:PORT (or path) and a newline to PATH')
            [CompletionResult]::new('--eof', '--eof', [CompletionResultType]::ParameterName, 'What stdin EOF does: half-close sends FIN and keeps reading until the peer closes; keep leaves the write side open; close ends the session once stdin is sent')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Give up connecting (listen: waiting for a client) after DUR (exit 4). With -z: how long each port may take to answer (default 1s); a port that does not answer in time counts as not open')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting (listen: waiting for a client) after DUR (exit 4). With -z: how long each port may take to answer (default 1s); a port that does not answer in time counts as not open')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Exit 4 when no data moves either way for DUR (UDP connect: after stdin EOF, how long to wait for replies, default 2s, and then exit 0)')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Exit 4 when no data moves either way for DUR (UDP connect: after stdin EOF, how long to wait for replies, default 2s, and then exit 0)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Exit 4 when the whole session takes longer than DUR')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'After stdin EOF, quit after DUR even if the peer is still open (exit 4)')
            [CompletionResult]::new('--quit-after', '--quit-after', [CompletionResultType]::ParameterName, 'After stdin EOF, quit after DUR even if the peer is still open (exit 4)')
            [CompletionResult]::new('--frame', '--frame', [CompletionResultType]::ParameterName, 'Message framing: raw bytes; line (messages end at \n); len16/len32 (each stdin line is sent as one message with a 2- or 4-byte big-endian length prefix, and each message received is written as one line); len16le/len32le (little-endian prefixes)')
            [CompletionResult]::new('--max-frame', '--max-frame', [CompletionResultType]::ParameterName, 'Largest length-prefixed message, received or sent; a larger length is a protocol error (exit 1)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Hexdump both directions (offset, hex, ASCII, direction) to stderr, or to FILE with -x=FILE / --hexdump=FILE. What goes to stdout is unchanged')
            [CompletionResult]::new('--hexdump', '--hexdump', [CompletionResultType]::ParameterName, 'Hexdump both directions (offset, hex, ASCII, direction) to stderr, or to FILE with -x=FILE / --hexdump=FILE. What goes to stdout is unchanged')
            [CompletionResult]::new('--pcap', '--pcap', [CompletionResultType]::ParameterName, 'Write the session''s bytes to FILE as a pcap capture with synthesized headers')
            [CompletionResult]::new('--proxy-auth', '--proxy-auth', [CompletionResultType]::ParameterName, 'Proxy credentials USER:PASS: SOCKS5 user/password, the SOCKS4 user id, HTTP Basic. Also read from the environment variable SOCKCLI_PROXY_AUTH (safer: not in `ps`). Never printed')
            [CompletionResult]::new('--proxy-dns', '--proxy-dns', [CompletionResultType]::ParameterName, 'Where a proxied target''s name is resolved: by the proxy (remote, the default) or here (local: the proxy is sent an address)')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Serve every client of a listening LEFT, each with its own RIGHT, in one loop')
            [CompletionResult]::new('--keep-open', '--keep-open', [CompletionResultType]::ParameterName, 'Serve every client of a listening LEFT, each with its own RIGHT, in one loop')
            [CompletionResult]::new('-4', '-4', [CompletionResultType]::ParameterName, 'Use IPv4 only')
            [CompletionResult]::new('-6', '-6', [CompletionResultType]::ParameterName, 'Use IPv6 only')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Numeric addresses only: never look names up')
            [CompletionResult]::new('--numeric', '--numeric', [CompletionResultType]::ParameterName, 'Numeric addresses only: never look names up')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each side''s open and close (and exec children''s exit status) to stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each side''s open and close (and exec children''s exit status) to stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'With -v: the events as JSON Lines')
            [CompletionResult]::new('-N', '-N ', [CompletionResultType]::ParameterName, 'Same as --eof half-close (netcat''s -N)')
            [CompletionResult]::new('--send-only', '--send-only', [CompletionResultType]::ParameterName, 'Only send stdin; ignore what the peer sends')
            [CompletionResult]::new('--recv-only', '--recv-only', [CompletionResultType]::ParameterName, 'Only print what the peer sends; ignore stdin')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Send each bare \n from stdin as \r\n (as ncat -C; --frame raw and line only)')
            [CompletionResult]::new('--crlf', '--crlf', [CompletionResultType]::ParameterName, 'Send each bare \n from stdin as \r\n (as ncat -C; --frame raw and line only)')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Raw terminal mode: keystrokes go out as typed (Ctrl-C too); Ctrl-] quits')
            [CompletionResult]::new('--tty', '--tty', [CompletionResultType]::ParameterName, 'Raw terminal mode: keystrokes go out as typed (Ctrl-C too); Ctrl-] quits')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'Show bytes moved and the rate on stderr (in place on a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sockcli;resolve' {
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Reverse lookup of ADDR (gethostbyaddr: name, aliases, addresses); with a PORT argument or -n/--numeric-host, getnameinfo')
            [CompletionResult]::new('--reverse', '--reverse', [CompletionResultType]::ParameterName, 'Reverse lookup of ADDR (gethostbyaddr: name, aliases, addresses); with a PORT argument or -n/--numeric-host, getnameinfo')
            [CompletionResult]::new('--service', '--service', [CompletionResultType]::ParameterName, 'The port of a service name (getservbyname), e.g. http or http/tcp')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'The service name of a port (getservbyport), e.g. 443 or 53/udp')
            [CompletionResult]::new('--protocol', '--protocol', [CompletionResultType]::ParameterName, 'A protocol''s number from its name, or its name from a number (getprotobyname)')
            [CompletionResult]::new('--fqdn', '--fqdn', [CompletionResultType]::ParameterName, 'The fully qualified name of NAME, or of this host (getfqdn)')
            [CompletionResult]::new('--family', '--family', [CompletionResultType]::ParameterName, 'Address family: 4 or 6 (same as -4 / -6)')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'Socket type to ask for (default: every type the resolver returns); with -r, dgram sets NI_DGRAM')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'With ''-'': how many lookups run at once [default: 16]')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'With ''-'': how many lookups run at once [default: 16]')
            [CompletionResult]::new('--hostname', '--hostname', [CompletionResultType]::ParameterName, 'This host''s name (gethostname)')
            [CompletionResult]::new('--interfaces', '--interfaces', [CompletionResultType]::ParameterName, 'Network interfaces: index and name (if_nameindex)')
            [CompletionResult]::new('--aliases', '--aliases', [CompletionResultType]::ParameterName, 'Show HOST''s hosts entry instead (gethostbyname_ex: canonical name, aliases, addresses; IPv4 unless --family 6)')
            [CompletionResult]::new('-4', '-4', [CompletionResultType]::ParameterName, 'IPv4 only')
            [CompletionResult]::new('-6', '-6', [CompletionResultType]::ParameterName, 'IPv6 only')
            [CompletionResult]::new('--passive', '--passive', [CompletionResultType]::ParameterName, 'AI_PASSIVE: with no HOST (''''), the any-address, for binding')
            [CompletionResult]::new('--canonname', '--canonname', [CompletionResultType]::ParameterName, 'AI_CANONNAME: also report the canonical name')
            [CompletionResult]::new('--numeric-host', '--numeric-host', [CompletionResultType]::ParameterName, 'HOST must be a numeric address (AI_NUMERICHOST); with -r: NI_NUMERICHOST')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'With -r: numeric host and service (NI_NUMERICHOST | NI_NUMERICSERV)')
            [CompletionResult]::new('--numeric', '--numeric', [CompletionResultType]::ParameterName, 'With -r: numeric host and service (NI_NUMERICHOST | NI_NUMERICSERV)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines (one object per result) instead of aligned columns')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sockcli;conv' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output of numbers (default dec; hex and bin are 0x/0b-prefixed and zero-padded to the width) and of packed addresses from aton/pton (default hex: the bytes as lowercase hex digits; dec/bin: the bytes as one big-endian number). bytes: the raw bytes (numbers: as this host stores the result). Not for ntoa and ntop, which print addresses')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON object per value: {"op", "family" (pton/ntop), "input", "output" (a string), "line" (stdin only)}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sockcli;sniff' {
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Interface to capture on (''any'': all of them)')
            [CompletionResult]::new('--interface', '--interface', [CompletionResultType]::ParameterName, 'Interface to capture on (''any'': all of them)')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Read packets from a pcap or pcapng FILE (''-'': stdin) instead of capturing')
            [CompletionResult]::new('--read', '--read', [CompletionResultType]::ParameterName, 'Read packets from a pcap or pcapng FILE (''-'': stdin) instead of capturing')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Write packets to a pcap FILE (''-'': stdout) instead of printing them')
            [CompletionResult]::new('--write', '--write', [CompletionResultType]::ParameterName, 'Write packets to a pcap FILE (''-'': stdout) instead of printing them')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Stop after N packets')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Stop after N packets')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Bytes of each packet to capture [default: 262144]')
            [CompletionResult]::new('--snaplen', '--snaplen', [CompletionResultType]::ParameterName, 'Bytes of each packet to capture [default: 262144]')
            [CompletionResult]::new('-B', '-B ', [CompletionResultType]::ParameterName, 'Capture ring size in KiB (tcpdump''s -B) [default: 16384]')
            [CompletionResult]::new('--buffer-size', '--buffer-size', [CompletionResultType]::ParameterName, 'Capture ring size in KiB (tcpdump''s -B) [default: 16384]')
            [CompletionResult]::new('-Z', '-Z ', [CompletionResultType]::ParameterName, 'After opening the capture socket, switch to USER (and its group)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'After opening the capture socket, switch to USER (and its group)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Do not put the interface into promiscuous mode')
            [CompletionResult]::new('--no-promiscuous', '--no-promiscuous', [CompletionResultType]::ParameterName, 'Do not put the interface into promiscuous mode')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Print the link-level header (MAC addresses, VLAN, ethertype)')
            [CompletionResult]::new('--link-header', '--link-header', [CompletionResultType]::ParameterName, 'Print the link-level header (MAC addresses, VLAN, ethertype)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Print each packet''s bytes in hex')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'Print each packet''s bytes in hex and ASCII')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timestamps: -t none, -tt epoch seconds, -ttt delta from the previous packet, -tttt date and time, -ttttt since the first packet')
            [CompletionResult]::new('--nano', '--nano', [CompletionResultType]::ParameterName, 'Nanosecond timestamps: printed with 9 digits, and a nanosecond pcap file with -w')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Print the compiled filter as classic BPF (tcpdump''s -d) and exit; needs no privileges. It is compiled for IFACE (or for the link type of the -r FILE)')
            [CompletionResult]::new('--dump-filter', '--dump-filter', [CompletionResultType]::ParameterName, 'Print the compiled filter as classic BPF (tcpdump''s -d) and exit; needs no privileges. It is compiled for IFACE (or for the link type of the -r FILE)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON object per packet (fields in the README)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sockcli;can' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('dump', 'dump', [CompletionResultType]::ParameterValue, 'Print the frames received on CAN interfaces (candump''s formats), or write a pcap file')
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'Send frames written in cansend''s syntax, from the arguments or stdin (''-'')')
            [CompletionResult]::new('replay', 'replay', [CompletionResultType]::ParameterValue, 'Play a candump -L log back onto CAN interfaces (canplayer)')
            [CompletionResult]::new('gen', 'gen', [CompletionResultType]::ParameterValue, 'Generate frames for load and bus tests (cangen)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sockcli;can;dump' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Filters for every interface, in the same syntax (repeatable, comma-separated)')
            [CompletionResult]::new('--filter', '--filter', [CompletionResultType]::ParameterName, 'Filters for every interface, in the same syntax (repeatable, comma-separated)')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timestamps: a absolute, d delta from the previous frame, z since the first frame, A absolute with the local date')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Exit after N frames')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Exit after N frames')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Write the frames to a pcap FILE (LINKTYPE_CAN_SOCKETCAN; ''-'': stdout) instead of printing them')
            [CompletionResult]::new('--write', '--write', [CompletionResultType]::ParameterName, 'Write the frames to a pcap FILE (LINKTYPE_CAN_SOCKETCAN; ''-'': stdout) instead of printing them')
            [CompletionResult]::new('-L', '-L ', [CompletionResultType]::ParameterName, 'candump''s log format: ''(SECS.USECS) IFACE FRAME'', as `can send -` and canplayer read')
            [CompletionResult]::new('--log', '--log', [CompletionResultType]::ParameterName, 'candump''s log format: ''(SECS.USECS) IFACE FRAME'', as `can send -` and canplayer read')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Receive error frames (every class, unless a #ERRMASK filter says which) and print their meaning in words under each, as candump -e')
            [CompletionResult]::new('--errors', '--errors', [CompletionResultType]::ParameterName, 'Receive error frames (every class, unless a #ERRMASK filter says which) and print their meaning in words under each, as candump -e')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON object per frame (fields in the README)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sockcli;can;send' {
            [CompletionResult]::new('--every', '--every', [CompletionResultType]::ParameterName, 'Send cyclically through the kernel''s broadcast manager (CAN_BCM): one frame every DUR (e.g. 10ms; whole microseconds, up to 400 days), timed by the kernel; several frames go out in turn, one per interval (at most 256, all classic or all CAN FD). Runs until Ctrl-C, which deletes the job, unless --count is given')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'With --every: send N frames in all (cycling through the frames given), then exit')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sockcli;can;replay' {
            [CompletionResult]::new('--iface', '--iface', [CompletionResultType]::ParameterName, 'Send the frames logged on LOGIF to WRITEIF (canplayer''s assignment order: vcan1=can0 sends can0''s frames on vcan1). Repeatable. Without it, frames go to the interfaces named in the log; with it, frames of interfaces not assigned are skipped, unless one --iface WRITEIF without ''='' takes them all')
            [CompletionResult]::new('--loop', '--loop', [CompletionResultType]::ParameterName, 'Play the log N times (1 to 1000000; a file only, not stdin)')
            [CompletionResult]::new('--realtime', '--realtime', [CompletionResultType]::ParameterName, 'Keep the recorded gaps: each frame is sent when its timestamp''s offset from the first frame''s has passed since the first frame went out. Without it frames go as fast as the interfaces take them')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'At the end, print on stderr how many frames were sent and skipped')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'At the end, print on stderr how many frames were sent and skipped')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sockcli;can;gen' {
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'Frames per second (1 to 10000000), timer-driven; ''--rate 1000'' is about ''cangen -g 1''. Without it, frames go as fast as the interface takes them')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Stop after N frames (default: until Ctrl-C)')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Stop after N frames (default: until Ctrl-C)')
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'Identifiers: RANDOM, INCREMENT (from 0, wrapping) or a fixed hex id (cangen -I)')
            [CompletionResult]::new('--data', '--data', [CompletionResultType]::ParameterName, 'Payload: RANDOM, INCREMENT (a 64-bit little-endian counter in the first 8 bytes, as cangen -D i) or fixed hex bytes (cangen -D)')
            [CompletionResult]::new('--len', '--len', [CompletionResultType]::ParameterName, 'Payload length: a number (0-8; CAN FD: 0-8, 12, 16, 20, 24, 32, 48 or 64) or RANDOM (default; the length of a fixed --data when one is given)')
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'Seed for the random ids, lengths and data (default: from the clock), so a run can be repeated frame for frame')
            [CompletionResult]::new('--fd', '--fd', [CompletionResultType]::ParameterName, 'CAN FD frames (up to 64 bytes)')
            [CompletionResult]::new('--brs', '--brs', [CompletionResultType]::ParameterName, 'CAN FD frames with the bit rate switch flag (implies --fd)')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, '29-bit (extended) identifiers')
            [CompletionResult]::new('--extended', '--extended', [CompletionResultType]::ParameterName, '29-bit (extended) identifiers')
            [CompletionResult]::new('-R', '-R ', [CompletionResultType]::ParameterName, 'Remote frames (classic CAN only)')
            [CompletionResult]::new('--rtr', '--rtr', [CompletionResultType]::ParameterName, 'Remote frames (classic CAN only)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'At the end, print on stderr how many frames were sent, and at what rate')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'At the end, print on stderr how many frames were sent, and at what rate')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sockcli;can;help' {
            [CompletionResult]::new('dump', 'dump', [CompletionResultType]::ParameterValue, 'Print the frames received on CAN interfaces (candump''s formats), or write a pcap file')
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'Send frames written in cansend''s syntax, from the arguments or stdin (''-'')')
            [CompletionResult]::new('replay', 'replay', [CompletionResultType]::ParameterValue, 'Play a candump -L log back onto CAN interfaces (canplayer)')
            [CompletionResult]::new('gen', 'gen', [CompletionResultType]::ParameterValue, 'Generate frames for load and bus tests (cangen)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sockcli;can;help;dump' {
            break
        }
        'sockcli;can;help;send' {
            break
        }
        'sockcli;can;help;replay' {
            break
        }
        'sockcli;can;help;gen' {
            break
        }
        'sockcli;can;help;help' {
            break
        }
        'sockcli;help' {
            [CompletionResult]::new('connect', 'connect', [CompletionResultType]::ParameterValue, 'Connect to HOST PORT (TCP, UDP or a unix socket) and relay it with stdin/stdout')
            [CompletionResult]::new('listen', 'listen', [CompletionResultType]::ParameterValue, 'Listen on [ADDR] PORT (or a unix socket): relay one client with stdin/stdout, or serve many (-k, --echo, --broker, --exec)')
            [CompletionResult]::new('pair', 'pair', [CompletionResultType]::ParameterValue, 'Join two endpoints and relay bytes both ways (port forwards, exec servers, unix ↔ TCP, virtual serial ports); with -k, a fresh right endpoint for every client')
            [CompletionResult]::new('resolve', 'resolve', [CompletionResultType]::ParameterValue, 'Look names, addresses, services, protocols and interfaces up with the system resolver (getaddrinfo, gethostbyaddr, getnameinfo, getservbyname, ...)')
            [CompletionResult]::new('conv', 'conv', [CompletionResultType]::ParameterValue, 'Convert numbers between host and network byte order (htons ... ntohll) and IP addresses to and from packed bytes (aton, ntoa, pton, ntop)')
            [CompletionResult]::new('sniff', 'sniff', [CompletionResultType]::ParameterValue, 'Capture packets (AF_PACKET, root) or read a pcap/pcapng file, filter them with a pcap-filter expression, and print them like tcpdump or write a pcap file')
            [CompletionResult]::new('can', 'can', [CompletionResultType]::ParameterValue, 'SocketCAN: dump frames in candump''s formats (or to pcap) and send frames in cansend''s syntax')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sockcli;help;connect' {
            break
        }
        'sockcli;help;listen' {
            break
        }
        'sockcli;help;pair' {
            break
        }
        'sockcli;help;resolve' {
            break
        }
        'sockcli;help;conv' {
            break
        }
        'sockcli;help;sniff' {
            break
        }
        'sockcli;help;can' {
            [CompletionResult]::new('dump', 'dump', [CompletionResultType]::ParameterValue, 'Print the frames received on CAN interfaces (candump''s formats), or write a pcap file')
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'Send frames written in cansend''s syntax, from the arguments or stdin (''-'')')
            [CompletionResult]::new('replay', 'replay', [CompletionResultType]::ParameterValue, 'Play a candump -L log back onto CAN interfaces (canplayer)')
            [CompletionResult]::new('gen', 'gen', [CompletionResultType]::ParameterValue, 'Generate frames for load and bus tests (cangen)')
            break
        }
        'sockcli;help;can;dump' {
            break
        }
        'sockcli;help;can;send' {
            break
        }
        'sockcli;help;can;replay' {
            break
        }
        'sockcli;help;can;gen' {
            break
        }
        'sockcli;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
