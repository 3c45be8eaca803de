"""Shared benchmark helpers: synthetic catalogues cached per size, timing, table output."""

import datetime as dt
import functools
import http.server
import os
import resource
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from generator.catalogue.load import find_offer_files
from generator.contrib.synth import synth_catalogue

TODAY = dt.date(2026, 11, 22)


def synthetic(workdir: Path, count: int) -> Path:
    """A synthetic catalogue of `count` offers under workdir (written once, then reused)."""
    folder = workdir / f"synth-{count}"
    done = folder / ".complete"
    if not done.exists():
        if folder.exists():
            import shutil

            shutil.rmtree(folder)
        synth_catalogue(count, folder / "offers", seed=1, today=TODAY)
        done.touch()
    return folder / "offers"


def timed(function, *args, **kwargs) -> tuple[float, object]:
    """(seconds, result) of one call."""
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def table(header: list[str], rows: list[list]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def size_label(count: int) -> str:
    """1000 -> '1k'."""
    return f"{count // 1000}k" if count >= 1000 and count % 1000 == 0 else str(count)


def warm(folder: Path) -> None:
    """Read every file once, so each run measures the work and not a cold disk cache."""
    for path, _root in find_offer_files([folder]):
        path.read_bytes()


# Settling the disk before a timed build. ext4 without a journal (as on the benchmark
# machine) passes over recently freed inodes when it makes a new file: for 60 s after the
# free, and for 360 s while the inode table block is dirty (fs/ext4/ialloc.c,
# recently_deleted: RECENTCY_MIN, RECENTCY_DIRTY), and making new files dirties it again. So
# for about six minutes after a big folder was deleted (a test run, an earlier benchmark),
# each new file cost ~130-600 µs of system time here instead of ~25 µs: a 50k build then
# took 5-10 s longer. That is the disk recovering, not the build, so a timed build first
# waits until a probe of new files costs what it costs on a settled disk.
PROBE_FOLDERS, PROBE_FILES = 100, 10  # 1,100 new inodes per probe, laid out like the site
SETTLED_US = 60  # system time per new inode at most (settled: ~25 µs; after deletions: 130+)
SETTLE_WAIT_S, SETTLE_LIMIT_S = 20, 420


def probe_us(workdir: Path) -> float:
    """µs of system time per new inode, making a probe folder of folders with small files
    under workdir (kept, not deleted: deleting would start the window again)."""
    probe = workdir / "trash" / f"probe-{time.time_ns()}"
    probe.mkdir(parents=True)
    start = resource.getrusage(resource.RUSAGE_SELF).ru_stime
    for i in range(PROBE_FOLDERS):
        folder = probe / str(i)
        folder.mkdir()
        for j in range(PROBE_FILES):
            (folder / f"{j}.html").write_bytes(b"x" * 4096)
    spent = resource.getrusage(resource.RUSAGE_SELF).ru_stime - start
    return spent / (PROBE_FOLDERS * (PROBE_FILES + 1)) * 1e6


def settle_disk(workdir: Path, say=print, wait_s: float = SETTLE_WAIT_S,
                limit_s: float = SETTLE_LIMIT_S) -> tuple[float, float]:
    """Write out what is pending, then wait (at most limit_s) until new files under workdir
    cost at most SETTLED_US each; return (seconds waited, the last probe's µs per inode)."""
    os.sync()
    started = time.monotonic()
    cost = probe_us(workdir)
    while cost > SETTLED_US and time.monotonic() - started < limit_s:
        say(f"  (disk not settled: a new file costs {cost:.0f} µs of system time, "
            f"~25 µs when settled; files deleted in the last minutes; waiting {wait_s:.0f} s)",
            file=sys.stderr)
        time.sleep(wait_s)
        os.sync()
        cost = probe_us(workdir)
    waited = time.monotonic() - started
    if cost > SETTLED_US:
        say(f"  (disk still not settled after {waited:.0f} s: {cost:.0f} µs per new file; "
            "this build's time includes that)", file=sys.stderr)
    return waited, cost


class StaticServer(http.server.ThreadingHTTPServer):
    """A threading HTTP server that does not print a traceback when a browser closes a
    connection early (a page closed while a file was on its way)."""

    def handle_error(self, request, client_address):
        """Drop closed connections quietly; report anything else as usual."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextmanager
def served(folder: Path, handler: type = http.server.SimpleHTTPRequestHandler):
    """Serve a folder on 127.0.0.1 (a free port) with `handler`; yield its base URL."""
    server = StaticServer(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
