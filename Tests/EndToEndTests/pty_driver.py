#!/usr/bin/env python3
"""Runs a program on a real pseudo-terminal and answers its prompts, like expect(1).

    pty_driver.py SCRIPT.json TRANSCRIPT -- PROGRAM [ARGUMENT...]

SCRIPT.json is a list of steps, done in order:
    {"expect": "text", "timeout": 60}   wait until the text appears in the output (after the
                                        point the previous expect matched)
    {"send": "text"}                    type the text (a terminal's Enter is "\r")
then the program is waited for (its output read until it closes the terminal).

The program's stdin, stdout and stderr are the terminal (it leads a new session, the
terminal is its controlling one, as in a shell). The output is kept with "\r\n" as "\n".
Everything the terminal showed, input echo included, is written to TRANSCRIPT.

Exit status: the program's own; 124 when a step or the whole run timed out (the program's
process group is then killed: a hang fails the test instead of blocking it), 125 when the
program ended before the text expected appeared. Why is printed on stderr.
"""

import json
import os
import select
import signal
import sys
import time

OVERALL_SECONDS = float(os.environ.get("PTY_DRIVER_TIMEOUT", "900"))


def main():
    script_path, transcript_path = sys.argv[1], sys.argv[2]
    argv = sys.argv[sys.argv.index("--") + 1:]
    with open(script_path, encoding="utf-8") as handle:
        steps = json.load(handle)

    pid, master = os.forkpty()
    if pid == 0:
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)

    started = time.monotonic()
    output = bytearray()
    closed = False
    cursor = 0

    def text():
        return output.decode("utf-8", "replace").replace("\r\n", "\n")

    def save():
        with open(transcript_path, "w", encoding="utf-8") as handle:
            handle.write(text())

    def read_some(deadline):
        """Reads what the terminal has until deadline; False once the program closed it."""
        nonlocal closed
        remaining = max(0.0, deadline - time.monotonic())
        ready, _, _ = select.select([master], [], [], min(remaining, 0.2))
        if not ready:
            return True
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: every copy of the terminal's other side is closed
            chunk = b""
        if not chunk:
            closed = True
            return False
        output.extend(chunk)
        return True

    def give_up(status, why):
        save()
        sys.stderr.write(why + "\n--- transcript ---\n" + text() + "\n--- end ---\n")
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            os.waitpid(pid, 0)
        except OSError:
            pass
        sys.exit(status)

    for step in steps:
        if "send" in step:
            os.write(master, step["send"].encode("utf-8"))
            continue
        wanted = step["expect"]
        deadline = min(time.monotonic() + float(step.get("timeout", 60)), started + OVERALL_SECONDS)
        while True:
            found = text().find(wanted, cursor)
            if found >= 0:
                cursor = found + len(wanted)
                break
            if closed:
                give_up(125, "the program ended before %r appeared" % wanted)
            if time.monotonic() >= deadline:
                give_up(124, "timed out waiting for %r" % wanted)
            read_some(deadline)

    deadline = started + OVERALL_SECONDS
    while not closed:
        if time.monotonic() >= deadline:
            give_up(124, "timed out waiting for the program to end")
        read_some(deadline)
    # The terminal is closed; the program itself ends now or soon after.
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() >= deadline:
            give_up(124, "timed out waiting for the program to exit")
        time.sleep(0.05)
    save()
    sys.exit(os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else status >> 8)


if __name__ == "__main__":
    main()
