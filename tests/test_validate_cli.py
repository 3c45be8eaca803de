"""`beweegkaart validate` as a club volunteer or CI runs it: output lines, exit codes, summary."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "tests" / "broken_offers"
EXPECTED = yaml.safe_load((CORPUS / "expected.yaml").read_text("utf-8"))
TODAY = "2026-11-22"
LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<column>\d+): (?P<rest>.+)$")
SUMMARY = re.compile(r"^(\d+) bestanden gecontroleerd: (\d+) fout\(en\) in (\d+) bestand\(en\), "
                     r"(\d+) waarschuwing\(en\)\.$")
# Files that once crashed the validator with a traceback.
CRASHES = {"stuurteken.yaml", "datum-bestaat-niet.yaml", "label-int.yaml"}


def validate(*args) -> subprocess.CompletedProcess:
    """Run `beweegkaart validate` in a fresh interpreter, as the console script does."""
    command = [sys.executable, "-m", "generator", "validate", *map(str, args)]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True,  # noqa: S603
                          timeout=120, check=False)


def no_traceback(result: subprocess.CompletedProcess) -> None:
    """A user's mistake never shows a Python traceback."""
    assert "Traceback" not in result.stdout + result.stderr, result.stderr


def corpus_copy(tmp_path: Path, names) -> Path:
    """Copy corpus files `names` and the photo to tmp_path/offers/rotterdam; return offers/."""
    folder = tmp_path / "offers" / "rotterdam"
    folder.mkdir(parents=True)
    for name in [*names, "veld.png"]:
        shutil.copy(CORPUS / "rotterdam" / name, folder / name)
    return folder.parent


def test_whole_corpus(tmp_path):
    """Every broken file is reported, one problem per line as path:line:column: field: message."""
    names = [n for n in EXPECTED["errors"] if n not in CRASHES]
    offers = corpus_copy(tmp_path, names)
    result = validate("--today", TODAY, offers)
    no_traceback(result)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    per_file: dict[str, list] = {}
    for text in lines:
        match = LINE.match(text)
        assert match, f"not path:line:column: {text!r}"
        assert Path(match["path"]).parent == offers / "rotterdam", text
        per_file.setdefault(Path(match["path"]).name, []).append(match)
    for name in names:
        expected = EXPECTED["errors"][name]
        if "xfail" in expected:
            continue  # the corpus test shows these gaps one by one
        assert len(per_file.get(name, [])) == expected.get("count", 1), name
        match = per_file[name][0]
        assert int(match["line"]) == expected["line"], match.string
        if expected["field"]:
            assert match["rest"].startswith(f"{expected['field']}: "), match.string
        assert expected["message"] in match["rest"], match.string
        if "got" in expected:
            assert match["rest"].endswith(")") and f"(got {expected['got']}" in match["rest"]
    assert "waarschuwing" not in result.stdout
    summary = SUMMARY.match(result.stderr.strip().splitlines()[-1])
    assert summary, result.stderr
    assert summary.groups() == (str(len(names)), str(len(lines)), str(len(per_file)), "0")


def test_gemeente_folder_checked_when_validating_that_folder(tmp_path):
    """`validate offers/rotterdam` still says a Maastricht postcode is in the wrong folder."""
    offers = corpus_copy(tmp_path, ["postcode-maastricht.yaml"])
    result = validate("--today", TODAY, offers / "rotterdam")
    no_traceback(result)
    assert result.returncode == 1
    assert "map 'maastricht'" in result.stdout


def test_multi_line_value_stays_on_one_line(tmp_path):
    """The (got VALUE) part never breaks the one-problem-per-line format."""
    base = (CORPUS / "valid" / "rotterdam" / "basis.yaml").read_text("utf-8")
    extra = "opmerkingen:\n  - |\n    regel een\n    regel twee\n"
    text = base.replace("controle:\n", extra + "controle:\n")
    offers = corpus_copy(tmp_path, [])
    (offers / "rotterdam" / "meerregelig.yaml").write_text(text, "utf-8")
    result = validate("--today", TODAY, offers)
    no_traceback(result)
    assert result.returncode == 1
    [line] = result.stdout.splitlines()
    assert LINE.match(line) and "onbekend veld 'opmerkingen'" in line


@pytest.mark.parametrize("name", sorted(CRASHES))
def test_no_traceback_on_crashing_cases(name, tmp_path):
    """The files that once crashed the validator get a message and exit 1 instead."""
    offers = corpus_copy(tmp_path, [name])
    result = validate("--today", TODAY, offers)
    no_traceback(result)
    assert result.returncode == 1
    assert EXPECTED["errors"][name]["message"] in result.stdout


def test_very_deep_nesting_does_not_kill_the_validator(tmp_path):
    """A file nested thousands of levels deep is refused; the other files are still checked."""
    offers = corpus_copy(tmp_path, ["leeg.yaml"])
    deep = "titel: Diep\nx: " + "[" * 30000 + "]" * 30000 + "\n"
    (offers / "rotterdam" / "diep.yaml").write_text(deep, "utf-8")
    result = validate("--today", TODAY, offers)
    no_traceback(result)
    assert result.returncode == 1
    assert "diep.yaml:2:" in result.stdout and "leeg.yaml:1:1:" in result.stdout
    assert "2 bestanden gecontroleerd" in result.stderr


def test_valid_base_exits_0():
    """The base offer: exit 0, nothing on stdout, a summary with 0 errors on stderr."""
    result = validate("--today", TODAY, CORPUS / "valid")
    no_traceback(result)
    assert (result.returncode, result.stdout) == (0, "")
    summary = SUMMARY.match(result.stderr.strip())
    assert summary and summary.groups() == ("1", "0", "0", "0")


def test_warnings_only_exit_0():
    """Old reviews and (almost) expired offers: printed as 'waarschuwing', exit 0."""
    result = validate("--today", TODAY, CORPUS / "warnings")
    no_traceback(result)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert len(lines) == len(EXPECTED["warnings"])
    for name, expected in EXPECTED["warnings"].items():
        [line] = [text for text in lines if Path(LINE.match(text)["path"]).name == name]
        assert f":{expected['line']}:" in line and f"{expected['field']}: waarschuwing: " in line
        assert expected["message"] in line
    summary = SUMMARY.match(result.stderr.strip())
    assert summary and summary.groups() == ("3", "0", "0", "3")


def test_quiet_hides_warnings():
    """--quiet prints errors only; the summary still counts the warnings."""
    result = validate("--today", TODAY, "--quiet", CORPUS / "warnings")
    assert (result.returncode, result.stdout) == (0, "")
    assert "3 waarschuwing(en)" in result.stderr


def test_duplicate_ids_exit_1():
    """Two files with one id: both named, exit 1."""
    result = validate("--today", TODAY, CORPUS / "duplicates")
    no_traceback(result)
    assert result.returncode == 1
    assert {Path(LINE.match(t)["path"]).name for t in result.stdout.splitlines()} == \
        {"dubbel.yaml", "dubbel.yml"}


def test_nonexistent_path_exits_2(tmp_path):
    """A path that does not exist: exit 2 and a message naming it."""
    missing = tmp_path / "bestaat-niet"
    result = validate(missing)
    no_traceback(result)
    assert result.returncode == 2
    assert result.stdout == ""
    assert str(missing) in result.stderr and "not found" in result.stderr


def test_help():
    """`beweegkaart --help` lists validate; `validate --help` explains its arguments."""
    top = subprocess.run([sys.executable, "-m", "generator", "--help"],  # noqa: S603
                         cwd=REPO, capture_output=True, text=True, timeout=60, check=False)
    assert top.returncode == 0 and "validate" in top.stdout
    sub = validate("--help")
    assert sub.returncode == 0
    for word in ("paths", "--today", "--quiet"):
        assert word in sub.stdout


def test_console_script_is_installed():
    """The `beweegkaart` console script in the venv runs the same command."""
    script = Path(sys.executable).parent / "beweegkaart"
    if not script.exists():
        pytest.skip("no console script next to this interpreter")
    command = [script, "validate", "--today", TODAY, CORPUS / "valid"]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True,  # noqa: S603
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr


def test_bad_today_exits_2():
    """--today in the wrong format is a usage error that shows the expected format."""
    result = validate("--today", "22-11-2026", CORPUS / "valid")
    no_traceback(result)
    assert result.returncode == 2
    assert "YYYY-MM-DD" in result.stderr
