# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_sockcli_global_optspecs
    string join \n h/help V/version
end

function __fish_sockcli_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_sockcli_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_sockcli_using_subcommand
    set -l cmd (__fish_sockcli_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c sockcli -n "__fish_sockcli_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sockcli -n "__fish_sockcli_needs_command" -s V -l version -d 'Print version'
complete -c sockcli -n "__fish_sockcli_needs_command" -f -a "connect" -d 'Connect to HOST PORT (TCP, UDP or a unix socket) and relay it with stdin/stdout'
complete -c sockcli -n "__fish_sockcli_needs_command" -f -a "listen" -d 'Listen on [ADDR] PORT (or a unix socket): relay one client with stdin/stdout, or serve many (-k, --echo, --broker, --exec)'
complete -c sockcli -n "__fish_sockcli_needs_command" -f -a "pair" -d 'Join two endpoints and relay bytes both ways (port forwards, exec servers, unix ↔ TCP, virtual serial ports); with -k, a fresh right endpoint for every client'
complete -c sockcli -n "__fish_sockcli_needs_command" -f -a "resolve" -d 'Look names, addresses, services, protocols and interfaces up with the system resolver (getaddrinfo, gethostbyaddr, getnameinfo, getservbyname, ...)'
complete -c sockcli -n "__fish_sockcli_needs_command" -f -a "conv" -d 'Convert numbers between host and network byte order (htons ... ntohll) and IP addresses to and from packed bytes (aton, ntoa, pton, ntop)'
complete -c sockcli -n "__fish_sockcli_needs_command" -f -a "sniff" -d 'Capture packets (AF_PACKET, root) or read a pcap/pcapng file, filter them with a pcap-filter expression, and print them like tcpdump or write a pcap file'
complete -c sockcli -n "__fish_sockcli_needs_command" -f -a "can" -d 'SocketCAN: dump frames in candump\'s formats (or to pcap) and send frames in cansend\'s syntax'
complete -c sockcli -n "__fish_sockcli_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -l parallel -d 'With -z: how many connects may be in flight at once (also capped by the open-file limit, whose soft value is raised to the hard one)' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -s e -l exec -d 'Run COMMAND (split into words like a shell would, but no shell runs) with the socket as its stdin and stdout' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -s c -l sh-exec -d 'Run COMMAND with /bin/sh -c, with the socket as its stdin and stdout' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -l family -d 'Address family: 4 or 6 (same as -4 / -6)' -r -f -a "4\t''
6\t''"
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -s U -l unix -d 'Use the AF_UNIX socket at PATH (\'@name\' for the abstract namespace)' -r -F
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -s s -l source -d 'Local (source) address to bind (listen: the address to listen on, as `nc -l -s`)' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -s p -l source-port -d 'Local (source) port to bind (listen: the port to listen on, as `nc -l -p`)' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -l sndbuf -d 'Send buffer size (SO_SNDBUF), e.g. 65536, 256k, 4m' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -l rcvbuf -d 'Receive buffer size (SO_RCVBUF), e.g. 65536, 256k, 4m' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -l ttl -d 'IP time to live / IPv6 hop limit' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -l tos -d 'IP type of service / IPv6 traffic class (0-255)' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -l eof -d 'What stdin EOF does: half-close sends FIN and keeps reading until the peer closes; keep leaves the write side open; close ends the session once stdin is sent' -r -f -a "half-close\t''
keep\t''
close\t''"
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -s w -l connect-timeout -d 'Give up connecting (listen: waiting for a client) after DUR (exit 4). With -z: how long each port may take to answer (default 1s); a port that does not answer in time counts as not open' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -s i -l idle-timeout -d 'Exit 4 when no data moves either way for DUR (UDP connect: after stdin EOF, how long to wait for replies, default 2s, and then exit 0)' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -l timeout -d 'Exit 4 when the whole session takes longer than DUR' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -s q -l quit-after -d 'After stdin EOF, quit after DUR even if the peer is still open (exit 4)' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -l frame -d 'Message framing: raw bytes; line (messages end at \\n); len16/len32 (each stdin line is sent as one message with a 2- or 4-byte big-endian length prefix, and each message received is written as one line); len16le/len32le (little-endian prefixes)' -r -f -a "raw\t''
line\t''
len16\t''
len32\t''
len16le\t''
len32le\t''"
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -l max-frame -d 'Largest length-prefixed message, received or sent; a larger length is a protocol error (exit 1)' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -s x -l hexdump -d 'Hexdump both directions (offset, hex, ASCII, direction) to stderr, or to FILE with -x=FILE / --hexdump=FILE. What goes to stdout is unchanged' -r -F
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -l pcap -d 'Write the session\'s bytes to FILE as a pcap capture with synthesized headers' -r -F
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -l tls-ca -d 'PEM bundle trusted besides the system store; on listen, clients must present a certificate it issued. Example: --tls-ca ca.pem' -r -F
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -l tls-sni -d 'Server name sent (SNI) and verified instead of HOST. Example: --tls-sni example.org' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -l tls-alpn -d 'ALPN protocols offered (connect) or accepted (listen), in order of preference. Example: --tls-alpn h2,http/1.1' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -l tls-cert -d 'Our certificate chain (PEM): the server\'s on listen, a client certificate on connect (with --tls-key). Example: --tls-cert server.pem --tls-key server.key' -r -F
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -l tls-key -d 'The private key (PEM) of --tls-cert. Example: --tls-key server.key' -r -F
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -l tls-pin -d 'Trust exactly the server certificate with this SHA-256 (64 hex digits, colons allowed), as `listen --tls -v` prints it. Example: --tls-pin 3f9a...c2' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -s X -l proxy-type -d 'Proxy protocol for --proxy: socks5 (the default), socks4 (socks4a when the proxy resolves the name) or http (HTTP CONNECT; nc calls it connect)' -r -f -a "socks5\t''
socks4\t''
http\t''"
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -l proxy -d 'Connect to HOST PORT through the proxy at PROXY[:PORT] (default port 1080 for SOCKS, 3128 for HTTP; IPv6 bracketed: [::1]:1080)' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -l proxy-auth -d 'Proxy credentials USER:PASS: SOCKS5 user/password, the SOCKS4 user id, HTTP Basic. Also read from the environment variable SOCKCLI_PROXY_AUTH (safer: not in `ps`). Never printed' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -l proxy-dns -d 'Where a proxied target\'s name is resolved: by the proxy (remote, the default) or here (local: the proxy is sent an address)' -r -f -a "remote\t''
local\t''"
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -s z -l zero-io -d 'Zero-I/O scan: connect to every port in PORTS, print the open ones (exit 0 if any is)'
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -l json -d 'With -z: print each open port as a JSON object per line; with -v: the connection events (connected, closed) as JSON Lines on stderr'
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -s 4 -d 'Use IPv4 only'
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -s 6 -d 'Use IPv6 only'
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -s n -l numeric -d 'Numeric addresses only: never look names up'
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -s u -l udp -d 'Datagrams: UDP, or an AF_UNIX datagram socket with -U'
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -l vsock -d 'AF_VSOCK (VM <-> host): connect takes CID PORT (2 is the host, 1 this machine), listen takes PORT'
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -s v -l verbose -d 'Log connection events to stderr (Listening on, Connected by/to, Closed)'
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -l nodelay -d 'Disable Nagle\'s algorithm (TCP_NODELAY)'
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -l keepalive -d 'Enable TCP keepalive probes (SO_KEEPALIVE)'
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -l reuseaddr -d 'Set SO_REUSEADDR (servers always do)'
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -l reuseport -d 'Set SO_REUSEPORT'
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -l broadcast -d 'Allow sending to broadcast addresses (SO_BROADCAST; `<broadcast>` sets it too)'
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -s N -d 'Same as --eof half-close (netcat\'s -N)'
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -l send-only -d 'Only send stdin; ignore what the peer sends'
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -l recv-only -d 'Only print what the peer sends; ignore stdin'
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -s C -l crlf -d 'Send each bare \\n from stdin as \\r\\n (as ncat -C; --frame raw and line only)'
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -s t -l tty -d 'Raw terminal mode: keystrokes go out as typed (Ctrl-C too); Ctrl-] quits'
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -l progress -d 'Show bytes moved and the rate on stderr (in place on a terminal)'
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -l tls -d 'Speak TLS over TCP: connect as tls:HOST:PORT, listen as tls-listen:PORT (without --tls-cert, a self-signed certificate is made at start; -v prints its SHA-256). Example: sockcli connect --tls example.org 443'
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -l tls-insecure -d 'Do not verify the server\'s certificate at all (a warning says so on stderr). Example: sockcli connect --tls --tls-insecure 10.0.0.5 8443'
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sockcli -n "__fish_sockcli_using_subcommand connect" -s V -l version -d 'Print version'
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -l max-conns -d 'With -k: close clients beyond N at once, logged with -v (pair\'s UDP forwarder: senders with an upstream socket)' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -l allow -d 'Accept only clients whose address is in CIDR (repeatable; 10.0.0.0/8, ::1, fd00::/8)' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -l deny -d 'Close clients whose address is in CIDR before reading a byte (repeatable; wins over --allow)' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -l allow-file -d 'Read --allow CIDRs from PATH, one per line (\'#\' starts a comment)' -r -F
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -l deny-file -d 'Read --deny CIDRs from PATH, one per line (\'#\' starts a comment)' -r -F
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -s e -l exec -d 'Run COMMAND (split into words like a shell would, but no shell runs) with the socket as its stdin and stdout' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -s c -l sh-exec -d 'Run COMMAND with /bin/sh -c, with the socket as its stdin and stdout' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -l ready-file -d 'Once listening, write the bound ADDR:PORT (or unix path) and a newline to PATH, atomically, so scripts can wait for the file instead of sleeping' -r -F
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -l backlog -d 'Length of the listen(2) queue of not-yet-accepted connections' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -l family -d 'Address family: 4 or 6 (same as -4 / -6)' -r -f -a "4\t''
6\t''"
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -s U -l unix -d 'Use the AF_UNIX socket at PATH (\'@name\' for the abstract namespace)' -r -F
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -s s -l source -d 'Local (source) address to bind (listen: the address to listen on, as `nc -l -s`)' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -s p -l source-port -d 'Local (source) port to bind (listen: the port to listen on, as `nc -l -p`)' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -l sndbuf -d 'Send buffer size (SO_SNDBUF), e.g. 65536, 256k, 4m' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -l rcvbuf -d 'Receive buffer size (SO_RCVBUF), e.g. 65536, 256k, 4m' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -l ttl -d 'IP time to live / IPv6 hop limit' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -l tos -d 'IP type of service / IPv6 traffic class (0-255)' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -l eof -d 'What stdin EOF does: half-close sends FIN and keeps reading until the peer closes; keep leaves the write side open; close ends the session once stdin is sent' -r -f -a "half-close\t''
keep\t''
close\t''"
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -s w -l connect-timeout -d 'Give up connecting (listen: waiting for a client) after DUR (exit 4). With -z: how long each port may take to answer (default 1s); a port that does not answer in time counts as not open' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -s i -l idle-timeout -d 'Exit 4 when no data moves either way for DUR (UDP connect: after stdin EOF, how long to wait for replies, default 2s, and then exit 0)' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -l timeout -d 'Exit 4 when the whole session takes longer than DUR' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -s q -l quit-after -d 'After stdin EOF, quit after DUR even if the peer is still open (exit 4)' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -l frame -d 'Message framing: raw bytes; line (messages end at \\n); len16/len32 (each stdin line is sent as one message with a 2- or 4-byte big-endian length prefix, and each message received is written as one line); len16le/len32le (little-endian prefixes)' -r -f -a "raw\t''
line\t''
len16\t''
len32\t''
len16le\t''
len32le\t''"
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -l max-frame -d 'Largest length-prefixed message, received or sent; a larger length is a protocol error (exit 1)' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -s x -l hexdump -d 'Hexdump both directions (offset, hex, ASCII, direction) to stderr, or to FILE with -x=FILE / --hexdump=FILE. What goes to stdout is unchanged' -r -F
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -l pcap -d 'Write the session\'s bytes to FILE as a pcap capture with synthesized headers' -r -F
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -l tls-ca -d 'PEM bundle trusted besides the system store; on listen, clients must present a certificate it issued. Example: --tls-ca ca.pem' -r -F
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -l tls-sni -d 'Server name sent (SNI) and verified instead of HOST. Example: --tls-sni example.org' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -l tls-alpn -d 'ALPN protocols offered (connect) or accepted (listen), in order of preference. Example: --tls-alpn h2,http/1.1' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -l tls-cert -d 'Our certificate chain (PEM): the server\'s on listen, a client certificate on connect (with --tls-key). Example: --tls-cert server.pem --tls-key server.key' -r -F
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -l tls-key -d 'The private key (PEM) of --tls-cert. Example: --tls-key server.key' -r -F
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -l tls-pin -d 'Trust exactly the server certificate with this SHA-256 (64 hex digits, colons allowed), as `listen --tls -v` prints it. Example: --tls-pin 3f9a...c2' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -l echo -d 'Send every byte received back to its sender (UDP: each datagram to its sender)'
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -s k -l keep-open -d 'Serve many clients at once instead of exiting after the first. Without --echo, --broker or --exec, stdin goes to every client and every client\'s bytes to stdout'
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -l broker -d 'Relay every client\'s bytes to all the other clients (implies -k)'
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -l json -d 'With -v: the connection events (listening, connected, refused, closed) as JSON Lines on stderr'
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -s 4 -d 'Use IPv4 only'
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -s 6 -d 'Use IPv6 only'
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -s n -l numeric -d 'Numeric addresses only: never look names up'
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -s u -l udp -d 'Datagrams: UDP, or an AF_UNIX datagram socket with -U'
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -l vsock -d 'AF_VSOCK (VM <-> host): connect takes CID PORT (2 is the host, 1 this machine), listen takes PORT'
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -s v -l verbose -d 'Log connection events to stderr (Listening on, Connected by/to, Closed)'
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -l nodelay -d 'Disable Nagle\'s algorithm (TCP_NODELAY)'
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -l keepalive -d 'Enable TCP keepalive probes (SO_KEEPALIVE)'
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -l reuseaddr -d 'Set SO_REUSEADDR (servers always do)'
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -l reuseport -d 'Set SO_REUSEPORT'
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -l broadcast -d 'Allow sending to broadcast addresses (SO_BROADCAST; `<broadcast>` sets it too)'
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -s N -d 'Same as --eof half-close (netcat\'s -N)'
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -l send-only -d 'Only send stdin; ignore what the peer sends'
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -l recv-only -d 'Only print what the peer sends; ignore stdin'
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -s C -l crlf -d 'Send each bare \\n from stdin as \\r\\n (as ncat -C; --frame raw and line only)'
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -s t -l tty -d 'Raw terminal mode: keystrokes go out as typed (Ctrl-C too); Ctrl-] quits'
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -l progress -d 'Show bytes moved and the rate on stderr (in place on a terminal)'
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -l tls -d 'Speak TLS over TCP: connect as tls:HOST:PORT, listen as tls-listen:PORT (without --tls-cert, a self-signed certificate is made at start; -v prints its SHA-256). Example: sockcli connect --tls example.org 443'
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -l tls-insecure -d 'Do not verify the server\'s certificate at all (a warning says so on stderr). Example: sockcli connect --tls --tls-insecure 10.0.0.5 8443'
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sockcli -n "__fish_sockcli_using_subcommand listen" -s V -l version -d 'Print version'
complete -c sockcli -n "__fish_sockcli_using_subcommand pair" -l max-conns -d 'With -k: close clients beyond N at once, logged with -v (pair\'s UDP forwarder: senders with an upstream socket)' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand pair" -l allow -d 'Accept only clients whose address is in CIDR (repeatable; 10.0.0.0/8, ::1, fd00::/8)' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand pair" -l deny -d 'Close clients whose address is in CIDR before reading a byte (repeatable; wins over --allow)' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand pair" -l allow-file -d 'Read --allow CIDRs from PATH, one per line (\'#\' starts a comment)' -r -F
complete -c sockcli -n "__fish_sockcli_using_subcommand pair" -l deny-file -d 'Read --deny CIDRs from PATH, one per line (\'#\' starts a comment)' -r -F
complete -c sockcli -n "__fish_sockcli_using_subcommand pair" -l ready-file -d 'Once a listening LEFT is bound, write its ADDR:PORT (or path) and a newline to PATH' -r -F
complete -c sockcli -n "__fish_sockcli_using_subcommand pair" -l eof -d 'What stdin EOF does: half-close sends FIN and keeps reading until the peer closes; keep leaves the write side open; close ends the session once stdin is sent' -r -f -a "half-close\t''
keep\t''
close\t''"
complete -c sockcli -n "__fish_sockcli_using_subcommand pair" -s w -l connect-timeout -d 'Give up connecting (listen: waiting for a client) after DUR (exit 4). With -z: how long each port may take to answer (default 1s); a port that does not answer in time counts as not open' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand pair" -s i -l idle-timeout -d 'Exit 4 when no data moves either way for DUR (UDP connect: after stdin EOF, how long to wait for replies, default 2s, and then exit 0)' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand pair" -l timeout -d 'Exit 4 when the whole session takes longer than DUR' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand pair" -s q -l quit-after -d 'After stdin EOF, quit after DUR even if the peer is still open (exit 4)' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand pair" -l frame -d 'Message framing: raw bytes; line (messages end at \\n); len16/len32 (each stdin line is sent as one message with a 2- or 4-byte big-endian length prefix, and each message received is written as one line); len16le/len32le (little-endian prefixes)' -r -f -a "raw\t''
line\t''
len16\t''
len32\t''
len16le\t''
len32le\t''"
complete -c sockcli -n "__fish_sockcli_using_subcommand pair" -l max-frame -d 'Largest length-prefixed message, received or sent; a larger length is a protocol error (exit 1)' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand pair" -s x -l hexdump -d 'Hexdump both directions (offset, hex, ASCII, direction) to stderr, or to FILE with -x=FILE / --hexdump=FILE. What goes to stdout is unchanged' -r -F
complete -c sockcli -n "__fish_sockcli_using_subcommand pair" -l pcap -d 'Write the session\'s bytes to FILE as a pcap capture with synthesized headers' -r -F
complete -c sockcli -n "__fish_sockcli_using_subcommand pair" -l proxy-auth -d 'Proxy credentials USER:PASS: SOCKS5 user/password, the SOCKS4 user id, HTTP Basic. Also read from the environment variable SOCKCLI_PROXY_AUTH (safer: not in `ps`). Never printed' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand pair" -l proxy-dns -d 'Where a proxied target\'s name is resolved: by the proxy (remote, the default) or here (local: the proxy is sent an address)' -r -f -a "remote\t''
local\t''"
complete -c sockcli -n "__fish_sockcli_using_subcommand pair" -s k -l keep-open -d 'Serve every client of a listening LEFT, each with its own RIGHT, in one loop'
complete -c sockcli -n "__fish_sockcli_using_subcommand pair" -s 4 -d 'Use IPv4 only'
complete -c sockcli -n "__fish_sockcli_using_subcommand pair" -s 6 -d 'Use IPv6 only'
complete -c sockcli -n "__fish_sockcli_using_subcommand pair" -s n -l numeric -d 'Numeric addresses only: never look names up'
complete -c sockcli -n "__fish_sockcli_using_subcommand pair" -s v -l verbose -d 'Log each side\'s open and close (and exec children\'s exit status) to stderr'
complete -c sockcli -n "__fish_sockcli_using_subcommand pair" -l json -d 'With -v: the events as JSON Lines'
complete -c sockcli -n "__fish_sockcli_using_subcommand pair" -s N -d 'Same as --eof half-close (netcat\'s -N)'
complete -c sockcli -n "__fish_sockcli_using_subcommand pair" -l send-only -d 'Only send stdin; ignore what the peer sends'
complete -c sockcli -n "__fish_sockcli_using_subcommand pair" -l recv-only -d 'Only print what the peer sends; ignore stdin'
complete -c sockcli -n "__fish_sockcli_using_subcommand pair" -s C -l crlf -d 'Send each bare \\n from stdin as \\r\\n (as ncat -C; --frame raw and line only)'
complete -c sockcli -n "__fish_sockcli_using_subcommand pair" -s t -l tty -d 'Raw terminal mode: keystrokes go out as typed (Ctrl-C too); Ctrl-] quits'
complete -c sockcli -n "__fish_sockcli_using_subcommand pair" -l progress -d 'Show bytes moved and the rate on stderr (in place on a terminal)'
complete -c sockcli -n "__fish_sockcli_using_subcommand pair" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sockcli -n "__fish_sockcli_using_subcommand pair" -s V -l version -d 'Print version'
complete -c sockcli -n "__fish_sockcli_using_subcommand resolve" -s r -l reverse -d 'Reverse lookup of ADDR (gethostbyaddr: name, aliases, addresses); with a PORT argument or -n/--numeric-host, getnameinfo' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand resolve" -l service -d 'The port of a service name (getservbyname), e.g. http or http/tcp' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand resolve" -l port -d 'The service name of a port (getservbyport), e.g. 443 or 53/udp' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand resolve" -l protocol -d 'A protocol\'s number from its name, or its name from a number (getprotobyname)' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand resolve" -l fqdn -d 'The fully qualified name of NAME, or of this host (getfqdn)' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand resolve" -l family -d 'Address family: 4 or 6 (same as -4 / -6)' -r -f -a "4\t''
6\t''"
complete -c sockcli -n "__fish_sockcli_using_subcommand resolve" -l type -d 'Socket type to ask for (default: every type the resolver returns); with -r, dgram sets NI_DGRAM' -r -f -a "stream\t''
dgram\t''
raw\t''"
complete -c sockcli -n "__fish_sockcli_using_subcommand resolve" -s j -l jobs -d 'With \'-\': how many lookups run at once [default: 16]' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand resolve" -l hostname -d 'This host\'s name (gethostname)'
complete -c sockcli -n "__fish_sockcli_using_subcommand resolve" -l interfaces -d 'Network interfaces: index and name (if_nameindex)'
complete -c sockcli -n "__fish_sockcli_using_subcommand resolve" -l aliases -d 'Show HOST\'s hosts entry instead (gethostbyname_ex: canonical name, aliases, addresses; IPv4 unless --family 6)'
complete -c sockcli -n "__fish_sockcli_using_subcommand resolve" -s 4 -d 'IPv4 only'
complete -c sockcli -n "__fish_sockcli_using_subcommand resolve" -s 6 -d 'IPv6 only'
complete -c sockcli -n "__fish_sockcli_using_subcommand resolve" -l passive -d 'AI_PASSIVE: with no HOST (\'\'), the any-address, for binding'
complete -c sockcli -n "__fish_sockcli_using_subcommand resolve" -l canonname -d 'AI_CANONNAME: also report the canonical name'
complete -c sockcli -n "__fish_sockcli_using_subcommand resolve" -l numeric-host -d 'HOST must be a numeric address (AI_NUMERICHOST); with -r: NI_NUMERICHOST'
complete -c sockcli -n "__fish_sockcli_using_subcommand resolve" -s n -l numeric -d 'With -r: numeric host and service (NI_NUMERICHOST | NI_NUMERICSERV)'
complete -c sockcli -n "__fish_sockcli_using_subcommand resolve" -l json -d 'Print JSON Lines (one object per result) instead of aligned columns'
complete -c sockcli -n "__fish_sockcli_using_subcommand resolve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sockcli -n "__fish_sockcli_using_subcommand resolve" -s V -l version -d 'Print version'
complete -c sockcli -n "__fish_sockcli_using_subcommand conv" -l format -d 'Output of numbers (default dec; hex and bin are 0x/0b-prefixed and zero-padded to the width) and of packed addresses from aton/pton (default hex: the bytes as lowercase hex digits; dec/bin: the bytes as one big-endian number). bytes: the raw bytes (numbers: as this host stores the result). Not for ntoa and ntop, which print addresses' -r -f -a "dec\t''
hex\t''
bin\t''
bytes\t''"
complete -c sockcli -n "__fish_sockcli_using_subcommand conv" -l json -d 'One JSON object per value: {"op", "family" (pton/ntop), "input", "output" (a string), "line" (stdin only)}'
complete -c sockcli -n "__fish_sockcli_using_subcommand conv" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sockcli -n "__fish_sockcli_using_subcommand conv" -s V -l version -d 'Print version'
complete -c sockcli -n "__fish_sockcli_using_subcommand sniff" -s i -l interface -d 'Interface to capture on (\'any\': all of them)' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand sniff" -s r -l read -d 'Read packets from a pcap or pcapng FILE (\'-\': stdin) instead of capturing' -r -F
complete -c sockcli -n "__fish_sockcli_using_subcommand sniff" -s w -l write -d 'Write packets to a pcap FILE (\'-\': stdout) instead of printing them' -r -F
complete -c sockcli -n "__fish_sockcli_using_subcommand sniff" -s c -l count -d 'Stop after N packets' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand sniff" -s s -l snaplen -d 'Bytes of each packet to capture [default: 262144]' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand sniff" -s B -l buffer-size -d 'Capture ring size in KiB (tcpdump\'s -B) [default: 16384]' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand sniff" -s Z -l user -d 'After opening the capture socket, switch to USER (and its group)' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand sniff" -s p -l no-promiscuous -d 'Do not put the interface into promiscuous mode'
complete -c sockcli -n "__fish_sockcli_using_subcommand sniff" -s e -l link-header -d 'Print the link-level header (MAC addresses, VLAN, ethertype)'
complete -c sockcli -n "__fish_sockcli_using_subcommand sniff" -s x -d 'Print each packet\'s bytes in hex'
complete -c sockcli -n "__fish_sockcli_using_subcommand sniff" -s X -d 'Print each packet\'s bytes in hex and ASCII'
complete -c sockcli -n "__fish_sockcli_using_subcommand sniff" -s t -d 'Timestamps: -t none, -tt epoch seconds, -ttt delta from the previous packet, -tttt date and time, -ttttt since the first packet'
complete -c sockcli -n "__fish_sockcli_using_subcommand sniff" -l nano -d 'Nanosecond timestamps: printed with 9 digits, and a nanosecond pcap file with -w'
complete -c sockcli -n "__fish_sockcli_using_subcommand sniff" -s d -l dump-filter -d 'Print the compiled filter as classic BPF (tcpdump\'s -d) and exit; needs no privileges. It is compiled for IFACE (or for the link type of the -r FILE)'
complete -c sockcli -n "__fish_sockcli_using_subcommand sniff" -l json -d 'One JSON object per packet (fields in the README)'
complete -c sockcli -n "__fish_sockcli_using_subcommand sniff" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sockcli -n "__fish_sockcli_using_subcommand sniff" -s V -l version -d 'Print version'
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and not __fish_seen_subcommand_from dump send replay gen help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and not __fish_seen_subcommand_from dump send replay gen help" -s V -l version -d 'Print version'
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and not __fish_seen_subcommand_from dump send replay gen help" -f -a "dump" -d 'Print the frames received on CAN interfaces (candump\'s formats), or write a pcap file'
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and not __fish_seen_subcommand_from dump send replay gen help" -f -a "send" -d 'Send frames written in cansend\'s syntax, from the arguments or stdin (\'-\')'
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and not __fish_seen_subcommand_from dump send replay gen help" -f -a "replay" -d 'Play a candump -L log back onto CAN interfaces (canplayer)'
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and not __fish_seen_subcommand_from dump send replay gen help" -f -a "gen" -d 'Generate frames for load and bus tests (cangen)'
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and not __fish_seen_subcommand_from dump send replay gen help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and __fish_seen_subcommand_from dump" -s f -l filter -d 'Filters for every interface, in the same syntax (repeatable, comma-separated)' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and __fish_seen_subcommand_from dump" -s t -d 'Timestamps: a absolute, d delta from the previous frame, z since the first frame, A absolute with the local date' -r -f -a "a\t''
d\t''
z\t''
A\t''"
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and __fish_seen_subcommand_from dump" -s c -l count -d 'Exit after N frames' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and __fish_seen_subcommand_from dump" -s w -l write -d 'Write the frames to a pcap FILE (LINKTYPE_CAN_SOCKETCAN; \'-\': stdout) instead of printing them' -r -F
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and __fish_seen_subcommand_from dump" -s L -l log -d 'candump\'s log format: \'(SECS.USECS) IFACE FRAME\', as `can send -` and canplayer read'
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and __fish_seen_subcommand_from dump" -s e -l errors -d 'Receive error frames (every class, unless a #ERRMASK filter says which) and print their meaning in words under each, as candump -e'
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and __fish_seen_subcommand_from dump" -l json -d 'One JSON object per frame (fields in the README)'
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and __fish_seen_subcommand_from dump" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and __fish_seen_subcommand_from dump" -s V -l version -d 'Print version'
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and __fish_seen_subcommand_from send" -l every -d 'Send cyclically through the kernel\'s broadcast manager (CAN_BCM): one frame every DUR (e.g. 10ms; whole microseconds, up to 400 days), timed by the kernel; several frames go out in turn, one per interval (at most 256, all classic or all CAN FD). Runs until Ctrl-C, which deletes the job, unless --count is given' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and __fish_seen_subcommand_from send" -l count -d 'With --every: send N frames in all (cycling through the frames given), then exit' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and __fish_seen_subcommand_from send" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and __fish_seen_subcommand_from send" -s V -l version -d 'Print version'
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and __fish_seen_subcommand_from replay" -l iface -d 'Send the frames logged on LOGIF to WRITEIF (canplayer\'s assignment order: vcan1=can0 sends can0\'s frames on vcan1). Repeatable. Without it, frames go to the interfaces named in the log; with it, frames of interfaces not assigned are skipped, unless one --iface WRITEIF without \'=\' takes them all' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and __fish_seen_subcommand_from replay" -l loop -d 'Play the log N times (1 to 1000000; a file only, not stdin)' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and __fish_seen_subcommand_from replay" -l realtime -d 'Keep the recorded gaps: each frame is sent when its timestamp\'s offset from the first frame\'s has passed since the first frame went out. Without it frames go as fast as the interfaces take them'
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and __fish_seen_subcommand_from replay" -s v -l verbose -d 'At the end, print on stderr how many frames were sent and skipped'
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and __fish_seen_subcommand_from replay" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and __fish_seen_subcommand_from replay" -s V -l version -d 'Print version'
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and __fish_seen_subcommand_from gen" -l rate -d 'Frames per second (1 to 10000000), timer-driven; \'--rate 1000\' is about \'cangen -g 1\'. Without it, frames go as fast as the interface takes them' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and __fish_seen_subcommand_from gen" -s n -l count -d 'Stop after N frames (default: until Ctrl-C)' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and __fish_seen_subcommand_from gen" -l id -d 'Identifiers: RANDOM, INCREMENT (from 0, wrapping) or a fixed hex id (cangen -I)' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and __fish_seen_subcommand_from gen" -l data -d 'Payload: RANDOM, INCREMENT (a 64-bit little-endian counter in the first 8 bytes, as cangen -D i) or fixed hex bytes (cangen -D)' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and __fish_seen_subcommand_from gen" -l len -d 'Payload length: a number (0-8; CAN FD: 0-8, 12, 16, 20, 24, 32, 48 or 64) or RANDOM (default; the length of a fixed --data when one is given)' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and __fish_seen_subcommand_from gen" -l seed -d 'Seed for the random ids, lengths and data (default: from the clock), so a run can be repeated frame for frame' -r
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and __fish_seen_subcommand_from gen" -l fd -d 'CAN FD frames (up to 64 bytes)'
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and __fish_seen_subcommand_from gen" -l brs -d 'CAN FD frames with the bit rate switch flag (implies --fd)'
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and __fish_seen_subcommand_from gen" -s e -l extended -d '29-bit (extended) identifiers'
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and __fish_seen_subcommand_from gen" -s R -l rtr -d 'Remote frames (classic CAN only)'
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and __fish_seen_subcommand_from gen" -s v -l verbose -d 'At the end, print on stderr how many frames were sent, and at what rate'
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and __fish_seen_subcommand_from gen" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and __fish_seen_subcommand_from gen" -s V -l version -d 'Print version'
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and __fish_seen_subcommand_from help" -f -a "dump" -d 'Print the frames received on CAN interfaces (candump\'s formats), or write a pcap file'
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and __fish_seen_subcommand_from help" -f -a "send" -d 'Send frames written in cansend\'s syntax, from the arguments or stdin (\'-\')'
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and __fish_seen_subcommand_from help" -f -a "replay" -d 'Play a candump -L log back onto CAN interfaces (canplayer)'
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and __fish_seen_subcommand_from help" -f -a "gen" -d 'Generate frames for load and bus tests (cangen)'
complete -c sockcli -n "__fish_sockcli_using_subcommand can; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sockcli -n "__fish_sockcli_using_subcommand help; and not __fish_seen_subcommand_from connect listen pair resolve conv sniff can help" -f -a "connect" -d 'Connect to HOST PORT (TCP, UDP or a unix socket) and relay it with stdin/stdout'
complete -c sockcli -n "__fish_sockcli_using_subcommand help; and not __fish_seen_subcommand_from connect listen pair resolve conv sniff can help" -f -a "listen" -d 'Listen on [ADDR] PORT (or a unix socket): relay one client with stdin/stdout, or serve many (-k, --echo, --broker, --exec)'
complete -c sockcli -n "__fish_sockcli_using_subcommand help; and not __fish_seen_subcommand_from connect listen pair resolve conv sniff can help" -f -a "pair" -d 'Join two endpoints and relay bytes both ways (port forwards, exec servers, unix ↔ TCP, virtual serial ports); with -k, a fresh right endpoint for every client'
complete -c sockcli -n "__fish_sockcli_using_subcommand help; and not __fish_seen_subcommand_from connect listen pair resolve conv sniff can help" -f -a "resolve" -d 'Look names, addresses, services, protocols and interfaces up with the system resolver (getaddrinfo, gethostbyaddr, getnameinfo, getservbyname, ...)'
complete -c sockcli -n "__fish_sockcli_using_subcommand help; and not __fish_seen_subcommand_from connect listen pair resolve conv sniff can help" -f -a "conv" -d 'Convert numbers between host and network byte order (htons ... ntohll) and IP addresses to and from packed bytes (aton, ntoa, pton, ntop)'
complete -c sockcli -n "__fish_sockcli_using_subcommand help; and not __fish_seen_subcommand_from connect listen pair resolve conv sniff can help" -f -a "sniff" -d 'Capture packets (AF_PACKET, root) or read a pcap/pcapng file, filter them with a pcap-filter expression, and print them like tcpdump or write a pcap file'
complete -c sockcli -n "__fish_sockcli_using_subcommand help; and not __fish_seen_subcommand_from connect listen pair resolve conv sniff can help" -f -a "can" -d 'SocketCAN: dump frames in candump\'s formats (or to pcap) and send frames in cansend\'s syntax'
complete -c sockcli -n "__fish_sockcli_using_subcommand help; and not __fish_seen_subcommand_from connect listen pair resolve conv sniff can help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sockcli -n "__fish_sockcli_using_subcommand help; and __fish_seen_subcommand_from can" -f -a "dump" -d 'Print the frames received on CAN interfaces (candump\'s formats), or write a pcap file'
complete -c sockcli -n "__fish_sockcli_using_subcommand help; and __fish_seen_subcommand_from can" -f -a "send" -d 'Send frames written in cansend\'s syntax, from the arguments or stdin (\'-\')'
complete -c sockcli -n "__fish_sockcli_using_subcommand help; and __fish_seen_subcommand_from can" -f -a "replay" -d 'Play a candump -L log back onto CAN interfaces (canplayer)'
complete -c sockcli -n "__fish_sockcli_using_subcommand help; and __fish_seen_subcommand_from can" -f -a "gen" -d 'Generate frames for load and bus tests (cangen)'
