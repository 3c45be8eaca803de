"""`beweegkaart import`: convert a spreadsheet (CSV/XLSX) into offer files."""

import argparse
import sys
from pathlib import Path

from ..contrib.importer import MappingError, import_spreadsheet
from .common import date_arg, progress_printer

HELP = "convert a CSV or XLSX spreadsheet into one offer file per row"

MAPPING_EXAMPLE = """mapping file example (YAML):
  kolommen:                 # field: column name in the spreadsheet
    titel: Naam activiteit
    locatie.postcode: Postcode
    activiteiten: Activiteit    # lists split on ; or ,
    rooster: Tijden             # e.g. "di 10:00-11:00; do 19:30-20:30"
  vast:                     # the same value for every row
    controle.door: Gemeente Voorbeeld
    controle.gecontroleerd_op: 2026-11-01
  waarden:                  # optional translations per field
    activiteiten: {Wandelen: wandelen}
"""


def add_arguments(parser):
    """Arguments of `beweegkaart import`."""
    parser.epilog = MAPPING_EXAMPLE
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("file", type=Path, help="the spreadsheet (.csv or .xlsx)")
    parser.add_argument("--mapping", type=Path, required=True, help="mapping file (YAML)")
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        help="catalogue folder to write <gemeente>/<slug>.yaml files into",
    )
    parser.add_argument("--today", type=date_arg, help="date to check review dates against")


def run(args) -> int:
    """Import, print every refused row with its reason, then a summary."""
    for path in (args.file, args.mapping):
        if not path.is_file():
            print(f"beweegkaart import: not found: {path}", file=sys.stderr)
            return 2
    try:
        result = import_spreadsheet(
            args.file,
            args.mapping,
            args.out,
            today=args.today,
            progress=progress_printer("importing"),
        )
    except MappingError as exc:
        print(f"beweegkaart import: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001  (an unreadable spreadsheet is the user's input)
        print(f"beweegkaart import: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    for number, reason in result.refused:
        print(f"{args.file}: rij {number}: {reason}")
    print(
        f"{result.rows} rijen gelezen: {len(result.written)} aanbod-bestanden geschreven in "
        f"{args.out}, {len(result.refused)} rij(en) niet omgezet.",
        file=sys.stderr,
    )
    return 1 if result.refused else 0
