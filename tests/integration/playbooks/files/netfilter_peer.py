# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Traffic peer for the netfilter integration tests (run inside a test namespace with ``ip netns exec``).

serve: TCP/UDP sockets (IPv4/IPv6), optionally transparent (IP_TRANSPARENT / IPV6_TRANSPARENT, the way a
  transparent proxy listens). Every connection or datagram is answered with ``<reply> <local addr> <local port>``
  and logged as a JSON line; the local address is what the socket sees as its own - for a transparent
  socket, the original destination (getsockname for TCP, IP_RECVORIGDSTADDR for UDP). A transparent UDP
  reply is sent from that original destination, as a real proxy does. Exits after --lifetime seconds.
client: one TCP connection or UDP datagram; prints the answer (UDP: and who sent it); exit 1 on timeout.
"""

from __future__ import annotations

import argparse
import json
import selectors
import socket
import struct
import sys
import time

SOL_IP, IP_TRANSPARENT, IP_RECVORIGDSTADDR = 0, 19, 20
SOL_IPV6, IPV6_RECVORIGDSTADDR, IPV6_TRANSPARENT = 41, 74, 75


def _family(addr: str) -> int:
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def _transparent(sock: socket.socket, family: int, udp: bool) -> None:
    if family == socket.AF_INET:
        sock.setsockopt(SOL_IP, IP_TRANSPARENT, 1)
        if udp:
            sock.setsockopt(SOL_IP, IP_RECVORIGDSTADDR, 1)
    else:
        sock.setsockopt(SOL_IPV6, IPV6_TRANSPARENT, 1)
        if udp:
            sock.setsockopt(SOL_IPV6, IPV6_RECVORIGDSTADDR, 1)


def _listen(spec: str, transparent: bool) -> socket.socket:
    proto, addr, port = spec.split(",")
    family = _family(addr)
    udp = proto == "udp"
    sock = socket.socket(family, socket.SOCK_DGRAM if udp else socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    if transparent:
        _transparent(sock, family, udp)
    sock.bind((addr, int(port)))
    if not udp:
        sock.listen(16)
    sock.setblocking(False)
    return sock


def _orig_dst(ancdata: list, family: int) -> tuple | None:
    for level, kind, data in ancdata:
        if family == socket.AF_INET and (level, kind) == (SOL_IP, IP_RECVORIGDSTADDR):
            return socket.inet_ntop(socket.AF_INET, data[4:8]), struct.unpack("!H", data[2:4])[0]
        if family == socket.AF_INET6 and (level, kind) == (SOL_IPV6, IPV6_RECVORIGDSTADDR):
            return socket.inet_ntop(socket.AF_INET6, data[8:24]), struct.unpack("!H", data[2:4])[0]
    return None


def serve(args: argparse.Namespace) -> int:
    selector = selectors.DefaultSelector()
    for spec in args.spec:
        selector.register(_listen(spec, args.transparent), selectors.EVENT_READ, spec.split(",")[0])
    with open(args.ready, "w") as handle:
        handle.write("ready\n")
    deadline = time.monotonic() + args.lifetime
    with open(args.log, "a", buffering=1) as log:
        while time.monotonic() < deadline:
            for key, _events in selector.select(timeout=0.5):
                sock = key.fileobj
                try:
                    if key.data == "tcp":
                        conn, peer = sock.accept()
                        local = conn.getsockname()
                        conn.settimeout(2)
                        conn.sendall(f"{args.reply} {local[0]} {local[1]}\n".encode())
                        conn.close()
                    else:
                        _data, anc, _flags, peer = sock.recvmsg(2048, 1024)
                        local = _orig_dst(anc, sock.family) or sock.getsockname()
                        answer = f"{args.reply} {local[0]} {local[1]}\n".encode()
                        if args.transparent:
                            out = socket.socket(sock.family, socket.SOCK_DGRAM)
                            out.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                            _transparent(out, sock.family, False)
                            out.bind((local[0], local[1]))
                            out.sendto(answer, peer)
                            out.close()
                        else:
                            sock.sendto(answer, peer)
                    record = {"proto": key.data, "local": [local[0], local[1]], "peer": [peer[0], peer[1]]}
                    log.write(json.dumps(record) + "\n")
                except OSError as err:
                    log.write(json.dumps({"proto": key.data, "error": str(err)}) + "\n")
    return 0


def client(args: argparse.Namespace) -> int:
    family = _family(args.to)
    try:
        if args.proto == "tcp":
            source = ("", args.sport) if args.sport else None
            with socket.create_connection((args.to, args.port), timeout=args.timeout, source_address=source) as sock:
                print(sock.recv(256).decode().strip())
        else:
            with socket.socket(family, socket.SOCK_DGRAM) as sock:
                sock.settimeout(args.timeout)
                sock.sendto(b"ping\n", (args.to, args.port))
                data, sender = sock.recvfrom(256)
                print(f"{data.decode().strip()} from {sender[0]} {sender[1]}")
    except OSError as err:
        print(f"no answer: {err}")
        return 1
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="mode", required=True)
    srv = sub.add_parser("serve")
    srv.add_argument("--spec", action="append", required=True, help="proto,address,port (proto tcp|udp)")
    srv.add_argument("--transparent", action="store_true")
    srv.add_argument("--reply", default="server")
    srv.add_argument("--log", required=True)
    srv.add_argument("--ready", required=True)
    srv.add_argument("--lifetime", type=float, default=120)
    cli = sub.add_parser("client")
    cli.add_argument("--proto", choices=["tcp", "udp"], default="tcp")
    cli.add_argument("--to", required=True)
    cli.add_argument("--port", type=int, required=True)
    cli.add_argument("--timeout", type=float, default=3)
    cli.add_argument("--sport", type=int, default=0, help="TCP source port (default: any)")
    args = parser.parse_args()
    return serve(args) if args.mode == "serve" else client(args)


if __name__ == "__main__":
    sys.exit(main())
