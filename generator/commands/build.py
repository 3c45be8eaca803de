"""`beweegkaart build`: validate the offers, then build the static site into site/."""

import sys
from pathlib import Path

from ..catalogue.load import load_catalogue
from ..pipeline import BuildError, build_site
from .common import date_arg, progress_printer

HELP = "validate the offers and build the static site"


def add_arguments(parser):
    """Arguments of `beweegkaart build`."""
    parser.add_argument("--offers", type=Path, default=Path("offers"),
                        help="folder with the offer files (default: offers/)")
    parser.add_argument("--site-dir", type=Path, default=Path("site"),
                        help="output folder (default: site/)")
    parser.add_argument("--config", type=Path, default=Path("mkdocs.yml"),
                        help="MkDocs configuration (default: mkdocs.yml)")
    parser.add_argument("--today", type=date_arg,
                        help="date for review and expiry checks, YYYY-MM-DD (default: today)")


def say(message: str) -> None:
    """Progress on stderr."""
    print(message, file=sys.stderr, flush=True)


def run(args) -> int:
    """Validate, print the validator's messages, stop on errors, else build."""
    for path in (args.offers, args.config):
        if not path.exists():
            print(f"beweegkaart: not found: {path}", file=sys.stderr)
            return 2
    say(f"aanbod controleren in {args.offers}/ ...")
    catalogue = load_catalogue([args.offers], today=args.today,
                               progress=progress_printer("controleren"))
    for problem in catalogue.problems:
        print(problem.format())
    try:
        report = build_site(args.offers, args.site_dir, args.config, today=args.today,
                            progress=say, catalogue=catalogue)
    except BuildError as exc:
        say(f"Bouwen gestopt: {exc}. Los de fouten hierboven op en probeer het opnieuw.")
        return 1
    say(f"Klaar in {report['total_s']:.1f} s: {report['offers']} aanbodpagina's, "
        f"{report['pages']} pagina's in totaal, in {args.site_dir}/")
    return 0
