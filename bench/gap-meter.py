"""Receive-gap meter for bench/failover.ts (and kernel MPTCP's two ends in the same runs).

  gap-meter.py stdin                     read stdin to EOF
  gap-meter.py mptcp-server PORT         accept one MPTCP connection, read it to EOF
  gap-meter.py mptcp-client HOST PORT FILE   send FILE over MPTCP

The readers print one JSON line: bytes, sha256, the longest time between two reads (ms, after the
first byte) and when it started (s after the first byte), and the seconds from first to last byte.
"""
import hashlib, json, os, socket, sys, time

IPPROTO_MPTCP = 262


def meter(read):
    h = hashlib.sha256()
    n, first, last, gap, gap_at = 0, None, None, 0.0, 0.0
    while True:
        b = read(1 << 20)
        if not b:
            break
        t = time.monotonic()
        if first is None:
            first = t
        elif t - last > gap:
            gap, gap_at = t - last, last - first
        last = t
        n += len(b)
        h.update(b)
    span = (last - first) if first is not None else 0.0
    print(json.dumps({"bytes": n, "sha256": h.hexdigest(), "maxGapMs": round(gap * 1000, 1), "gapAtS": round(gap_at, 2), "seconds": round(span, 3)}), flush=True)


mode = sys.argv[1]
if mode == "stdin":
    meter(lambda k: os.read(0, k))
elif mode == "mptcp-server":
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_MPTCP)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(sys.argv[2])))
    s.listen(1)
    print("ready", file=sys.stderr, flush=True)
    c, _ = s.accept()
    meter(c.recv)
elif mode == "mptcp-client":
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_MPTCP)
    c.connect((sys.argv[2], int(sys.argv[3])))
    with open(sys.argv[4], "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            c.sendall(b)
    c.shutdown(socket.SHUT_WR)
    c.recv(1)
