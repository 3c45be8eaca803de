"""A simulated pull request: the workflow's annotate step marks exactly the broken lines."""

import datetime as dt
import os
import re
import shutil
import subprocess
from pathlib import Path

import yaml

from generator.catalogue.problems import Problem
from generator.contrib.annotations import annotation, escape_property

from .conftest import BIN, REPO, git

OFFER = """\
# yaml-language-server: $schema=../../schema/aanbod.schema.json
titel: {titel}
beschrijving: |
  Rustig bewegen in een groep, in je eigen tempo. Na afloop drinken we samen koffie.
aanbieder:
  naam: Buurtclub Zuid
verwijzen:
  mogelijk: ja
  email: aanmelden@buurtclub.example.org
activiteiten: [{activiteit}]
locatie:
  naam: Sporthal Zuid
  adres: Sportlaan 1
  postcode: 3072 AB
  plaats: Rotterdam
rooster:
  - dag: dinsdag
    van: "10:00"
    tot: "11:00"
kosten:
  bedrag: {bedrag}
  per: maand
  gratis_proefles: ja
controle:
  gecontroleerd_op: {datum}
  door: buurtsportcoach Zuid
"""


def offer(titel: str, activiteit: str = "walking-football", bedrag: str = "5.00") -> str:
    """An offer text, reviewed recently (the workflow checks against the real date)."""
    datum = (dt.date.today() - dt.timedelta(days=10)).isoformat()
    return OFFER.format(titel=titel, activiteit=activiteit, bedrag=bedrag, datum=datum)


def line_of(text: str, needle: str) -> int:
    """1-based number of the line containing `needle`."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def annotate_step() -> dict:
    """The annotate step of the pull-request workflow."""
    data = yaml.safe_load((REPO / ".github/workflows/pull-request.yml").read_text("utf-8"))
    return next(s for s in data["jobs"]["check"]["steps"] if s.get("id") == "annotate")


def run_step(step: dict, cwd: Path, base: str) -> subprocess.CompletedProcess:
    """Run a workflow step's script the way the runner does (bash -e, with the step's env)."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "BASE": base}
    env.pop("GITHUB_STEP_SUMMARY", None)
    bash = shutil.which("bash")
    return subprocess.run([bash, "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],  # noqa: S603
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
                          check=False)


def test_pull_request_annotations(tmp_path: Path):
    """Two changed offers, one broken on two lines: two annotations, both on that file."""
    repo = tmp_path / "repo"
    folder = repo / "offers" / "rotterdam"
    folder.mkdir(parents=True)
    (folder / "goed.yaml").write_text(offer("Walking football Zuid"), encoding="utf-8")
    (folder / "kapot.yaml").write_text(offer("Stoelyoga Zuid", "stoelyoga"), encoding="utf-8")
    (folder / "weg.yaml").write_text(offer("Tai chi Zuid", "tai-chi"), encoding="utf-8")
    (repo / "README.md").write_text("Beweegkaart\n", encoding="utf-8")
    git("init", "-q", "-b", "main", cwd=repo)
    git("add", ".", cwd=repo)
    git("commit", "-q", "-m", "start", cwd=repo)
    base = git("rev-parse", "HEAD", cwd=repo).strip()

    git("switch", "-q", "-c", "aanbod-bijwerken", cwd=repo)
    (folder / "goed.yaml").write_text(offer("Walking football Zuid, ook op donderdag"),
                                      encoding="utf-8")
    broken = offer("Stoelyoga Zuid", "stoelyogga", bedrag="5,00")
    (folder / "kapot.yaml").write_text(broken, encoding="utf-8")
    (folder / "weg.yaml").unlink()  # a deleted offer needs no check
    (repo / "README.md").write_text("Beweegkaart!\n", encoding="utf-8")
    git("commit", "-q", "-am", "aanbod bijwerken", cwd=repo)

    result = run_step(annotate_step(), repo, base)

    assert result.returncode != 0  # errors fail the check
    lines = result.stdout.splitlines()
    assert all(line.startswith("::error ") for line in lines), lines
    pattern = re.compile(r"::error file=(?P<file>[^,]+),line=(?P<line>\d+),")
    found = {(m["file"], int(m["line"])) for m in map(pattern.match, lines)}
    assert found == {("offers/rotterdam/kapot.yaml", line_of(broken, "stoelyogga")),
                     ("offers/rotterdam/kapot.yaml", line_of(broken, "bedrag: 5,00"))}
    assert len(lines) == 2
    assert "goed.yaml" not in result.stdout + result.stderr.replace("2 file(s)", "")
    assert "stoelyogga" in result.stdout and "Bedoelde je 'stoelyoga'?" in result.stdout
    assert "2 file(s) checked: 2 error(s)" in result.stderr


def test_pull_request_without_offer_changes(tmp_path: Path):
    """A pull request that touches no offer runs no check and passes."""
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "README.md").write_text("Beweegkaart\n", encoding="utf-8")
    git("init", "-q", "-b", "main", cwd=repo)
    git("add", ".", cwd=repo)
    git("commit", "-q", "-m", "start", cwd=repo)
    base = git("rev-parse", "HEAD", cwd=repo).strip()
    (repo / "README.md").write_text("Beweegkaart!\n", encoding="utf-8")
    git("commit", "-q", "-am", "tekst", cwd=repo)
    result = run_step(annotate_step(), repo, base)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""


def test_annotation_escapes_github_command_syntax():
    """Newlines, '%' and the property separators cannot break or forge a command."""
    problem = Problem("offers/a,b/x:y.yaml", 3, 5, "titel", "50% korting\n::error::nep",
                      "a,b", True)
    line = annotation(problem)
    assert line.startswith("::error file=offers/a%2Cb/x%3Ay.yaml,line=3,col=5,title=titel::")
    assert "\n" not in line and line.endswith("50%25 korting%0A::error::nep (got 'a,b')")
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"
    warning = Problem("offers/x.yaml", 1, 1, "", "oud", severity="warning")
    assert annotation(warning) == "::warning file=offers/x.yaml,line=1,col=1::oud"
