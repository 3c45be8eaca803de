"""The contributor docs cover every schema field and are generated from the current schema."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.catalogue.load import load_catalogue
from generator.commands.cli import main
from generator.contrib.fielddocs import all_field_names, field_docs, template_examples
from generator.contrib.messagedocs import MISTAKES, reference_day

from .conftest import BIN, REPO, run_cli

DOCS = ["CONTRIBUTING.md", "content/voor-aanbieders.md"]
FIELDS = all_field_names()


def test_schema_has_nested_fields():
    """The field walk reaches blocks inside blocks and lists of blocks."""
    assert {"kosten.gratis_proefles", "kosten.vergoeding.zorgverzekeraar", "rooster.dag",
            "fotos.alt", "locatie.coordinaten.lat"} <= set(FIELDS)
    assert len(FIELDS) > 50


@pytest.mark.parametrize("doc", DOCS)
@pytest.mark.parametrize("name", FIELDS)
def test_every_field_is_documented(doc, name):
    """Each dotted field name has its own row in both documents."""
    text = (REPO / doc).read_text("utf-8")
    assert re.search(rf"^\| `{re.escape(name)}` \|", text, re.MULTILINE), f"{name} not in {doc}"


def test_every_field_has_description_and_example():
    """A field without a description or example would leave a club guessing."""
    docs = field_docs(examples=template_examples(REPO / "offer-template.yaml"))
    assert [d.name for d in docs if not d.description] == []
    assert [d.name for d in docs if d.example is None and d.model is None] == []


def test_generated_files_are_up_to_date():
    """`beweegkaart docs --check` passes on the repository (as CI runs it)."""
    result = run_cli("docs", "--check")
    assert result.returncode == 0, result.stderr


def test_docs_check_notices_drift_and_docs_fixes_it(tmp_path: Path, capsys):
    """A hand-edited generated section or a missing file is reported, then regenerated."""
    for name in [*DOCS, "offer-template.yaml"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / name, tmp_path / name)
    contributing = tmp_path / "CONTRIBUTING.md"
    contributing.write_text(contributing.read_text("utf-8").replace(
        "| `kosten.gratis_proefles` |", "| `kosten.proefles` |"), encoding="utf-8")
    assert main(["docs", "--check", "--root", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "CONTRIBUTING.md" in err and "aanbod.schema.json" in err and "nieuw-aanbod.yml" in err
    assert "voor-aanbieders.md" not in err
    assert main(["docs", "--root", str(tmp_path)]) == 0
    assert main(["docs", "--check", "--root", str(tmp_path)]) == 0
    assert (tmp_path / "CONTRIBUTING.md").read_text("utf-8") == \
        (REPO / "CONTRIBUTING.md").read_text("utf-8")


def test_missing_markers_are_reported(tmp_path: Path, capsys):
    """A document without its markers gives a clear message instead of silently skipping."""
    for name in [*DOCS, "offer-template.yaml"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / name, tmp_path / name)
    (tmp_path / "content/voor-aanbieders.md").write_text("# Voor aanbieders\n", encoding="utf-8")
    assert main(["docs", "--check", "--root", str(tmp_path)]) == 2
    assert "markers for section 'velden' not found" in capsys.readouterr().err


def test_template_is_valid_when_copied(tmp_path: Path):
    """The copyable template validates as is, in a gemeente folder, with no warnings."""
    text = (REPO / "offer-template.yaml").read_text("utf-8")
    assert text.startswith("# yaml-language-server: $schema=../../schema/aanbod.schema.json\n")
    target = tmp_path / "offers" / "rotterdam" / "walking-football-zuid.yaml"
    target.parent.mkdir(parents=True)
    target.write_text(text, encoding="utf-8")
    catalogue = load_catalogue([tmp_path / "offers"], today=reference_day(text))
    assert catalogue.problems == []
    assert len(catalogue.offers) == 1


def test_template_passes_the_published_json_schema():
    """Editors using schema/aanbod.schema.json see no false errors on the template."""
    done = subprocess.run([str(BIN / "check-jsonschema"), "--schemafile",  # noqa: S603
                           str(REPO / "schema/aanbod.schema.json"),
                           str(REPO / "offer-template.yaml")],
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_example_messages_are_what_validate_prints(tmp_path: Path):
    """The messages shown in CONTRIBUTING.md are the real output of `beweegkaart validate`."""
    contributing = (REPO / "CONTRIBUTING.md").read_text("utf-8")
    template = (REPO / "offer-template.yaml").read_text("utf-8")
    mistake = next(m for m in MISTAKES if "activiteit" in m.title)
    broken = re.sub(mistake.pattern, mistake.replacement, template, count=1, flags=re.MULTILINE)
    path = tmp_path / "offers" / mistake.folder / "walking-football-zuid.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(broken, encoding="utf-8")
    result = run_cli("validate", "--today", reference_day(template).isoformat(),
                     f"offers/{mistake.folder}/walking-football-zuid.yaml", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines and all(line in contributing for line in lines), lines
    assert len(re.findall(r"^offers/\S+\.yaml:\d+:\d+: ", contributing, re.MULTILINE)) >= \
        len(MISTAKES)


def template_fields() -> list[tuple[str, str]]:
    """(dotted field name, its comment) for every key in offer-template.yaml, commented or not."""
    found, stack = [], []  # stack: (column, name) of the enclosing blocks
    for raw in (REPO / "offer-template.yaml").read_text("utf-8").splitlines():
        line = re.sub(r"^(\s*)# ", r"\1", raw)  # a commented-out key counts too
        match = re.match(r"^(\s*(?:- )?)([a-z_]+):", line)
        if not match:
            continue
        column = len(match.group(1))
        while stack and stack[-1][0] >= column:
            stack.pop()
        name = ".".join([n for _, n in stack] + [match.group(2)])
        stack.append((column, match.group(2)))
        found.append((name, line.split(" # ", 1)[1] if " # " in line else ""))
    return found


def test_template_marks_optional_exactly_what_the_schema_allows_to_leave_out():
    """'# optioneel' on a field the schema requires (or missing on one it does not) misleads
    the clubs: the issue found CONTRIBUTING calling the required price optional."""
    docs = {doc.name: doc for doc in field_docs()}
    fields = template_fields()
    assert {"titel", "kosten.bedrag", "rooster.dag", "fotos.alt", "controle"} <= dict(fields).keys()
    marked = {name for name, comment in fields if "optioneel" in comment}
    for name, comment in fields:
        doc = docs[name]  # every key in the template is a schema field
        parents = {name.rsplit(".", n)[0] for n in range(1, name.count(".") + 1)}
        if name in ("controle", "bron"):
            assert "bron" in comment and "optioneel" not in comment, name
        elif doc.required:
            assert name not in marked, f"{name} is required but marked optioneel"
        else:
            assert name in marked or parents & marked, f"{name} may be left out: mark it"


def test_readme_and_import_help_describe_the_same_mapping():
    """Every mapping key and import option is in both the README section and `import --help`."""
    from generator.commands.importer import MAPPING_EXAMPLE
    from generator.contrib.importer import MAPPING_KEYS

    readme = (REPO / "README.md").read_text("utf-8")
    section = readme.split("## Importing a municipality's spreadsheet", 1)[1].split("\n## ", 1)[0]
    helped = run_cli("import", "--help").stdout
    assert MAPPING_EXAMPLE.splitlines()[0] in helped
    for key in MAPPING_KEYS:
        assert f"`{key}`" in section, key
        assert f"  {key}:" in MAPPING_EXAMPLE, key
    for text in ("--remove-missing", "--refused", "XLSX", "importrij", "locatie.coordinaten",
                 "https://", "5 km", "kolom 'X'"):
        assert text in section and text in helped, text
