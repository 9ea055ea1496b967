#!/usr/bin/env python3
"""Times the real console binary from exec to its first frame.

Runs `avain --demo` in a pseudo-terminal (80x24, TERM=xterm-256color),
waits until the header is on the screen, quits with Ctrl-C, and prints the
times. Usage: scripts/console-cold-start.py [BINARY] [RUNS]
(AVAIN_DATA_DIR selects the demo; build one with `avain demo --no-console
--accounts 1000000` for the 1M figure).
"""
import os, pty, select, statistics, struct, sys, time, fcntl, termios

binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/avain"
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 10


def once():
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm-256color"
        os.execv(binary, [binary, "--demo", "--lang", "en"])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    seen = b""
    first = None
    while first is None:
        ready, _, _ = select.select([fd], [], [], 10)
        if not ready:
            raise SystemExit("no first frame within 10 s: " + seen.decode(errors="replace")[-500:])
        chunk = os.read(fd, 65536)
        seen += chunk
        if b"Search" in seen and b"Act" in seen:
            first = time.perf_counter() - start
    os.write(fd, b"\x03")  # Ctrl-C: the search field has the cursor
    while True:
        try:
            ready, _, _ = select.select([fd], [], [], 5)
            if not ready or not os.read(fd, 65536):
                break
        except OSError:
            break
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    if status != 0:
        raise SystemExit(f"avain exited with status {status}")
    return first * 1000


times = [once() for _ in range(runs)]
print(f"exec to first frame over {runs} runs: median {statistics.median(times):.1f} ms, "
      f"worst {max(times):.1f} ms, first {times[0]:.1f} ms")
