#!/usr/bin/env python3
"""A wire with one-way propagation delay between two network namespaces (the kernel here has no netem).

    delay-link.py NS_A TAP_A NS_B TAP_B DELAY_MS [QUEUE_BYTES]

Attaches to two persistent TAP devices (`ip tuntap add mode tap`), TAP_A inside namespace NS_A and TAP_B
inside NS_B, and copies every Ethernet frame from one to the other, releasing it DELAY_MS after it was
read. Frames keep their order. Each direction holds at most QUEUE_BYTES (default 8 MiB) in flight; a frame
beyond that is dropped, as a router's full queue would. Shape the rate with tbf on the TAP devices.
TAP devices without offloads hand the forwarder frames of at most the MTU, so no GSO handling is needed.
Prints "ready" once both devices are attached; exits when its parent dies or on SIGTERM.
"""
import collections
import ctypes
import fcntl
import os
import select
import signal
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1

libc = ctypes.CDLL(None, use_errno=True)


def enter(ns: str) -> None:
    fd = os.open(f"/run/netns/{ns}", os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns {ns}")
    finally:
        os.close(fd)


def attach(ns: str, name: str) -> int:
    enter(ns)
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH22x", name.encode(), IFF_TAP | IFF_NO_PI))
    return fd


def main() -> None:
    ns_a, tap_a, ns_b, tap_b, delay_ms = sys.argv[1:6]
    limit = int(sys.argv[6]) if len(sys.argv) > 6 else 8 << 20
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    delay = float(delay_ms) / 1000.0
    fa = attach(ns_a, tap_a)
    fb = attach(ns_b, tap_b)
    # Per direction: frames in flight (release time, bytes), queued bytes.
    queues = {fa: collections.deque(), fb: collections.deque()}
    queued = {fa: 0, fb: 0}
    other = {fa: fb, fb: fa}
    print("ready", flush=True)
    now = time.monotonic
    while True:
        due = [q[0][0] for q in queues.values() if q]
        timeout = max(0.0, min(due) - now()) if due else None
        readable, _, _ = select.select([fa, fb], [], [], timeout)
        t = now()
        for fd in readable:
            q = queues[fd]
            for _ in range(256):  # drain what is there, bounded so the other direction is served too
                try:
                    frame = os.read(fd, 65536)
                except BlockingIOError:
                    break
                if queued[fd] + len(frame) > limit:
                    continue
                q.append((t + delay, frame))
                queued[fd] += len(frame)
        t = now()
        for src, q in queues.items():
            dst = other[src]
            while q and q[0][0] <= t:
                _, frame = q.popleft()
                queued[src] -= len(frame)
                try:
                    os.write(dst, frame)
                except (BlockingIOError, OSError):
                    pass  # the receiving side's queue is full or the device is down: the frame is lost


if __name__ == "__main__":
    main()
