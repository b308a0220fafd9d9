# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Send ICMP echo requests from SRC to DST and count the replies (there is no ping here).

Usage (inside the client's namespace): ip netns exec NS python3 icmp_probe.py SRC DST [COUNT]
Prints one JSON object: {"sent": N, "received": M}. Needs CAP_NET_RAW. Exit status 0 either way.
"""

from __future__ import annotations

import json
import os
import select
import socket
import struct
import sys
import time


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def echo_request(ident: int, seq: int) -> bytes:
    payload = b"pbr.linux return path probe"
    header = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
    return struct.pack("!BBHHH", 8, 0, checksum(header + payload), ident, seq) + payload


def main() -> None:
    src, dst = sys.argv[1], sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    ident = os.getpid() & 0xFFFF
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    sock.bind((src, 0))
    seen = set()
    for seq in range(1, count + 1):
        sock.sendto(echo_request(ident, seq), (dst, 0))
        deadline = time.monotonic() + 0.5
        while time.monotonic() < deadline:
            ready, _unused_w, _unused_x = select.select([sock], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                break
            packet, (peer, _port) = sock.recvfrom(2048)
            ihl = (packet[0] & 0x0F) * 4
            kind, _code, _csum, rid, rseq = struct.unpack("!BBHHH", packet[ihl : ihl + 8])
            if kind == 0 and rid == ident and peer == dst:
                seen.add(rseq)
                if rseq == seq:
                    break
    print(json.dumps({"sent": count, "received": len(seen)}))


if __name__ == "__main__":
    main()
