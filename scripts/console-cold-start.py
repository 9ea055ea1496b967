#!/usr/bin/env python3
"""Times the real console binary from exec to its first frame.

Runs `avain --demo` in a pseudo-terminal (80x24, TERM=xterm-256color),
waits until the header is on the screen, quits with Ctrl-C, and prints the
times; then one more session types searches, opens an account and reads
the process's peak resident memory (VmHWM). Usage:
scripts/console-cold-start.py [BINARY] [RUNS]
(AVAIN_DATA_DIR selects the demo; build one with `avain demo --no-console
--accounts 1000000` for the 1M figure).
"""
import os, pty, select, statistics, struct, sys, time, fcntl, termios

binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/avain"
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 10


def start_console():
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm-256color"
        os.execv(binary, [binary, "--demo", "--lang", "en"])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    return pid, fd


def read_until(fd, needles, seen=b"", timeout=10):
    """Reads the screen stream until every needle has appeared after `seen`."""
    out = b""
    deadline = time.perf_counter() + timeout
    while not all(n in out for n in needles):
        left = deadline - time.perf_counter()
        ready, _, _ = select.select([fd], [], [], max(left, 0))
        if not ready:
            raise SystemExit("timed out waiting for %r: %s" % (needles, out.decode(errors="replace")[-500:]))
        out += os.read(fd, 65536)
    return out


def quit_console(pid, fd):
    """Ctrl-C until the console exits (its end of the terminal closes). On
    a loaded machine a key sent just after Esc can arrive in the same read
    and be taken as Alt+key, so one Ctrl-C is not always enough."""
    closed = False
    for _ in range(5):
        try:
            os.write(fd, b"\x03")  # Ctrl-C: the search field has the cursor
        except OSError:
            closed = True
        deadline = time.perf_counter() + 2
        while not closed and time.perf_counter() < deadline:
            try:
                ready, _, _ = select.select([fd], [], [], 0.2)
                closed = bool(ready) and not os.read(fd, 65536)
            except OSError:
                closed = True
        if closed:
            break
    else:
        os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    if status != 0:
        raise SystemExit(f"avain did not quit on Ctrl-C (status {status})")


def peak_rss_mib():
    """Peak RSS after a desk's worth of work: searches typed key by key,
    an account opened, back to searching."""
    pid, fd = start_console()
    read_until(fd, [b"Search", b"Act"])
    for query in ["virt", "mäki", "aino k", "lind", "2900", "kors"]:
        for ch in query:
            os.write(fd, ch.encode())
            time.sleep(0.02)
        time.sleep(0.3)
        os.write(fd, b"\x7f" * len(query))
        time.sleep(0.1)
    os.write(fd, "virt".encode())
    time.sleep(0.3)
    os.write(fd, b"\r")  # open the top result
    time.sleep(0.5)
    with open(f"/proc/{pid}/status") as f:
        fields = dict(line.split(":", 1) for line in f if ":" in line)
    hwm_kib = int(fields["VmHWM"].split()[0])
    os.write(fd, b"\x1b")
    time.sleep(0.5)
    quit_console(pid, fd)
    return hwm_kib / 1024


def once():
    start = time.perf_counter()
    pid, fd = start_console()
    read_until(fd, [b"Search", b"Act"])
    first = time.perf_counter() - start
    quit_console(pid, fd)
    return first * 1000


times = [once() for _ in range(runs)]
print(f"exec to first frame over {runs} runs: median {statistics.median(times):.1f} ms, "
      f"worst {max(times):.1f} ms, first {times[0]:.1f} ms")
print(f"peak RSS (VmHWM) after 6 searches typed key by key and an account opened: {peak_rss_mib():.1f} MiB")
