
use builtin;
use str;

set edit:completion:arg-completer[sockcli] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'sockcli'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'sockcli'= {
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand connect 'Connect to HOST PORT (TCP, UDP or a unix socket) and relay it with stdin/stdout'
            cand listen 'Listen on [ADDR] PORT (or a unix socket): relay one client with stdin/stdout, or serve many (-k, --echo, --broker, --exec)'
            cand pair 'Join two endpoints and relay bytes both ways (port forwards, exec servers, unix ↔ TCP, virtual serial ports); with -k, a fresh right endpoint for every client'
            cand resolve 'Look names, addresses, services, protocols and interfaces up with the system resolver (getaddrinfo, gethostbyaddr, getnameinfo, getservbyname, ...)'
            cand conv 'Convert numbers between host and network byte order (htons ... ntohll) and IP addresses to and from packed bytes (aton, ntoa, pton, ntop)'
            cand sniff 'Capture packets (AF_PACKET, root) or read a pcap/pcapng file, filter them with a pcap-filter expression, and print them like tcpdump or write a pcap file'
            cand can 'SocketCAN: dump frames in candump''s formats (or to pcap) and send frames in cansend''s syntax'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sockcli;connect'= {
            cand --parallel 'With -z: how many connects may be in flight at once (also capped by the open-file limit, whose soft value is raised to the hard one)'
            cand -e 'Run COMMAND (split into words like a shell would, but no shell runs) with the socket as its stdin and stdout'
            cand --exec 'Run COMMAND (split into words like a shell would, but no shell runs) with the socket as its stdin and stdout'
            cand -c 'Run COMMAND with /bin/sh -c, with the socket as its stdin and stdout'
            cand --sh-exec 'Run COMMAND with /bin/sh -c, with the socket as its stdin and stdout'
            cand --family 'Address family: 4 or 6 (same as -4 / -6)'
            cand -U 'Use the AF_UNIX socket at PATH (''@name'' for the abstract namespace)'
            cand --unix 'Use the AF_UNIX socket at PATH (''@name'' for the abstract namespace)'
            cand -s 'Local (source) address to bind (listen: the address to listen on, as `nc -l -s`)'
            cand --source 'Local (source) address to bind (listen: the address to listen on, as `nc -l -s`)'
            cand -p 'Local (source) port to bind (listen: the port to listen on, as `nc -l -p`)'
            cand --source-port 'Local (source) port to bind (listen: the port to listen on, as `nc -l -p`)'
            cand --sndbuf 'Send buffer size (SO_SNDBUF), e.g. 65536, 256k, 4m'
            cand --rcvbuf 'Receive buffer size (SO_RCVBUF), e.g. 65536, 256k, 4m'
            cand --ttl 'IP time to live / IPv6 hop limit'
            cand --tos 'IP type of service / IPv6 traffic class (0-255)'
            cand --eof 'What stdin EOF does: half-close sends FIN and keeps reading until the peer closes; keep leaves the write side open; close ends the session once stdin is sent'
            cand -w 'Give up connecting (listen: waiting for a client) after DUR (exit 4). With -z: how long each port may take to answer (default 1s); a port that does not answer in time counts as not open'
            cand --connect-timeout 'Give up connecting (listen: waiting for a client) after DUR (exit 4). With -z: how long each port may take to answer (default 1s); a port that does not answer in time counts as not open'
            cand -i 'Exit 4 when no data moves either way for DUR (UDP connect: after stdin EOF, how long to wait for replies, default 2s, and then exit 0)'
            cand --idle-timeout 'Exit 4 when no data moves either way for DUR (UDP connect: after stdin EOF, how long to wait for replies, default 2s, and then exit 0)'
            cand --timeout 'Exit 4 when the whole session takes longer than DUR'
            cand -q 'After stdin EOF, quit after DUR even if the peer is still open (exit 4)'
            cand --quit-after 'After stdin EOF, quit after DUR even if the peer is still open (exit 4)'
            cand --frame 'Message framing: raw bytes; line (messages end at \n); len16/len32 (each stdin line is sent as one message with a 2- or 4-byte big-endian length prefix, and each message received is written as one line); len16le/len32le (little-endian prefixes)'
            cand --max-frame 'Largest length-prefixed message, received or sent; a larger length is a protocol error (exit 1)'
            cand -x 'Hexdump both directions (offset, hex, ASCII, direction) to stderr, or to FILE with -x=FILE / --hexdump=FILE. What goes to stdout is unchanged'
            cand --hexdump 'Hexdump both directions (offset, hex, ASCII, direction) to stderr, or to FILE with -x=FILE / --hexdump=FILE. What goes to stdout is unchanged'
            cand --pcap 'Write the session''s bytes to FILE as a pcap capture with synthesized headers'
            cand -X 'Proxy protocol for --proxy: socks5 (the default), socks4 (socks4a when the proxy resolves the name) or http (HTTP CONNECT; nc calls it connect)'
            cand --proxy-type 'Proxy protocol for --proxy: socks5 (the default), socks4 (socks4a when the proxy resolves the name) or http (HTTP CONNECT; nc calls it connect)'
            cand --proxy 'Connect to HOST PORT through the proxy at PROXY[:PORT] (default port 1080 for SOCKS, 3128 for HTTP; IPv6 bracketed: [::1]:1080)'
            cand --proxy-auth 'Proxy credentials USER:PASS: SOCKS5 user/password, the SOCKS4 user id, HTTP Basic. Also read from the environment variable SOCKCLI_PROXY_AUTH (safer: not in `ps`). Never printed'
            cand --proxy-dns 'Where a proxied target''s name is resolved: by the proxy (remote, the default) or here (local: the proxy is sent an address)'
            cand -z 'Zero-I/O scan: connect to every port in PORTS, print the open ones (exit 0 if any is)'
            cand --zero-io 'Zero-I/O scan: connect to every port in PORTS, print the open ones (exit 0 if any is)'
            cand --json 'With -z: print each open port as a JSON object per line; with -v: the connection events (connected, closed) as JSON Lines on stderr'
            cand -4 'Use IPv4 only'
            cand -6 'Use IPv6 only'
            cand -n 'Numeric addresses only: never look names up'
            cand --numeric 'Numeric addresses only: never look names up'
            cand -u 'Datagrams: UDP, or an AF_UNIX datagram socket with -U'
            cand --udp 'Datagrams: UDP, or an AF_UNIX datagram socket with -U'
            cand --vsock 'AF_VSOCK (VM <-> host): connect takes CID PORT (2 is the host, 1 this machine), listen takes PORT'
            cand -v 'Log connection events to stderr (Listening on, Connected by/to, Closed)'
            cand --verbose 'Log connection events to stderr (Listening on, Connected by/to, Closed)'
            cand --nodelay 'Disable Nagle''s algorithm (TCP_NODELAY)'
            cand --keepalive 'Enable TCP keepalive probes (SO_KEEPALIVE)'
            cand --reuseaddr 'Set SO_REUSEADDR (servers always do)'
            cand --reuseport 'Set SO_REUSEPORT'
            cand --broadcast 'Allow sending to broadcast addresses (SO_BROADCAST; `<broadcast>` sets it too)'
            cand -N 'Same as --eof half-close (netcat''s -N)'
            cand --send-only 'Only send stdin; ignore what the peer sends'
            cand --recv-only 'Only print what the peer sends; ignore stdin'
            cand -C 'Send each bare \n from stdin as \r\n (as ncat -C; --frame raw and line only)'
            cand --crlf 'Send each bare \n from stdin as \r\n (as ncat -C; --frame raw and line only)'
            cand -t 'Raw terminal mode: keystrokes go out as typed (Ctrl-C too); Ctrl-] quits'
            cand --tty 'Raw terminal mode: keystrokes go out as typed (Ctrl-C too); Ctrl-] quits'
            cand --progress 'Show bytes moved and the rate on stderr (in place on a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sockcli;listen'= {
            cand --max-conns 'With -k: close clients beyond N at once, logged with -v (pair''s UDP forwarder: senders with an upstream socket)'
            cand --allow 'Accept only clients whose address is in CIDR (repeatable; 10.0.0.0/8, ::1, fd00::/8)'
            cand --deny 'Close clients whose address is in CIDR before reading a byte (repeatable; wins over --allow)'
            cand --allow-file 'Read --allow CIDRs from PATH, one per line (''#'' starts a comment)'
            cand --deny-file 'Read --deny CIDRs from PATH, one per line (''#'' starts a comment)'
            cand -e 'Run COMMAND (split into words like a shell would, but no shell runs) with the socket as its stdin and stdout'
            cand --exec 'Run COMMAND (split into words like a shell would, but no shell runs) with the socket as its stdin and stdout'
            cand -c 'Run COMMAND with /bin/sh -c, with the socket as its stdin and stdout'
            cand --sh-exec 'Run COMMAND with /bin/sh -c, with the socket as its stdin and stdout'
            cand --ready-file 'Once listening, write the bound ADDR:PORT (or unix path) and a newline to PATH, atomically, so scripts can wait for the file instead of sleeping'
            cand --backlog 'Length of the listen(2) queue of not-yet-accepted connections'
            cand --family 'Address family: 4 or 6 (same as -4 / -6)'
            cand -U 'Use the AF_UNIX socket at PATH (''@name'' for the abstract namespace)'
            cand --unix 'Use the AF_UNIX socket at PATH (''@name'' for the abstract namespace)'
            cand -s 'Local (source) address to bind (listen: the address to listen on, as `nc -l -s`)'
            cand --source 'Local (source) address to bind (listen: the address to listen on, as `nc -l -s`)'
            cand -p 'Local (source) port to bind (listen: the port to listen on, as `nc -l -p`)'
            cand --source-port 'Local (source) port to bind (listen: the port to listen on, as `nc -l -p`)'
            cand --sndbuf 'Send buffer size (SO_SNDBUF), e.g. 65536, 256k, 4m'
            cand --rcvbuf 'Receive buffer size (SO_RCVBUF), e.g. 65536, 256k, 4m'
            cand --ttl 'IP time to live / IPv6 hop limit'
            cand --tos 'IP type of service / IPv6 traffic class (0-255)'
            cand --eof 'What stdin EOF does: half-close sends FIN and keeps reading until the peer closes; keep leaves the write side open; close ends the session once stdin is sent'
            cand -w 'Give up connecting (listen: waiting for a client) after DUR (exit 4). With -z: how long each port may take to answer (default 1s); a port that does not answer in time counts as not open'
            cand --connect-timeout 'Give up connecting (listen: waiting for a client) after DUR (exit 4). With -z: how long each port may take to answer (default 1s); a port that does not answer in time counts as not open'
            cand -i 'Exit 4 when no data moves either way for DUR (UDP connect: after stdin EOF, how long to wait for replies, default 2s, and then exit 0)'
            cand --idle-timeout 'Exit 4 when no data moves either way for DUR (UDP connect: after stdin EOF, how long to wait for replies, default 2s, and then exit 0)'
            cand --timeout 'Exit 4 when the whole session takes longer than DUR'
            cand -q 'After stdin EOF, quit after DUR even if the peer is still open (exit 4)'
            cand --quit-after 'After stdin EOF, quit after DUR even if the peer is still open (exit 4)'
            cand --frame 'Message framing: raw bytes; line (messages end at \n); len16/len32 (each stdin line is sent as one message with a 2- or 4-byte big-endian length prefix, and each message received is written as one line); len16le/len32le (little-endian prefixes)'
            cand --max-frame 'Largest length-prefixed message, received or sent; a larger length is a protocol error (exit 1)'
            cand -x 'Hexdump both directions (offset, hex, ASCII, direction) to stderr, or to FILE with -x=FILE / --hexdump=FILE. What goes to stdout is unchanged'
            cand --hexdump 'Hexdump both directions (offset, hex, ASCII, direction) to stderr, or to FILE with -x=FILE / --hexdump=FILE. What goes to stdout is unchanged'
            cand --pcap 'Write the session''s bytes to FILE as a pcap capture with synthesized headers'
            cand --echo 'Send every byte received back to its sender (UDP: each datagram to its sender)'
            cand -k 'Serve many clients at once instead of exiting after the first. Without --echo, --broker or --exec, stdin goes to every client and every client''s bytes to stdout'
            cand --keep-open 'Serve many clients at once instead of exiting after the first. Without --echo, --broker or --exec, stdin goes to every client and every client''s bytes to stdout'
            cand --broker 'Relay every client''s bytes to all the other clients (implies -k)'
            cand --json 'With -v: the connection events (listening, connected, refused, closed) as JSON Lines on stderr'
            cand -4 'Use IPv4 only'
            cand -6 'Use IPv6 only'
            cand -n 'Numeric addresses only: never look names up'
            cand --numeric 'Numeric addresses only: never look names up'
            cand -u 'Datagrams: UDP, or an AF_UNIX datagram socket with -U'
            cand --udp 'Datagrams: UDP, or an AF_UNIX datagram socket with -U'
            cand --vsock 'AF_VSOCK (VM <-> host): connect takes CID PORT (2 is the host, 1 this machine), listen takes PORT'
            cand -v 'Log connection events to stderr (Listening on, Connected by/to, Closed)'
            cand --verbose 'Log connection events to stderr (Listening on, Connected by/to, Closed)'
            cand --nodelay 'Disable Nagle''s algorithm (TCP_NODELAY)'
            cand --keepalive 'Enable TCP keepalive probes (SO_KEEPALIVE)'
            cand --reuseaddr 'Set SO_REUSEADDR (servers always do)'
            cand --reuseport 'Set SO_REUSEPORT'
            cand --broadcast 'Allow sending to broadcast addresses (SO_BROADCAST; `<broadcast>` sets it too)'
            cand -N 'Same as --eof half-close (netcat''s -N)'
            cand --send-only 'Only send stdin; ignore what the peer sends'
            cand --recv-only 'Only print what the peer sends; ignore stdin'
            cand -C 'Send each bare \n from stdin as \r\n (as ncat -C; --frame raw and line only)'
            cand --crlf 'Send each bare \n from stdin as \r\n (as ncat -C; --frame raw and line only)'
            cand -t 'Raw terminal mode: keystrokes go out as typed (Ctrl-C too); Ctrl-] quits'
            cand --tty 'Raw terminal mode: keystrokes go out as typed (Ctrl-C too); Ctrl-] quits'
            cand --progress 'Show bytes moved and the rate on stderr (in place on a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sockcli;pair'= {
            cand --max-conns 'With -k: close clients beyond N at once, logged with -v (pair''s UDP forwarder: senders with an upstream socket)'
            cand --allow 'Accept only clients whose address is in CIDR (repeatable; 10.0.0.0/8, ::1, fd00::/8)'
            cand --deny 'Close clients whose address is in CIDR before reading a byte (repeatable; wins over --allow)'
            cand --allow-file 'Read --allow CIDRs from PATH, one per line (''#'' starts a comment)'
            cand --deny-file 'Read --deny CIDRs from PATH, one per line (''#'' starts a comment)'
            cand --ready-file 'Once a listening LEFT is bound, write its ADDR:PORT (or path) and a newline to PATH'
            cand --eof 'What stdin EOF does: half-close sends FIN and keeps reading until the peer closes; keep leaves the write side open; close ends the session once stdin is sent'
            cand -w 'Give up connecting (listen: waiting for a client) after DUR (exit 4). With -z: how long each port may take to answer (default 1s); a port that does not answer in time counts as not open'
            cand --connect-timeout 'Give up connecting (listen: waiting for a client) after DUR (exit 4). With -z: how long each port may take to answer (default 1s); a port that does not answer in time counts as not open'
            cand -i 'Exit 4 when no data moves either way for DUR (UDP connect: after stdin EOF, how long to wait for replies, default 2s, and then exit 0)'
            cand --idle-timeout 'Exit 4 when no data moves either way for DUR (UDP connect: after stdin EOF, how long to wait for replies, default 2s, and then exit 0)'
            cand --timeout 'Exit 4 when the whole session takes longer than DUR'
            cand -q 'After stdin EOF, quit after DUR even if the peer is still open (exit 4)'
            cand --quit-after 'After stdin EOF, quit after DUR even if the peer is still open (exit 4)'
            cand --frame 'Message framing: raw bytes; line (messages end at \n); len16/len32 (each stdin line is sent as one message with a 2- or 4-byte big-endian length prefix, and each message received is written as one line); len16le/len32le (little-endian prefixes)'
            cand --max-frame 'Largest length-prefixed message, received or sent; a larger length is a protocol error (exit 1)'
            cand -x 'Hexdump both directions (offset, hex, ASCII, direction) to stderr, or to FILE with -x=FILE / --hexdump=FILE. What goes to stdout is unchanged'
            cand --hexdump 'Hexdump both directions (offset, hex, ASCII, direction) to stderr, or to FILE with -x=FILE / --hexdump=FILE. What goes to stdout is unchanged'
            cand --pcap 'Write the session''s bytes to FILE as a pcap capture with synthesized headers'
            cand --proxy-auth 'Proxy credentials USER:PASS: SOCKS5 user/password, the SOCKS4 user id, HTTP Basic. Also read from the environment variable SOCKCLI_PROXY_AUTH (safer: not in `ps`). Never printed'
            cand --proxy-dns 'Where a proxied target''s name is resolved: by the proxy (remote, the default) or here (local: the proxy is sent an address)'
            cand -k 'Serve every client of a listening LEFT, each with its own RIGHT, in one loop'
            cand --keep-open 'Serve every client of a listening LEFT, each with its own RIGHT, in one loop'
            cand -4 'Use IPv4 only'
            cand -6 'Use IPv6 only'
            cand -n 'Numeric addresses only: never look names up'
            cand --numeric 'Numeric addresses only: never look names up'
            cand -v 'Log each side''s open and close (and exec children''s exit status) to stderr'
            cand --verbose 'Log each side''s open and close (and exec children''s exit status) to stderr'
            cand --json 'With -v: the events as JSON Lines'
            cand -N 'Same as --eof half-close (netcat''s -N)'
            cand --send-only 'Only send stdin; ignore what the peer sends'
            cand --recv-only 'Only print what the peer sends; ignore stdin'
            cand -C 'Send each bare \n from stdin as \r\n (as ncat -C; --frame raw and line only)'
            cand --crlf 'Send each bare \n from stdin as \r\n (as ncat -C; --frame raw and line only)'
            cand -t 'Raw terminal mode: keystrokes go out as typed (Ctrl-C too); Ctrl-] quits'
            cand --tty 'Raw terminal mode: keystrokes go out as typed (Ctrl-C too); Ctrl-] quits'
            cand --progress 'Show bytes moved and the rate on stderr (in place on a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sockcli;resolve'= {
            cand -r 'Reverse lookup of ADDR (gethostbyaddr: name, aliases, addresses); with a PORT argument or -n/--numeric-host, getnameinfo'
            cand --reverse 'Reverse lookup of ADDR (gethostbyaddr: name, aliases, addresses); with a PORT argument or -n/--numeric-host, getnameinfo'
            cand --service 'The port of a service name (getservbyname), e.g. http or http/tcp'
            cand --port 'The service name of a port (getservbyport), e.g. 443 or 53/udp'
            cand --protocol 'A protocol''s number from its name, or its name from a number (getprotobyname)'
            cand --fqdn 'The fully qualified name of NAME, or of this host (getfqdn)'
            cand --family 'Address family: 4 or 6 (same as -4 / -6)'
            cand --type 'Socket type to ask for (default: every type the resolver returns); with -r, dgram sets NI_DGRAM'
            cand -j 'With ''-'': how many lookups run at once [default: 16]'
            cand --jobs 'With ''-'': how many lookups run at once [default: 16]'
            cand --hostname 'This host''s name (gethostname)'
            cand --interfaces 'Network interfaces: index and name (if_nameindex)'
            cand --aliases 'Show HOST''s hosts entry instead (gethostbyname_ex: canonical name, aliases, addresses; IPv4 unless --family 6)'
            cand -4 'IPv4 only'
            cand -6 'IPv6 only'
            cand --passive 'AI_PASSIVE: with no HOST (''''), the any-address, for binding'
            cand --canonname 'AI_CANONNAME: also report the canonical name'
            cand --numeric-host 'HOST must be a numeric address (AI_NUMERICHOST); with -r: NI_NUMERICHOST'
            cand -n 'With -r: numeric host and service (NI_NUMERICHOST | NI_NUMERICSERV)'
            cand --numeric 'With -r: numeric host and service (NI_NUMERICHOST | NI_NUMERICSERV)'
            cand --json 'Print JSON Lines (one object per result) instead of aligned columns'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sockcli;conv'= {
            cand --format 'Output of numbers (default dec; hex and bin are 0x/0b-prefixed and zero-padded to the width) and of packed addresses from aton/pton (default hex: the bytes as lowercase hex digits; dec/bin: the bytes as one big-endian number). bytes: the raw bytes (numbers: as this host stores the result). Not for ntoa and ntop, which print addresses'
            cand --json 'One JSON object per value: {"op", "family" (pton/ntop), "input", "output" (a string), "line" (stdin only)}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sockcli;sniff'= {
            cand -i 'Interface to capture on (''any'': all of them)'
            cand --interface 'Interface to capture on (''any'': all of them)'
            cand -r 'Read packets from a pcap or pcapng FILE (''-'': stdin) instead of capturing'
            cand --read 'Read packets from a pcap or pcapng FILE (''-'': stdin) instead of capturing'
            cand -w 'Write packets to a pcap FILE (''-'': stdout) instead of printing them'
            cand --write 'Write packets to a pcap FILE (''-'': stdout) instead of printing them'
            cand -c 'Stop after N packets'
            cand --count 'Stop after N packets'
            cand -s 'Bytes of each packet to capture [default: 262144]'
            cand --snaplen 'Bytes of each packet to capture [default: 262144]'
            cand -B 'Capture ring size in KiB (tcpdump''s -B) [default: 16384]'
            cand --buffer-size 'Capture ring size in KiB (tcpdump''s -B) [default: 16384]'
            cand -Z 'After opening the capture socket, switch to USER (and its group)'
            cand --user 'After opening the capture socket, switch to USER (and its group)'
            cand -p 'Do not put the interface into promiscuous mode'
            cand --no-promiscuous 'Do not put the interface into promiscuous mode'
            cand -e 'Print the link-level header (MAC addresses, VLAN, ethertype)'
            cand --link-header 'Print the link-level header (MAC addresses, VLAN, ethertype)'
            cand -x 'Print each packet''s bytes in hex'
            cand -X 'Print each packet''s bytes in hex and ASCII'
            cand -t 'Timestamps: -t none, -tt epoch seconds, -ttt delta from the previous packet, -tttt date and time, -ttttt since the first packet'
            cand --nano 'Nanosecond timestamps: printed with 9 digits, and a nanosecond pcap file with -w'
            cand -d 'Print the compiled filter as classic BPF (tcpdump''s -d) and exit; needs no privileges. It is compiled for IFACE (or for the link type of the -r FILE)'
            cand --dump-filter 'Print the compiled filter as classic BPF (tcpdump''s -d) and exit; needs no privileges. It is compiled for IFACE (or for the link type of the -r FILE)'
            cand --json 'One JSON object per packet (fields in the README)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sockcli;can'= {
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand dump 'Print the frames received on CAN interfaces (candump''s formats), or write a pcap file'
            cand send 'Send frames written in cansend''s syntax, from the arguments or stdin (''-'')'
            cand replay 'Play a candump -L log back onto CAN interfaces (canplayer)'
            cand gen 'Generate frames for load and bus tests (cangen)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sockcli;can;dump'= {
            cand -f 'Filters for every interface, in the same syntax (repeatable, comma-separated)'
            cand --filter 'Filters for every interface, in the same syntax (repeatable, comma-separated)'
            cand -t 'Timestamps: a absolute, d delta from the previous frame, z since the first frame, A absolute with the local date'
            cand -c 'Exit after N frames'
            cand --count 'Exit after N frames'
            cand -w 'Write the frames to a pcap FILE (LINKTYPE_CAN_SOCKETCAN; ''-'': stdout) instead of printing them'
            cand --write 'Write the frames to a pcap FILE (LINKTYPE_CAN_SOCKETCAN; ''-'': stdout) instead of printing them'
            cand -L 'candump''s log format: ''(SECS.USECS) IFACE FRAME'', as `can send -` and canplayer read'
            cand --log 'candump''s log format: ''(SECS.USECS) IFACE FRAME'', as `can send -` and canplayer read'
            cand -e 'Receive error frames (every class, unless a #ERRMASK filter says which) and print their meaning in words under each, as candump -e'
            cand --errors 'Receive error frames (every class, unless a #ERRMASK filter says which) and print their meaning in words under each, as candump -e'
            cand --json 'One JSON object per frame (fields in the README)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sockcli;can;send'= {
            cand --every 'Send cyclically through the kernel''s broadcast manager (CAN_BCM): one frame every DUR (e.g. 10ms; whole microseconds, up to 400 days), timed by the kernel; several frames go out in turn, one per interval (at most 256, all classic or all CAN FD). Runs until Ctrl-C, which deletes the job, unless --count is given'
            cand --count 'With --every: send N frames in all (cycling through the frames given), then exit'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sockcli;can;replay'= {
            cand --iface 'Send the frames logged on LOGIF to WRITEIF (canplayer''s assignment order: vcan1=can0 sends can0''s frames on vcan1). Repeatable. Without it, frames go to the interfaces named in the log; with it, frames of interfaces not assigned are skipped, unless one --iface WRITEIF without ''='' takes them all'
            cand --loop 'Play the log N times (1 to 1000000; a file only, not stdin)'
            cand --realtime 'Keep the recorded gaps: each frame is sent when its timestamp''s offset from the first frame''s has passed since the first frame went out. Without it frames go as fast as the interfaces take them'
            cand -v 'At the end, print on stderr how many frames were sent and skipped'
            cand --verbose 'At the end, print on stderr how many frames were sent and skipped'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sockcli;can;gen'= {
            cand --rate 'Frames per second (1 to 10000000), timer-driven; ''--rate 1000'' is about ''cangen -g 1''. Without it, frames go as fast as the interface takes them'
            cand -n 'Stop after N frames (default: until Ctrl-C)'
            cand --count 'Stop after N frames (default: until Ctrl-C)'
            cand --id 'Identifiers: RANDOM, INCREMENT (from 0, wrapping) or a fixed hex id (cangen -I)'
            cand --data 'Payload: RANDOM, INCREMENT (a 64-bit little-endian counter in the first 8 bytes, as cangen -D i) or fixed hex bytes (cangen -D)'
            cand --len 'Payload length: a number (0-8; CAN FD: 0-8, 12, 16, 20, 24, 32, 48 or 64) or RANDOM (default; the length of a fixed --data when one is given)'
            cand --seed 'Seed for the random ids, lengths and data (default: from the clock), so a run can be repeated frame for frame'
            cand --fd 'CAN FD frames (up to 64 bytes)'
            cand --brs 'CAN FD frames with the bit rate switch flag (implies --fd)'
            cand -e '29-bit (extended) identifiers'
            cand --extended '29-bit (extended) identifiers'
            cand -R 'Remote frames (classic CAN only)'
            cand --rtr 'Remote frames (classic CAN only)'
            cand -v 'At the end, print on stderr how many frames were sent, and at what rate'
            cand --verbose 'At the end, print on stderr how many frames were sent, and at what rate'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sockcli;can;help'= {
            cand dump 'Print the frames received on CAN interfaces (candump''s formats), or write a pcap file'
            cand send 'Send frames written in cansend''s syntax, from the arguments or stdin (''-'')'
            cand replay 'Play a candump -L log back onto CAN interfaces (canplayer)'
            cand gen 'Generate frames for load and bus tests (cangen)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sockcli;can;help;dump'= {
        }
        &'sockcli;can;help;send'= {
        }
        &'sockcli;can;help;replay'= {
        }
        &'sockcli;can;help;gen'= {
        }
        &'sockcli;can;help;help'= {
        }
        &'sockcli;help'= {
            cand connect 'Connect to HOST PORT (TCP, UDP or a unix socket) and relay it with stdin/stdout'
            cand listen 'Listen on [ADDR] PORT (or a unix socket): relay one client with stdin/stdout, or serve many (-k, --echo, --broker, --exec)'
            cand pair 'Join two endpoints and relay bytes both ways (port forwards, exec servers, unix ↔ TCP, virtual serial ports); with -k, a fresh right endpoint for every client'
            cand resolve 'Look names, addresses, services, protocols and interfaces up with the system resolver (getaddrinfo, gethostbyaddr, getnameinfo, getservbyname, ...)'
            cand conv 'Convert numbers between host and network byte order (htons ... ntohll) and IP addresses to and from packed bytes (aton, ntoa, pton, ntop)'
            cand sniff 'Capture packets (AF_PACKET, root) or read a pcap/pcapng file, filter them with a pcap-filter expression, and print them like tcpdump or write a pcap file'
            cand can 'SocketCAN: dump frames in candump''s formats (or to pcap) and send frames in cansend''s syntax'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sockcli;help;connect'= {
        }
        &'sockcli;help;listen'= {
        }
        &'sockcli;help;pair'= {
        }
        &'sockcli;help;resolve'= {
        }
        &'sockcli;help;conv'= {
        }
        &'sockcli;help;sniff'= {
        }
        &'sockcli;help;can'= {
            cand dump 'Print the frames received on CAN interfaces (candump''s formats), or write a pcap file'
            cand send 'Send frames written in cansend''s syntax, from the arguments or stdin (''-'')'
            cand replay 'Play a candump -L log back onto CAN interfaces (canplayer)'
            cand gen 'Generate frames for load and bus tests (cangen)'
        }
        &'sockcli;help;can;dump'= {
        }
        &'sockcli;help;can;send'= {
        }
        &'sockcli;help;can;replay'= {
        }
        &'sockcli;help;can;gen'= {
        }
        &'sockcli;help;help'= {
        }
    ]
    $completions[$command]
}
