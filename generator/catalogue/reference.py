"""Offline reference data: PC4 postcodes, the activity list, gemeente and wijk outlines."""

import csv
import json
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

from .vocab import slugify

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "reference"

# Wijk outlines we have, per CBS gemeente code (CBS wijk- en buurtkaart 2015).
WIJK_FILES = {
    "GM0599": "rotterdam_wijk_cbs2015.geojson",
    "GM0935": "maastricht_wijk_cbs2015.geojson",
}


@dataclass(frozen=True)
class Postcode:
    """One PC4 area: its centroid and the gemeente it belongs to."""

    pc4: str
    place: str
    lat: float
    lon: float
    gemeente_code: str
    gemeente: str


@dataclass(frozen=True)
class Activity:
    """One activity we have a Dutch label for, tied to its OpenActive concept."""

    code: str
    label: str
    openactive_id: str
    openactive_label: str


@dataclass
class Reference:
    """All reference tables, read once from a reference folder."""

    folder: Path
    postcodes: dict[str, Postcode] = field(default_factory=dict)
    activities: dict[str, Activity] = field(default_factory=dict)
    places: dict[str, list[str]] = field(default_factory=dict)

    @cached_property
    def gemeente_shapes(self):
        """(code, name, shapely geometry) for every gemeente, for point-in-polygon lookups."""
        from shapely.geometry import shape

        data = json.loads((self.folder / "gemeenten-2023.geojson").read_text("utf-8"))
        return [
            (f["properties"]["gemeentecode"], f["properties"]["gemeentenaam"], shape(f["geometry"]))
            for f in data["features"]
            if f["properties"]["gemeentecode"] != "GM0998"
        ]

    @cached_property
    def wijk_shapes(self):
        """Per gemeente code, a list of (wijk name, prepared geometry)."""
        from shapely.geometry import shape
        from shapely.prepared import prep

        out = {}
        for code, name in WIJK_FILES.items():
            data = json.loads((self.folder / name).read_text("utf-8"))
            out[code] = [
                (_wijk_name(f["properties"]["WK_NAAM"]), prep(shape(f["geometry"])))
                for f in data["features"]
            ]
        return out

    def gemeente_at(self, lat: float, lon: float) -> tuple[str, str] | None:
        """The (code, name) of the gemeente containing a point, or None."""
        from shapely.geometry import Point

        point = Point(lon, lat)
        for code, name, geometry in self.gemeente_shapes:
            if geometry.contains(point):
                return code, name
        return None

    def wijk_at(self, gemeente_code: str, lat: float, lon: float) -> str | None:
        """The wijk containing a point, where we have wijk outlines for the gemeente."""
        from shapely.geometry import Point

        shapes = self.wijk_shapes.get(gemeente_code)
        if not shapes:
            return None
        point = Point(lon, lat)
        for name, geometry in shapes:
            if geometry.contains(point):
                return name
        return None

    @cached_property
    def gemeenten(self) -> dict[str, str]:
        """Gemeente slug -> official name, for every gemeente that has postcodes."""
        return {slugify(p.gemeente): p.gemeente for p in self.postcodes.values() if p.gemeente}


def _wijk_name(name: str) -> str:
    """'Wijk 02 Buitenwijk West' -> 'Buitenwijk West' (CBS prefixes some wijk names)."""
    return re.sub(r"^Wijk \d+\s+", "", name)


def read_pc4_rows(path: Path) -> list[dict]:
    """The PC4 centroid table's rows, with stray rows moved or left out (clean_pc4_rows)."""
    with path.open(encoding="utf-8", newline="") as f:
        return clean_pc4_rows(list(csv.DictReader(f)))[0]


STRAY_KM = 38  # further than this from the postcodes that share its first digits: a stray row


def _km(a, b):
    """Flat-earth distance in km (fine at the scale of the Netherlands)."""
    return (((a[0] - b[0]) * 111.0) ** 2 + ((a[1] - b[1]) * 68.0) ** 2) ** 0.5


def clean_pc4_rows(rows: list[dict]) -> tuple[list[dict], list[tuple[dict, str]]]:
    """Drop placeholder and mistyped PC4 rows; move a real postcode's stray centroid.

    A row whose centroid lies more than STRAY_KM from the median of the other postcodes with
    the same first three digits (two, when fewer than two others share three) is a stray. If
    its gemeente is the gemeente of most of those neighbours, only the point is wrong: it gets
    their median. Otherwise the row is a placeholder or a typo ('1234' in Lemiers, '9999',
    '3523' for Ouddorp's 3253) and is left out. Returns the rows kept and (row, why) dropped.
    """
    points = [(float(r["lat"]), float(r["lon"])) for r in rows]
    by_prefix: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        for n in (2, 3):
            by_prefix.setdefault(row["pc4"][:n], []).append(i)
    kept, dropped = [], []
    for i, row in enumerate(rows):
        others = [j for j in by_prefix[row["pc4"][:3]] if rows[j]["pc4"] != row["pc4"]]
        if len(others) < 2:
            others = [j for j in by_prefix[row["pc4"][:2]] if rows[j]["pc4"] != row["pc4"]]
        if len(others) < 2:
            kept.append(row)
            continue
        centre = (statistics.median(points[j][0] for j in others),
                  statistics.median(points[j][1] for j in others))
        if _km(points[i], centre) <= STRAY_KM:
            kept.append(row)
            continue
        usual = Counter(rows[j]["gemeente_code"] for j in others).most_common(1)[0][0]
        if row["gemeente_code"] and row["gemeente_code"] == usual:
            same = [j for j in others if rows[j]["gemeente_code"] == usual]
            kept.append({**row, "lat": str(round(statistics.median(points[j][0] for j in same), 4)),
                         "lon": str(round(statistics.median(points[j][1] for j in same), 4))})
            dropped.append((row, "moved"))
        else:
            dropped.append((row, "dropped"))
    return kept, dropped


def _read_postcodes(path: Path) -> tuple[dict[str, Postcode], dict[str, list[str]]]:
    """Read the PC4 centroid table; a PC4 with several place names keeps the first centroid."""
    postcodes: dict[str, Postcode] = {}
    places: dict[str, list[str]] = {}
    for row in read_pc4_rows(path):
        pc4 = row["pc4"]
        places.setdefault(row["place_name"], []).append(pc4)
        if pc4 in postcodes:
            continue
        postcodes[pc4] = Postcode(
            pc4=pc4,
            place=row["place_name"],
            lat=float(row["lat"]),
            lon=float(row["lon"]),
            gemeente_code=row["gemeente_code"],
            gemeente=row["gemeente_name_cbs2023"],
        )
    return postcodes, places


def read_activities(path: Path) -> dict[str, Activity]:
    """Read our Dutch activity labels, keyed by code."""
    with path.open(encoding="utf-8", newline="") as f:
        return {row["code"]: Activity(**row) for row in csv.DictReader(f)}


@lru_cache(maxsize=4)
def load_reference(folder: Path = REFERENCE_DIR) -> Reference:
    """Load the reference tables from a folder (cached: the files are read once per process)."""
    folder = Path(folder)
    postcodes, places = _read_postcodes(folder / "pc4-centroids.csv")
    ref = Reference(
        folder=folder,
        postcodes=postcodes,
        places=places,
        activities=read_activities(folder / "activiteiten.csv"),
    )
    _fill_missing_gemeenten(ref)
    return ref


def _fill_missing_gemeenten(ref: Reference) -> None:
    """Give postcodes without a gemeente (the 2023 Voorne aan Zee merger) one by location."""
    for pc4, pc in list(ref.postcodes.items()):
        if not pc.gemeente_code:
            found = ref.gemeente_at(pc.lat, pc.lon)
            if found:
                ref.postcodes[pc4] = Postcode(pc.pc4, pc.place, pc.lat, pc.lon, *found)
