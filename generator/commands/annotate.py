"""`beweegkaart annotate`: check changed offer files and print GitHub annotations."""

import os
import sys
from pathlib import Path

from ..catalogue.load import load_catalogue
from ..contrib.annotations import annotation, step_summary
from .common import date_arg

HELP = "check offer files and print each problem as a GitHub ::error/::warning annotation"


def add_arguments(parser):
    """Arguments of `beweegkaart annotate`."""
    parser.add_argument("paths", nargs="*", type=Path,
                        help="changed offer files (e.g. from git diff); none: nothing to check")
    parser.add_argument("--today", type=date_arg,
                        help="date to check review dates against, YYYY-MM-DD (default: today)")


def run(args) -> int:
    """Print one annotation per problem; exit 1 on any error."""
    paths = [p for p in args.paths if p.suffix in (".yaml", ".yml")]
    gone = [p for p in paths if not p.exists()]
    paths = [p for p in paths if p.exists()]  # deleted files need no checking
    if gone:
        print(f"skipped (deleted): {', '.join(map(str, gone))}", file=sys.stderr)
    if not paths:
        print("no offer files to check", file=sys.stderr)
        return 0
    catalogue = load_catalogue(paths, today=args.today)
    for problem in catalogue.problems:
        print(annotation(problem))
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_file:
        with open(summary_file, "a", encoding="utf-8") as f:
            f.write(step_summary(catalogue.problems, catalogue.files))
    print(f"{catalogue.files} file(s) checked: {len(catalogue.errors)} error(s), "
          f"{len(catalogue.warnings)} warning(s)", file=sys.stderr)
    return 1 if catalogue.errors else 0
