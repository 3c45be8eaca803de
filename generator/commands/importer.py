"""`beweegkaart import`: convert a spreadsheet (CSV/XLSX) into offer files, or update them."""

import argparse
import sys
from pathlib import Path

from ..contrib.importer import (
    MappingError,
    columns_of,
    import_spreadsheet,
    read_mapping,
    read_rows,
    write_refused,
)
from .common import date_arg, progress_printer

SHOWN = 20  # files listed by name in the summary
HELP = "convert a CSV or XLSX spreadsheet into one offer file per row (re-run: update them)"

MAPPING_EXAMPLE = """\
A mapping file (YAML) says how the sheet's columns become offer fields. A full example, for a
sheet with the columns Sport, Naam vereniging, Website, Accommodatie, Adres, Postcode, Plaats,
Aangepast sporten, KvK-nummer, Breedtegraad and Lengtegraad:

  kolommen:                   # field: column name, or a template combining columns
    titel: "{Sport} bij {Naam vereniging}"
    beschrijving: "{Sport} bij {Naam vereniging} in {Plaats}. Vraag de club naar tijden en kosten."
    aanbieder.naam: Naam vereniging
    aanbieder.website: Website          # www.club.nl becomes https://www.club.nl (host checked)
    activiteiten: Sport                 # words, synonyms find the activity (pingpong: tafeltennis)
    locatie.naam: Accommodatie
    locatie.adres: Adres
    locatie.postcode: Postcode
    locatie.plaats: Plaats
    locatie.coordinaten.lat: Breedtegraad   # exact places, if the sheet has them
    locatie.coordinaten.lon: Lengtegraad
    toegankelijkheid.aangepast_sporten: Aangepast sporten   # ja / nee / empty = unknown
    rooster: Tijden                     # e.g. "di 10:00-11:00; do 19:30-20:30"
  vast:                       # the same value for every row
    verwijzen.mogelijk: nee
  waarden:                    # translations per field, before anything else
    activiteiten: {"Fitness / Bootcamp": [fitness, bootcamp], Skate: skateboarden}
  overslaan:                  # values to leave out on purpose (the field stays unknown)
    activiteiten: [Overig]              # a row left with no activity is skipped, not refused
    aanbieder.website: ["zie Facebook", "n.v.t."]
  scheidingsteken: "[;,/]"    # how list cells are split (default: ; or ,)
  bron: Sportaanbieders gemeente Amsterdam   # shown on the page until a curator reviews it
  bron_datum: 2019-06-01
  sleutel: [KvK-nummer, Sport]    # columns that identify a row across imports

Anything not in the sheet (price, times, accessibility) stays unknown: the page then says
"Onbekend: vraag het de aanbieder". Leave 'controle' out: a curator adds it after checking.
CSV (comma or semicolon) and XLSX are both read. Coordinates are WGS84 (a decimal comma is read
as a point); a point outside the Netherlands, with lat and lon swapped, or more than 5 km from
its postcode refuses the row. Without them an offer sits on its postcode's centre.

Running the import again with the same 'bron' updates the files it wrote (found by 'sleutel';
without 'sleutel' a row is identified by all its mapped cells): new rows are added, changed rows
rewritten, unchanged ones left alone, files a curator has reviewed ('controle') never touched.
Rows that disappeared from the sheet are listed; --remove-missing deletes their files.
Each refused row is printed as "FILE: rij N, kolom 'X': field: message (got VALUE)", then a
count per reason. Refused rows are written to a CSV (--refused) with 'importrij' and 'reden'
columns: fix them there and import that file with the same mapping (without --remove-missing).
A worked example with a 636-row sheet: README.md, "Importing a municipality's spreadsheet".
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
    parser.add_argument(
        "--refused",
        type=Path,
        help="CSV to write the refused rows to (default: <file>-geweigerd.csv next to the file)",
    )
    parser.add_argument(
        "--remove-missing", action="store_true",
        help="delete files of rows no longer in the sheet (default: only list them)",
    )
    parser.add_argument("--today", type=date_arg, help="date to check review dates against")


def run(args) -> int:
    """Import, print every refused row with its reason, then a summary per reason."""
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
            remove_missing=args.remove_missing,
        )
    except MappingError as exc:
        print(f"beweegkaart import: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001  (an unreadable spreadsheet is the user's input)
        print(f"beweegkaart import: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    mapping = read_mapping(args.mapping)
    for number, reason in result.refused:
        columns = columns_of(reason, mapping)
        label = "kolom" if len(columns) == 1 else "kolommen"
        where = f", {label} {', '.join(repr(c) for c in columns)}" if columns else ""
        print(f"{args.file}: rij {number}{where}: {reason}")
    for number, reason in result.skipped:
        print(f"{args.file}: rij {number}: overgeslagen: {reason}")
    print(summary(result, args), file=sys.stderr)
    if result.refused:
        refused = args.refused or args.file.with_name(f"{args.file.stem}-geweigerd.csv")
        columns = list(read_rows(args.file)[0][1]) if result.rows else []
        write_refused(result, refused, columns)
        print(f"Geweigerde rijen staan in {refused}: verbeter ze daar en importeer dat bestand "
              "opnieuw met dezelfde mapping.", file=sys.stderr)
    return 1 if result.refused else 0


def summary(result, args) -> str:
    """Counts per outcome, per refusal reason, per repair, and the activities found."""
    lines = [
        f"{result.rows} rijen gelezen: {len(result.added)} nieuw, {len(result.updated)} "
        f"bijgewerkt, {len(result.unchanged)} ongewijzigd, {len(result.reviewed)} al "
        f"gecontroleerd (niet overschreven), {len(result.skipped)} overgeslagen, "
        f"{len(result.refused)} geweigerd; in {args.out}.",
    ]
    if result.refused:
        lines.append("Geweigerd, per reden:")
        lines += [f"  {count:5}  {reason}" for reason, count in result.reasons().most_common()]
    if result.repairs:
        lines.append("Hersteld:")
        lines += [f"  {count:5}  {what}" for what, count in result.repairs.most_common()]
    found = {v: c for v, c in result.activities.items()}
    known = sorted(v for v, c in found.items() if c != "onbekend" and
                   not c.startswith("niet in de lijst"))
    lines.append(f"Activiteiten: {len(known)} van {len(found)} waarden gevonden"
                 + (f"; niet gevonden: {', '.join(sorted(set(found) - set(known)))}"
                    if len(known) < len(found) else "") + ".")
    if result.missing:
        verb = "verwijderd" if result.removed else "niet meer in de lijst (--remove-missing " \
            "verwijdert ze)"
        lines.append(f"{len(result.missing)} eerder geïmporteerde bestand(en) {verb}:")
        lines += [f"  {path}" for path in result.missing[:SHOWN]]
        if len(result.missing) > SHOWN:
            lines.append(f"  ... en nog {len(result.missing) - SHOWN}")
    return "\n".join(lines)
