#!/usr/bin/env python3
"""Runs a program on a real pseudo-terminal and records what it shows, with the time of each piece.

    pty_record.py RECORD.json -- PROGRAM [ARGUMENT...]

RECORD.json gets {"status": N, "chunks": [[SECONDS, TEXT], ...]}: every read from the terminal,
SECONDS since the program started, TEXT as the terminal received it (carriage returns and escape
sequences kept), so that a test can count the redraws of a progress line and time them.
The program's stdin, stdout and stderr are the terminal, 100 columns wide. Exit status: the
program's own; 124 when it runs longer than PTY_RECORD_TIMEOUT seconds (default 600; its
process group is then killed).
"""

import fcntl
import json
import os
import select
import signal
import struct
import sys
import termios
import time


def main():
    record_path = sys.argv[1]
    argv = sys.argv[sys.argv.index("--") + 1:]
    limit = float(os.environ.get("PTY_RECORD_TIMEOUT", "600"))
    pid, master = os.forkpty()
    if pid == 0:
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    started = time.monotonic()
    chunks = []
    timed_out = False
    while True:
        if time.monotonic() - started > limit:
            timed_out = True
            os.killpg(pid, signal.SIGKILL)
            break
        ready, _, _ = select.select([master], [], [], 0.2)
        if not ready:
            continue
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append([round(time.monotonic() - started, 3), data.decode("utf-8", "replace")])
    _, status = os.waitpid(pid, 0)
    code = 124 if timed_out else (os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
    with open(record_path, "w", encoding="utf-8") as handle:
        json.dump({"status": code, "chunks": chunks}, handle)
    sys.exit(code)


if __name__ == "__main__":
    main()
