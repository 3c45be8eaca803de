"""`beweegkaart validate`: check offer files and report every problem at once."""

import sys
from pathlib import Path

from ..catalogue.coaches import is_coach_path, load_coaches
from ..catalogue.load import load_catalogue
from .common import add_paths_argument, date_arg, progress_printer

HELP = "check offer files and report every problem as path:line:column"


def add_arguments(parser):
    """Arguments of `beweegkaart validate`."""
    add_paths_argument(parser)
    parser.add_argument(
        "--today",
        type=date_arg,
        help="date to check review dates against, YYYY-MM-DD (default: today)",
    )
    parser.add_argument("--quiet", action="store_true", help="print errors only, no warnings")


def run(args) -> int:
    """Validate and print problems; exit 1 on any error."""
    missing = [p for p in args.paths if not p.exists()]
    if missing:
        print(f"beweegkaart: not found: {', '.join(map(str, missing))}", file=sys.stderr)
        return 2
    coach_paths = [p for p in args.paths if is_coach_path(p)]
    if args.paths == [Path("offers")] and Path("coaches").is_dir():
        coach_paths = [Path("coaches")]  # the default checks the whole catalogue
    offer_paths = [p for p in args.paths if not is_coach_path(p)]
    catalogue = load_catalogue(
        offer_paths, today=args.today, keep_offers=False, progress=progress_printer("validating")
    )
    coaches = load_coaches(coach_paths, today=args.today)
    catalogue.problems += coaches.problems
    catalogue.files += coaches.files
    for problem in catalogue.problems:
        if problem.severity == "error" or not args.quiet:
            print(problem.format())
    print(summary(catalogue), file=sys.stderr)
    return 1 if catalogue.errors else 0


def summary(catalogue) -> str:
    """One Dutch line with the counts of files, errors and warnings."""
    bad_files = len({p.path for p in catalogue.errors})
    return (
        f"{catalogue.files} bestanden gecontroleerd: {len(catalogue.errors)} fout(en) in "
        f"{bad_files} bestand(en), {len(catalogue.warnings)} waarschuwing(en)."
    )
