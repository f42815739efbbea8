"""Receive meter for the namespace benchmarks (bench/failover.ts, bench/paths.ts, bench/aggregate.ts),
for bondcat, the Go bondcat, kernel MPTCP and plain TCP alike: every tool is timed on its receiving side.

  gap-meter.py stdin [OPTIONS]                     read stdin to EOF
  gap-meter.py mptcp-server PORT [OPTIONS]         accept one MPTCP connection, read it to EOF
  gap-meter.py mptcp-client HOST PORT FILE [--tcp] send FILE (or /dev/stdin) over MPTCP
OPTIONS: --tcp (plain TCP instead of MPTCP), --bytes N (the expected total: the times at which 10% and
90% of it had arrived are noted), --stop (stop after those N bytes: for a sender that never closes),
--no-hash (skip the sha256, for zeros).

The readers print one JSON line: bytes, sha256, the longest time between two reads (ms, after the
first byte) and when it started (s after the first byte), the seconds from first to last byte, and the
wall-clock times (Unix s) of the first and the last byte and (with --bytes) of the 10% and 90% marks.
"""
import hashlib, json, os, socket, sys, time

IPPROTO_MPTCP = 262
argv = [a for a in sys.argv[1:] if not a.startswith("--")]
TCP = "--tcp" in sys.argv
HASH = "--no-hash" not in sys.argv
TOTAL = int(sys.argv[sys.argv.index("--bytes") + 1]) if "--bytes" in sys.argv else None
if TOTAL is not None:
    argv.remove(str(TOTAL))
LIMIT = TOTAL if "--stop" in sys.argv else None
PROTO = 0 if TCP else IPPROTO_MPTCP


def meter(read):
    h = hashlib.sha256()
    n, first, last, gap, gap_at, first_wall, last_wall = 0, None, None, 0.0, 0.0, 0.0, 0.0
    marks = [TOTAL // 10, TOTAL - TOTAL // 10] if TOTAL else []
    mark_wall = []
    while LIMIT is None or n < LIMIT:
        b = read(1 << 20)
        if not b:
            break
        t = time.monotonic()
        last_wall = time.time()
        if first is None:
            first, first_wall = t, last_wall
        elif t - last > gap:
            gap, gap_at = t - last, last - first
        last = t
        n += len(b)
        while len(mark_wall) < len(marks) and n >= marks[len(mark_wall)]:
            mark_wall.append(last_wall)
        if HASH:
            h.update(b)
    span = (last - first) if first is not None else 0.0
    print(json.dumps({"bytes": n, "sha256": h.hexdigest() if HASH else "", "maxGapMs": round(gap * 1000, 1), "gapAtS": round(gap_at, 2),
                      "seconds": round(span, 4), "firstWall": first_wall, "lastWall": last_wall, "markWall": mark_wall}), flush=True)


mode = argv[0]
if mode == "stdin":
    meter(lambda k: os.read(0, k))
elif mode == "mptcp-server":
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, PROTO)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(argv[1])))
    s.listen(1)
    print("ready", file=sys.stderr, flush=True)
    c, _ = s.accept()
    meter(c.recv)
elif mode == "mptcp-client":
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM, PROTO)
    c.connect((argv[1], int(argv[2])))
    with open(argv[3], "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            c.sendall(b)
    c.shutdown(socket.SHUT_WR)
    c.recv(1)
