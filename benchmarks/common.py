"""Shared benchmark helpers: synthetic catalogues cached per size, timing, table output."""

import datetime as dt
import functools
import http.server
import os
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


SETTLE_S = 6  # ext4 without a journal skips inodes freed in the last 5 s (clean buffers)


def warm(folder: Path) -> None:
    """Read every file once, so each run measures the work and not a cold disk cache; then
    write out what is pending and wait a moment, so files deleted just before (a test run,
    an earlier benchmark) do not count as this run's time: until their inode table is written
    back, ext4 without a journal passes over inodes freed in the last 5 minutes when it makes
    new files (see docs/architecture.md)."""
    for path, _root in find_offer_files([folder]):
        path.read_bytes()
    os.sync()
    time.sleep(SETTLE_S)


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
