"""`beweegkaart export`: write the open data (Frictionless Data Package, GeoJSON, JSON-LD)."""

import datetime as dt
import sys
from pathlib import Path

from ..catalogue.load import load_catalogue
from ..catalogue.reference import load_reference
from ..opendata.export import ExportError, export_catalogue
from .common import add_paths_argument, date_arg, progress_printer
from .validate import summary

HELP = "export all public fields as a data package (CSV), GeoJSON and JSON-LD"


def add_arguments(parser):
    """Arguments of `beweegkaart export`."""
    add_paths_argument(parser)
    parser.add_argument("--out", type=Path, required=True, help="folder to write the files into")
    parser.add_argument("--site-url", default="", help="public URL of the site, for offer links")
    parser.add_argument("--today", type=date_arg, help="leave out offers expired before this date")


def run(args) -> int:
    """Validate, then export the valid, unexpired offers."""
    catalogue = load_catalogue(
        args.paths, today=args.today, progress=progress_printer("validating")
    )
    if catalogue.errors:
        for problem in catalogue.errors:
            print(problem.format())
        print(summary(catalogue), file=sys.stderr)
        return 1
    today = args.today or dt.date.today()
    offers = [o for o in catalogue.offers if not o.expired(today)]
    try:
        files = export_catalogue(offers, args.out, load_reference(), site_url=args.site_url)
    except ExportError as exc:
        print(f"beweegkaart export: {exc}", file=sys.stderr)
        return 1
    for path in files.values():
        print(path)
    print(f"{len(offers)} offers exported to {args.out}", file=sys.stderr)
    return 0
