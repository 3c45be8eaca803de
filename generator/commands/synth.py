"""`beweegkaart synth`: write a valid synthetic catalogue of any size, for benchmarks."""

import sys
from pathlib import Path

from ..contrib.synth import synth_catalogue
from .common import date_arg, progress_printer

HELP = "write a synthetic catalogue of N valid offers spread over the country"


def add_arguments(parser):
    """Arguments of `beweegkaart synth`."""
    parser.add_argument("--count", type=int, required=True, help="number of offers to write")
    parser.add_argument(
        "--out", type=Path, required=True, help="folder to write <gemeente>/<slug>.yaml files into"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1: repeatable)")
    parser.add_argument("--today", type=date_arg, help="review dates are set before this date")


def run(args) -> int:
    """Write the catalogue and say where it went."""
    if args.count < 1:
        print("beweegkaart synth: --count must be at least 1", file=sys.stderr)
        return 2
    if args.out.exists() and any(args.out.iterdir()):
        print(
            f"beweegkaart synth: {args.out} is not empty; choose an empty or new folder",
            file=sys.stderr,
        )
        return 2
    written = synth_catalogue(
        args.count, args.out, seed=args.seed, today=args.today, progress=progress_printer("writing")
    )
    print(f"{written} offers written to {args.out}", file=sys.stderr)
    return 0
