"""Console capture survives a crash (issue 16, item 3): what the program wrote is still shown.

With console capture on, parity_driver --crash=<how> writes "burst 0" .. "burst 2999" straight to
fd 1 (one write(2) per line) and dies at once: SIGKILL, abort() or SIGSEGV. Whatever reads the
program's original stdout (here this script, through a pipe with WANDB_CONSOLE=wrap, or through a
pseudo-terminal with WANDB_CONSOLE=auto) must receive every one of those lines, in order: bytes the
program handed to the kernel are not lost because the program died before its capture copied them.
The original stdout must also reach EOF soon after the death (nothing captured outlives the
program's output descriptors). The program's own pid is the only process killed.

usage: test_console_crash.py <wandb_parity_driver> <libnvml_stub.so>
"""
import os
import pty
import select
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "wandb"))
from wandb_oracle import Checker, clean_env, tempdir  # noqa: E402

LINES = 3000
DEATHS = {"kill": -signal.SIGKILL, "abort": -signal.SIGABRT, "segv": -signal.SIGSEGV}


def env_for(work, stub, console):
    env = clean_env(work)
    env.update(VITALS_NVML_LIBRARY=stub, WANDB_X_STATS_SAMPLING_INTERVAL="0", WANDB_CONSOLE=console)
    return env


def runs_dir(work):
    d = os.path.join(work, f"runs{len(os.listdir(work))}")
    os.makedirs(d)
    return d


def read_until_eof(fd, seconds=30):
    """Everything readable from fd until EOF (or EIO: a pty whose last slave closed); None on timeout."""
    data, end = b"", time.monotonic() + seconds
    while True:
        r, _, _ = select.select([fd], [], [], max(0.0, end - time.monotonic()))
        if not r:
            return None
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return data
        if not chunk:
            return data
        data += chunk


def crash_in_pipe(driver, stub, work, how):
    p = subprocess.Popen([driver, runs_dir(work), "0", f"--crash={how}"], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, env=env_for(work, stub, "wrap"), cwd=work)
    shown = read_until_eof(p.stdout.fileno())
    p.stdout.close()
    return p.wait(timeout=30), shown


def crash_in_terminal(driver, stub, work, how):
    master, slave = pty.openpty()
    p = subprocess.Popen([driver, runs_dir(work), "0", f"--crash={how}"], stdin=slave, stdout=slave,
                         stderr=subprocess.DEVNULL, env=env_for(work, stub, "auto"), cwd=work)
    os.close(slave)
    shown = read_until_eof(master)
    os.close(master)
    return p.wait(timeout=30), shown


def check_burst(c, what, status, shown, how):
    c.check(status == DEATHS[how], f"{what}: the driver ended with {status}, not {DEATHS[how]}")
    if shown is None:
        c.check(False, f"{what}: the original stdout did not reach EOF within 30 s of the crash")
        return
    lines = [l.rstrip("\r") for l in shown.decode(errors="replace").split("\n")]
    c.check(lines[0].startswith("isatty="), f"{what}: first line {lines[0]!r}")
    burst = [l for l in lines if l.startswith("burst ")]
    want = [f"burst {i}" for i in range(LINES)]
    if burst != want:
        got = len(burst)
        last = burst[-1] if burst else None
        c.check(False, f"{what}: {got} of {LINES} burst lines reached the original stdout (last {last!r})")


def main():
    driver, stub = sys.argv[1], sys.argv[2]
    c = Checker()
    work = tempdir()
    for how in ("kill", "abort", "segv"):
        status, shown = crash_in_pipe(driver, stub, work, how)
        check_burst(c, f"wrap, stdout a pipe, {how}", status, shown, how)
        if shown:
            c.check(shown.startswith(b"isatty=0\n"), f"wrap under a pipe: {shown[:40]!r}")
    for how in ("kill", "segv"):
        status, shown = crash_in_terminal(driver, stub, work, how)
        check_burst(c, f"auto, stdout a terminal, {how}", status, shown, how)
        if shown:
            c.check(shown.startswith(b"isatty=1\r\n"), f"auto under a terminal keeps a terminal: {shown[:40]!r}")
    return c.done("wandb_parity_console_crash", work)


if __name__ == "__main__":
    sys.exit(main())
