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
    parser.add_argument(
        "--site-url",
        help="public URL of the site, for offer links and ids (default: site_url in --config)",
    )
    parser.add_argument(
        "--config", type=Path, default=Path("mkdocs.yml"),
        help="MkDocs configuration to read site_url from (default: mkdocs.yml)",
    )
    parser.add_argument("--today", type=date_arg, help="leave out offers expired before this date")


def configured_site_url(config: Path) -> str:
    """`site_url` from the MkDocs configuration, or '' when the file or the setting is absent."""
    from mkdocs.utils.yaml import yaml_load

    if not config.is_file():
        return ""
    with config.open(encoding="utf-8") as f:
        return str((yaml_load(f) or {}).get("site_url") or "").rstrip("/")


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
    site_url = args.site_url if args.site_url is not None else configured_site_url(args.config)
    if not site_url:
        print(f"beweegkaart export: no site_url in {args.config} and no --site-url given; "
              "offer links and ids stay relative (OpenActive needs absolute ones)",
              file=sys.stderr)
    try:
        files = export_catalogue(offers, args.out, load_reference(), site_url=site_url)
    except ExportError as exc:
        print(f"beweegkaart export: {exc}", file=sys.stderr)
        return 1
    for path in files.values():
        print(path)
    print(f"{len(offers)} offers exported to {args.out}", file=sys.stderr)
    return 0
