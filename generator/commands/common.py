"""Small helpers shared by the sub-commands."""

import argparse
import datetime as dt
import sys
from pathlib import Path


def date_arg(value: str) -> dt.date:
    """argparse type for YYYY-MM-DD dates."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {value!r}") from None


def progress_printer(label: str):
    """A progress callback that rewrites one stderr line (only on a terminal)."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        print(
            f"\r{label}: {done}/{total}",
            end="" if done < total else "\n",
            file=sys.stderr,
            flush=True,
        )

    return show


def add_paths_argument(parser) -> None:
    """The offer files or folders a command reads (default: offers/)."""
    parser.add_argument("paths", nargs="*", type=Path, default=[Path("offers")],
                        help="offer files or folders (default: offers/)")
