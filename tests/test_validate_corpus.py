"""The broken-offer corpus: each file yields exactly its one expected problem, on the right line."""

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from generator.catalogue.load import load_catalogue

CORPUS = Path(__file__).parent / "broken_offers"
BASE = CORPUS / "valid" / "rotterdam" / "basis.yaml"
PHOTO = "veld.png"
TODAY = dt.date(2026, 11, 22)
EXPECTED = yaml.safe_load((CORPUS / "expected.yaml").read_text("utf-8"))


def cases(section: str) -> list:
    """pytest params (name, expectation) for one section of expected.yaml, xfails marked."""
    params = []
    for name, expected in EXPECTED[section].items():
        marks = []
        if "xfail" in expected:
            marks.append(pytest.mark.xfail(strict=True, reason=expected["xfail"]))
        params.append(pytest.param(name, expected, marks=marks, id=name))
    return params


def check_as_offer(files: dict[str, bytes], tmp_path: Path, gemeente: str = "rotterdam"):
    """Put files (with the base photo) in offers/<gemeente>/ and load that catalogue."""
    folder = tmp_path / "offers" / gemeente
    folder.mkdir(parents=True)
    shutil.copy(BASE.parent / PHOTO, folder / PHOTO)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return load_catalogue([tmp_path / "offers"], today=TODAY)


def assert_only(catalogue, expected: dict, severity: str = "error") -> None:
    """The catalogue holds exactly the expected problem (repeated `count` times), nothing else."""
    shown = "\n".join(p.format() for p in catalogue.problems)
    assert len(catalogue.problems) == expected.get("count", 1), shown
    for problem in catalogue.problems:
        assert problem.severity == severity, shown
        assert problem.field == expected["field"], shown
        assert expected["message"] in problem.message, shown
    first = catalogue.problems[0]
    assert first.line == expected["line"], shown
    if "got" in expected:
        assert f"(got {expected['got']}" in first.format(), shown


def test_corpus_is_complete():
    """Every file in the corpus has an expectation and vice versa; at least 34 cases."""
    files = {p.name for p in (CORPUS / "rotterdam").iterdir() if p.suffix in (".yaml", ".yml")}
    assert files == set(EXPECTED["errors"])
    assert len(files) + len(EXPECTED["generated"]) >= 34


def test_base_offer_is_valid():
    """The offer every broken file starts from validates clean and is enriched."""
    catalogue = load_catalogue([BASE.parent.parent], today=TODAY)
    assert [p.format() for p in catalogue.problems] == []
    [offer] = catalogue.offers
    assert (offer.id, offer.gemeente, offer.wijk) == ("rotterdam/basis", "Rotterdam", "Feijenoord")
    assert offer.accepts_referrals()


def test_base_offer_with_bom_and_crlf_is_valid(tmp_path):
    """A UTF-8 BOM and Windows line ends (web editors, Notepad) are fine."""
    data = b"\xef\xbb\xbf" + BASE.read_bytes().replace(b"\n", b"\r\n")
    catalogue = check_as_offer({"basis.yaml": data}, tmp_path)
    assert [p.format() for p in catalogue.problems] == []
    assert len(catalogue.offers) == 1


@pytest.mark.parametrize(("name", "expected"), cases("errors"))
def test_broken_offer(name, expected, tmp_path):
    """One broken file: its one problem on its line and field, no offer, no traceback."""
    data = (CORPUS / "rotterdam" / name).read_bytes()
    catalogue = check_as_offer({name: data}, tmp_path)
    assert_only(catalogue, expected)
    assert catalogue.offers == []


def generated_file(name: str) -> bytes:
    """The corpus files too big or too odd to commit, made from the base offer."""
    base = BASE.read_text("utf-8")
    if name == "te-groot.yaml":
        return (base + "# opvulling\n" * 9000).encode()
    if name == "diepe-nesting.yaml":
        deep = "diep: " + "[" * 300 + "]" * 300 + "\n"
        return base.replace("controle:\n", deep + "controle:\n").encode()
    raise KeyError(name)


@pytest.mark.parametrize(("name", "expected"), cases("generated"))
def test_generated_broken_offer(name, expected, tmp_path):
    """Files over 100 KB and deeply nested files are refused with a message."""
    catalogue = check_as_offer({name: generated_file(name)}, tmp_path)
    assert_only(catalogue, expected)
    assert catalogue.offers == []


def test_file_of_exactly_100_kb_is_read(tmp_path):
    """The size limit is 'over 100 KB': a file of exactly 100 KB is still read."""
    data = BASE.read_bytes()
    data += b"#" * (100 * 1024 - len(data) - 1) + b"\n"
    assert len(data) == 100 * 1024
    catalogue = check_as_offer({"basis.yaml": data}, tmp_path)
    assert [p.format() for p in catalogue.problems] == []


@pytest.mark.parametrize(("name", "expected"), cases("warnings"))
def test_warning(name, expected, tmp_path):
    """An old review or an (almost) expired offer is a warning; the offer still loads."""
    data = (CORPUS / "warnings" / "rotterdam" / name).read_bytes()
    catalogue = check_as_offer({name: data}, tmp_path)
    assert_only(catalogue, expected, severity="warning")
    assert catalogue.errors == []
    assert [o.id for o in catalogue.offers] == [f"rotterdam/{Path(name).stem}"]


def test_duplicate_ids():
    """x.yaml and x.yml in one folder: both files are reported and neither offer is used."""
    catalogue = load_catalogue([CORPUS / "duplicates"], today=TODAY)
    by_file = {Path(p.path).name: p for p in catalogue.problems}
    assert len(catalogue.problems) == 2, [p.format() for p in catalogue.problems]
    for name, expected in EXPECTED["duplicates"].items():
        problem = by_file[name]
        assert (problem.line, problem.field) == (expected["line"], expected["field"])
        assert expected["message"] in problem.message
        other = "dubbel.yml" if name == "dubbel.yaml" else "dubbel.yaml"
        assert other in problem.message
    assert catalogue.offers == []


def test_all_problems_in_all_files_at_once(tmp_path):
    """One run over many broken files reports each file's problem; one bad file stops nothing."""
    names = [n for n, e in EXPECTED["errors"].items() if "xfail" not in e]
    files = {n: (CORPUS / "rotterdam" / n).read_bytes() for n in names}
    files["basis.yaml"] = BASE.read_bytes()
    catalogue = check_as_offer(files, tmp_path)
    reported = {Path(p.path).name for p in catalogue.errors}
    assert reported == set(names)
    assert [o.id for o in catalogue.offers] == ["rotterdam/basis"]
    assert catalogue.files == len(files)


@pytest.mark.parametrize(("relative", "expected"), cases("layout"))
def test_file_layout(relative, expected, tmp_path):
    """An offer with a wrong extension or in the wrong folder is reported, never skipped."""
    offers = tmp_path / "offers"
    target = offers / relative
    target.parent.mkdir(parents=True)
    shutil.copy(BASE, target)
    shutil.copy(BASE.parent / PHOTO, target.parent / PHOTO)
    catalogue = load_catalogue([offers], today=TODAY)
    assert_only(catalogue, expected)
    assert catalogue.offers == []
