"""`beweegkaart build`: validate the offers, then build the static site into site/."""

import sys
from pathlib import Path

from ..pipeline import BuildError, build_site
from .common import date_arg

HELP = "validate the offers and build the static site (only what changed since the last build)"


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
    parser.add_argument("--cache-dir", type=Path,
                        help="build cache (default: .beweegkaart-cache/ next to mkdocs.yml)")


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
    try:
        report = build_site(args.offers, args.site_dir, args.config, today=args.today,
                            progress=say, cache_dir=args.cache_dir)
    except BuildError as exc:
        for problem in exc.problems:
            print(problem.format())
        say(f"Bouwen gestopt: {exc}. Los de fouten hierboven op en probeer het opnieuw.")
        return 1
    for problem in report["problems"]:
        print(problem.format())
    say(f"Klaar in {report['total_s']:.1f} s: {report['offers']} aanbodpagina's "
        f"({report['rendered']} opnieuw opgemaakt), {report['pages']} pagina's in totaal, "
        f"{report['written']} bestanden geschreven, in {args.site_dir}/")
    return 0
