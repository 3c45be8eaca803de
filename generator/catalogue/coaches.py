"""Coaches in the catalogue: a beweegcoach or buurtsportcoach, declared in YAML like an offer.

coaches/<gemeente>/<naam>.yaml -> validate (schema + checks) -> enrich (werkgebied -> PC4 set).
A werkgebied lists CBS wijken (code or name, 2014 outlines) and/or PC4 areas; a wijk covers the
PC4 areas whose centroid lies inside its outline (point-in-polygon on reference/pc4-centroids).
"""

import csv
import datetime as dt
import json
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import BeforeValidator, Field, ValidationError, model_validator

from .emails import Email
from .paths import field_path
from .problems import Problem
from .reference import REFERENCE_DIR, Reference, load_reference
from .schema import Controle, Model, Tekst, Telefoon, Website, closed_list, fail, suggestion
from .validate import HTML, ID_PART, _html_problems, _schema_problem
from .validate import sorted_problems as _sorted
from .vocab import slugify
from .yamlio import locate, read_yaml

COACH_SUFFIXES = (".yaml", ".yml")
FUNCTIES = ["beweegcoach", "buurtsportcoach"]
WIJK_FILE = "cbs2014-wijken.geojson"
WIJK_TABLE = "cbs2014-wijken.csv"
WIJK_CODE = re.compile(r"^WK\d{6}$", re.IGNORECASE)


def check_pc4(value) -> str:
    """A PC4 area as four digits (3191 or "3191")."""
    text = str(value).strip()
    if not re.fullmatch(r"[1-9]\d{3}", text):
        raise fail("moet een postcodegebied van 4 cijfers zijn, bijvoorbeeld 3191")
    return text


PC4 = Annotated[str, BeforeValidator(check_pc4)]


class Werkgebied(Model):
    """Where the coach works: CBS wijken (code or name) and/or PC4 areas."""

    wijken: list[Tekst] = Field(
        default_factory=list,
        description="CBS-wijken, met code (WK059916) of naam (Hoogvliet).",
    )
    postcodes: list[PC4] = Field(
        default_factory=list, description="Postcodegebieden van 4 cijfers, bijvoorbeeld 3191."
    )

    @model_validator(mode="after")
    def not_empty(self):
        """A coach without an area can never be found."""
        if not self.wijken and not self.postcodes:
            raise fail("vul 'wijken' of 'postcodes' in")
        return self


class CoachVerwijzen(Model):
    """PRIVATE: the inbox for referrals. Never published on the site or in open data."""

    email: Email = Field(description="E-mailadres dat verwijzingen ontvangt. NIET openbaar.")


class Coach(Model):
    """One beweegcoach or buurtsportcoach, the contact between care and sport in a wijk."""

    naam: Tekst = Field(min_length=2, max_length=100, description="Naam van de coach.")
    functie: closed_list(FUNCTIES, "functie", "Beweegcoach of buurtsportcoach.") = Field(
        description="beweegcoach of buurtsportcoach."
    )
    organisatie: Tekst = Field(
        min_length=2, max_length=120, description="Organisatie, bijvoorbeeld Sportbedrijf."
    )
    werkgebied: Werkgebied = Field(description="Wijken of postcodes waar de coach werkt.")
    telefoon: Telefoon = Field(description="Openbaar telefoonnummer.")
    bereikbaar: Tekst = Field(
        min_length=5, max_length=200, description="Wanneer bereikbaar, bijvoorbeeld ma-do 9-17."
    )
    email: Email | None = Field(None, description="Openbaar e-mailadres voor vragen.")
    website: Website | None = Field(None, description="Website, beginnend met https://.")
    eigen_groep: Tekst | None = Field(
        None, max_length=120, description="Naam van de eigen beweeggroep van de coach."
    )
    verwijzen: CoachVerwijzen = Field(description="PRIVÉ: waar verwijzingen heen gaan.")
    controle: Controle = Field(description="Controle door de beheerder.")


PRIVATE_FIELDS = {"verwijzen"}


@dataclass(frozen=True)
class CoachEntry:
    """A valid coach with its area resolved to PC4 codes."""

    id: str
    path: Path
    data: Coach
    gemeente: str
    wijken: tuple[str, ...]  # wijk names as people know them
    pc4: frozenset[str]

    def public(self) -> dict:
        """What the site may show: never the referral address."""
        d = self.data
        return {"id": self.id, "naam": d.naam, "functie": d.functie,
                "organisatie": d.organisatie, "telefoon": d.telefoon,
                "bereikbaar": d.bereikbaar, "email": d.email,
                "website": str(d.website) if d.website else None,
                "eigen_groep": d.eigen_groep, "gemeente": self.gemeente,
                "wijken": list(self.wijken)}


@dataclass
class Coaches:
    """The result of loading coaches: the valid ones and every problem."""

    coaches: list[CoachEntry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: int = 0

    @property
    def errors(self) -> list[Problem]:
        """Problems that make the coach files invalid."""
        return [p for p in self.problems if p.severity == "error"]

    def by_id(self) -> dict[str, CoachEntry]:
        """Coaches keyed by id."""
        return {c.id: c for c in self.coaches}

    def for_pc4(self, pc4: str) -> list[CoachEntry]:
        """The coaches whose werkgebied holds this PC4 area, by name (several may overlap)."""
        return sorted((c for c in self.coaches if pc4 in c.pc4), key=lambda c: (c.data.naam, c.id))

    def for_gemeente(self, name: str) -> list[CoachEntry]:
        """The coaches of one gemeente, by name."""
        return sorted((c for c in self.coaches if c.gemeente == name), key=lambda c: c.data.naam)


@dataclass(frozen=True)
class Wijk:
    """One CBS 2014 wijk: code, the name people use, gemeente name and outline (GeoJSON)."""

    code: str
    name: str
    gemeente: str
    geometry: dict = field(repr=False, compare=False, hash=False)

    @property
    def pc4(self) -> frozenset[str]:
        """The PC4 areas whose centroid lies inside the outline."""
        return _pc4_inside(self)


def wijk_name(name: str) -> str:
    """'Wijk 16 Hoogvliet' -> 'Hoogvliet' (CBS prefixes most names)."""
    return re.sub(r"^Wijk \d+\s*", "", name).strip() or name


@lru_cache(maxsize=2)
def load_wijken(folder: Path = REFERENCE_DIR) -> dict[str, Wijk]:
    """Every CBS 2014 wijk, keyed by code (outlines are only turned into shapes when used)."""
    with (folder / WIJK_TABLE).open(encoding="utf-8", newline="") as f:
        table = {row["wijkcode"]: row for row in csv.DictReader(f)}
    features = json.loads((folder / WIJK_FILE).read_text("utf-8"))["features"]
    return {code: Wijk(code, wijk_name(table[code]["wijknaam"]), table[code]["gemeentenaam"],
                       feature["geometry"])
            for feature in features
            if (code := feature["properties"]["wijkcode"]) in table}


@lru_cache(maxsize=2)
def _centroid_tree(folder: Path = REFERENCE_DIR):
    """(PC4 codes, an STRtree of their centroids) for point-in-polygon queries."""
    from shapely import STRtree, points

    ref = load_reference(folder)
    codes = list(ref.postcodes)
    return codes, STRtree(points([(ref.postcodes[c].lon, ref.postcodes[c].lat) for c in codes]))


@lru_cache(maxsize=4096)
def _pc4_inside(wijk: Wijk) -> frozenset[str]:
    """PC4 codes whose centroid lies inside the wijk (cached per wijk)."""
    from shapely.geometry import shape

    codes, tree = _centroid_tree()
    return frozenset(codes[i] for i in tree.query(shape(wijk.geometry), predicate="contains"))


def find_coach_files(paths: list[Path]) -> list[tuple[Path, Path | None]]:
    """Expand files and folders into (coach file, 'coaches' root or None), sorted."""
    found = []
    for path in map(Path, paths):
        if path.is_dir():
            root = next((a for a in (path, *path.parents) if a.name == "coaches"), path)
            found += [(Path(folder, name), root) for folder, _dirs, names in sorted(os.walk(path))
                      for name in sorted(names) if name.endswith(COACH_SUFFIXES)]
        else:
            found.append((path, next((a for a in path.parents if a.name == "coaches"), None)))
    return sorted(found)


def is_coach_path(path: Path) -> bool:
    """True for a path inside (or being) a 'coaches' folder."""
    path = Path(path)
    return path.name == "coaches" or "coaches" in path.parent.parts


def coach_id(path: Path, root: Path | None) -> str:
    """'<gemeente folder>/<file name without .yaml>'."""
    if root is not None:
        return "/".join(path.relative_to(root).with_suffix("").parts)
    return f"{path.parent.name}/{path.stem}"


def check_coach_file(path: Path, root: Path | None, ref: Reference, wijken: dict[str, Wijk],
                     today: dt.date) -> tuple[CoachEntry | None, list[Problem]]:
    """Load, validate and enrich one coach file."""
    shown = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(shown, 1, 1, "", f"kan het bestand niet lezen: {exc.strerror}")]
    data, problems = read_yaml(raw, shown)
    if data is None:
        return None, problems
    text = raw.decode("utf-8-sig")
    if HTML.search(text):
        problems += _html_problems(data, text, shown)
    try:
        model = Coach.model_validate(data)
    except ValidationError as exc:
        problems += [_schema_problem(e, text, shown) for e in exc.errors(include_url=False)]
        return None, _sorted(problems)
    if problems:
        return None, _sorted(problems)
    entry, more = _enrich(path, root, model, text, ref, wijken, today)
    return entry, _sorted(more)


def _enrich(path, root, model: Coach, text: str, ref: Reference, wijken: dict[str, Wijk],
            today: dt.date) -> tuple[CoachEntry | None, list[Problem]]:
    """The gemeente from the folder; wijk names and codes to PC4 codes."""
    shown = str(path)
    problems: list[Problem] = []

    def problem(loc: tuple, message: str, value=None, has_value=True, severity="error"):
        line, column = locate(text, loc)
        problems.append(Problem(shown, line, column, field_path(loc), message, value, has_value,
                                severity))

    cid = coach_id(path, root)
    if cid.count("/") != 1 or not all(ID_PART.match(p) for p in cid.split("/")):
        problems.append(Problem(shown, 1, 1, "", "zet de coach in de map van zijn gemeente, "
                                "met kleine letters, cijfers en streepjes: "
                                "coaches/<gemeente>/<naam>.yaml", cid, True))
        return None, problems
    folder = cid.split("/")[0]
    gemeente = ref.gemeenten.get(folder)
    if gemeente is None:
        problems.append(Problem(shown, 1, 1, "", f"'{folder}' is geen gemeente; gebruik de "
                                "naam van de gemeente in kleine letters, zoals 'rotterdam'",
                                folder, True))
        return None, problems
    by_name = {w.name.lower(): w for w in wijken.values() if w.gemeente == gemeente}
    names, pc4 = [], set()
    for index, wanted in enumerate(model.werkgebied.wijken):
        loc = ("werkgebied", "wijken", index)
        wijk = wijken.get(wanted.upper()) if WIJK_CODE.match(wanted) else \
            by_name.get(wijk_name(wanted).lower())
        if wijk is None:
            hint = suggestion(wijk_name(wanted), sorted(w.name for w in by_name.values()))
            problem(loc, f"onbekende wijk in {gemeente}.{hint} Gebruik de CBS-naam of -code "
                    "(zie reference/cbs2014-wijken.csv)", wanted)
            continue
        outside = sorted(c for c in wijk.pc4 if ref.postcodes[c].gemeente != gemeente)
        if wijk.gemeente != gemeente and len(outside) == len(wijk.pc4):
            problem(loc, f"wijk {wijk.code} ({wijk.name}) ligt niet in {gemeente}", wanted)
            continue
        if not wijk.pc4:
            problem(loc, f"in wijk {wijk.name} ligt geen middelpunt van een postcodegebied; "
                    "zet de postcodes onder 'postcodes'", wanted, severity="warning")
        names.append(wijk.name)
        pc4 |= {c for c in wijk.pc4 if c not in outside}
    for index, code in enumerate(model.werkgebied.postcodes):
        loc = ("werkgebied", "postcodes", index)
        pc = ref.postcodes.get(code)
        if pc is None:
            problem(loc, f"postcode {code} staat niet in de postcodelijst", code)
        elif pc.gemeente != gemeente:
            problem(loc, f"postcode {code} ligt in gemeente {pc.gemeente}, niet in {gemeente}",
                    code)
        else:
            pc4.add(code)
    if model.controle.gecontroleerd_op > today:
        problem(("controle", "gecontroleerd_op"), "datum ligt in de toekomst",
                model.controle.gecontroleerd_op)
    if any(p.severity == "error" for p in problems):
        return None, problems
    return CoachEntry(cid, path, model, gemeente, tuple(names), frozenset(pc4)), problems


def load_coaches(paths: list[Path], reference_dir: Path = REFERENCE_DIR,
                 today: dt.date | None = None) -> Coaches:
    """Load every coach under `paths`; overlapping areas are reported as warnings."""
    today = today or dt.date.today()
    ref = load_reference(reference_dir)
    items = find_coach_files([p for p in paths if Path(p).exists()])
    result = Coaches(files=len(items))
    wijken = load_wijken(Path(reference_dir)) if items else {}
    for path, root in items:
        entry, problems = check_coach_file(path, root, ref, wijken, today)
        result.problems += problems
        if entry is not None:
            result.coaches.append(entry)
    result.problems += _id_problems(result.coaches) + _overlap_warnings(result.coaches)
    return result


def _id_problems(coaches: list[CoachEntry]) -> list[Problem]:
    """Two files with one id (x.yaml and x.yml)."""
    seen = defaultdict(list)
    for coach in coaches:
        seen[coach.id].append(coach)
    return [Problem(str(c.path), 1, 1, "", f"dubbele id '{cid}'; geef elke coach een eigen "
                    "bestandsnaam") for cid, found in seen.items() if len(found) > 1
            for c in found]


def _overlap_warnings(coaches: list[CoachEntry]) -> list[Problem]:
    """Overlapping areas are allowed (the referrer then chooses), but worth a look."""
    problems = []
    for coach in coaches:
        for other in coaches:
            shared = sorted(coach.pc4 & other.pc4)
            if other.id != coach.id and shared:
                listed = ", ".join(shared[:5]) + (" ..." if len(shared) > 5 else "")
                text = coach.path.read_text("utf-8-sig")
                line, column = locate(text, ("werkgebied",))
                problems.append(Problem(
                    str(coach.path), line, column, "werkgebied",
                    f"overlapt met {other.id} (postcodes {listed}); bij deze postcodes kiest "
                    "de verwijzer zelf", None, False, "warning"))
    return problems


def coaches_file(coaches: list[CoachEntry]) -> dict:
    """The site's data/coaches.json: public details and PC4 -> coach indexes."""
    ordered = sorted(coaches, key=lambda c: c.id)
    areas: dict[str, list[int]] = defaultdict(list)
    for index, coach in enumerate(ordered):
        for code in sorted(coach.pc4):
            areas[code].append(index)
    return {"coaches": [c.public() for c in ordered], "pc4": dict(sorted(areas.items()))}


def gemeente_slug(coach: CoachEntry) -> str:
    """The gemeente part of the id."""
    return slugify(coach.gemeente)
