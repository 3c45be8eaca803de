"""`beweegkaart docs`: regenerate the parts of the docs that come from the schema.

Writes, from the one schema: the field reference and example messages between markers in
CONTRIBUTING.md and content/voor-aanbieders.md, schema/aanbod.schema.json, and the issue form.
`--check` only compares, and exits 1 when something is out of date (used in CI and tests).
"""

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

from ..catalogue.reference import REFERENCE_DIR, load_reference
from ..catalogue.schema import json_schema
from ..contrib import messagedocs
from ..contrib.fielddocs import field_reference
from ..contrib.questions import issue_form_yaml

HELP = "regenerate the field docs, JSON Schema and issue form from the schema (--check: compare)"

TEMPLATE = "offer-template.yaml"
BEGIN = "<!-- BEGIN GENERATED {name}: edit with `beweegkaart docs`, not by hand -->"
END = "<!-- END GENERATED {name} -->"


def template_section(root: Path) -> str:
    """The offer template as a fenced YAML block."""
    return "```yaml\n" + (root / TEMPLATE).read_text("utf-8").rstrip() + "\n```\n"


def sections(root: Path) -> dict[str, dict[str, Callable[[], str]]]:
    """Per Markdown file, the generated sections by name."""
    template = root / TEMPLATE
    return {
        "CONTRIBUTING.md": {
            "sjabloon": lambda: template_section(root),
            "velden": lambda: field_reference(template, level=3),
            "meldingen": lambda: messagedocs.render_markdown(template, level=3),
        },
        "content/voor-aanbieders.md": {
            "velden": lambda: field_reference(template, level=3),
        },
    }


def whole_files() -> dict[str, Callable[[], str]]:
    """Files that are generated completely."""
    return {
        "schema/aanbod.schema.json":
            lambda: json.dumps(json_schema(load_reference(REFERENCE_DIR)), indent=2,
                               ensure_ascii=False) + "\n",
        ".github/ISSUE_TEMPLATE/nieuw-aanbod.yml": issue_form_yaml,
    }


def fill(text: str, name: str, content: str) -> str:
    """Replace what is between the markers of section `name`; ValueError if they are missing."""
    begin, end = BEGIN.format(name=name), END.format(name=name)
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(text):
        raise ValueError(f"markers for section '{name}' not found; add these two lines:\n"
                         f"{begin}\n{end}")
    return pattern.sub(lambda _: f"{begin}\n\n{content.strip()}\n\n{end}", text, count=1)


def generate(root: Path) -> dict[Path, str]:
    """The wanted content of every generated file."""
    wanted = {}
    for name, parts in sections(root).items():
        path = root / name
        text = path.read_text("utf-8")
        for section, render in parts.items():
            text = fill(text, section, render())
        wanted[path] = text
    for name, render in whole_files().items():
        wanted[root / name] = render()
    return wanted


def add_arguments(parser):
    """Arguments of `beweegkaart docs`."""
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 when a generated file is out of date")
    parser.add_argument("--root", type=Path, default=Path("."),
                        help="the repository root (default: the current folder)")


def run(args) -> int:
    """Write (or check) the generated files."""
    try:
        wanted = generate(args.root)
    except (OSError, ValueError) as exc:
        print(f"beweegkaart docs: {exc}", file=sys.stderr)
        return 2
    stale = [path for path, text in wanted.items()
             if not path.exists() or path.read_text("utf-8") != text]
    if args.check:
        for path in stale:
            print(f"out of date: {path} (run `beweegkaart docs`)", file=sys.stderr)
        return 1 if stale else 0
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(wanted[path], encoding="utf-8")
        print(f"wrote {path}")
    return 0
