"""The place-search gazetteer: every gemeente, woonplaats, wijk and buurt, as one compact file.

Sources (see reference/SOURCES.md): the 2023 gemeente outlines, CBS 2017 woonplaatsen, CBS 2014
wijken and buurten, the PC4 centroids and our own table of names people use (Den Haag).
2014 codes changed with later mergers, so wijken and buurten are joined to today's gemeente by
point-in-polygon. Woonplaatsen have no coordinates: they get the median of the PC4 centroids
with the same place name (the group nearest their gemeente when the name occurs in several
gemeenten), or else the label point of a buurt with the same name in the same gemeente.
"""

import csv
import json
import re
import statistics
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..catalogue.reference import Reference, load_reference, read_pc4_rows

KINDS = ["gemeente", "woonplaats", "wijk", "buurt"]
ALIAS_FILE = "plaatsnamen-alias.csv"
SCALE = 10_000
VERSION = 1
# "Wijk 03 Delfshaven" -> "Delfshaven"; CBS also writes "Wijke 52" and "Buurt 01".
PREFIX = re.compile(r"^(?:wijke?|buurt)\s+\d+\s*", re.IGNORECASE)
# "Vliet. Tuinen en Frisia": CBS turned the commas of some names into full stops.
FULL_STOP = re.compile(r"(?<=[a-zà-ÿ])\. (?=[A-Z'])")
# Woonplaats names with a disambiguation suffix: "Spijk Gn", "Ursem gem. S".
SUFFIX = re.compile(r"\s+(?:gem\. \w+|Gld|NB|NH|L|Gn|GN|AC|Ut|S)$")


@dataclass(frozen=True)
class Place:
    """One searchable place: a name, its kind, today's gemeente and a centre point."""

    name: str
    kind: str
    gemeente: str
    lat: float
    lon: float


@lru_cache(maxsize=1 << 16)  # (names repeat: 74,000 calls, 20,000 names)
def key(name: str) -> str:
    """A name folded for matching: no accents, case, punctuation or hyphens (as in zoeken.js)."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def clean_name(name: str) -> str:
    """A CBS wijk or buurt name as people write it (no 'Wijk 03' prefix, commas back)."""
    name = PREFIX.sub("", name.replace('"', "")).strip()
    return FULL_STOP.sub(", ", name)


class GemeenteIndex:
    """Point-in-polygon on the 2023 gemeente outlines (the nearest one for coastal points)."""

    def __init__(self, ref: Reference):
        """Index the outlines once."""
        from shapely import STRtree

        self.shapes = ref.gemeente_shapes
        self.tree = STRtree([geometry for _code, _name, geometry in self.shapes])

    def name_at(self, lat: float, lon: float) -> str:
        """The 2023 gemeente containing the point, or the nearest one (simplified coastlines)."""
        from shapely.geometry import Point

        point = Point(lon, lat)
        hits = self.tree.query(point, predicate="within")
        if len(hits) == 0:
            hits = [self.tree.nearest(point)]
        return self.shapes[int(hits[0])][1]

    def names_at(self, points: list[tuple[float, float]]) -> list[str]:
        """`name_at` of many (lat, lon) points in one query (about 17,000 wijken and buurten)."""
        import numpy as np
        from shapely import points as make_points

        geometries = make_points(np.array([(lon, lat) for lat, lon in points]).reshape(-1, 2))
        inside, shape = self.tree.query(geometries, predicate="within")
        first: dict[int, int] = {}
        for i, j in zip(inside.tolist(), shape.tolist(), strict=True):
            first.setdefault(i, j)  # (as name_at: the first outline found)
        return [self.shapes[first[i]][1] if i in first else self.name_at(*points[i])
                for i in range(len(points))]


def _median_point(points: list[tuple[float, float]]) -> tuple[float, float]:
    """The component-wise median of some points (robust against one stray centroid)."""
    return statistics.median(p[0] for p in points), statistics.median(p[1] for p in points)


def _read_csv(path: Path) -> list[dict]:
    """All rows of a CSV file as dicts."""
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def gemeente_places(ref: Reference, by_gemeente: dict[str, list[tuple[float, float]]],
                    woonplaats_centres: dict[tuple[str, str], tuple[float, float]]) -> list[Place]:
    """Every 2023 gemeente, centred on its same-named woonplaats or its postcodes' median."""
    out = []
    for code, name, geometry in ref.gemeente_shapes:
        centre = woonplaats_centres.get((key(name), name))
        if centre is None and by_gemeente.get(code):
            centre = _median_point(by_gemeente[code])
        if centre is None:
            point = geometry.representative_point()
            centre = (point.y, point.x)
        out.append(Place(name, "gemeente", name, *centre))
    return out


def woonplaats_places(folder: Path, ref: Reference, index: GemeenteIndex,
                      buurten: list[Place]) -> tuple[list[Place], list[str]]:
    """Every CBS woonplaats with a centre derived as the module docstring says; and the misses."""
    groups: dict[str, dict[str, list[tuple[float, float]]]] = {}
    for row in pc4_rows(folder):
        groups.setdefault(key(row["place_name"]), {}).setdefault(row["gemeente"], []).append(
            (row["lat"], row["lon"]))
    buurt_rows = _read_csv(folder / "cbs2014-buurten.csv")
    anchors: dict[str, list[tuple[float, float]]] = {}
    for row in buurt_rows:
        anchors.setdefault(row["gemeentecode"], []).append((float(row["lat"]), float(row["lon"])))
    shapes = {code: geometry for code, _name, geometry in ref.gemeente_shapes}
    buurt_by_name = {(key(b.name), b.gemeente): b for b in buurten}
    out, missing = [], []
    for row in _read_csv(folder / "cbs2017-woonplaatsen.csv"):
        name = SUFFIX.sub("", row["woonplaatsnaam"])
        code = row["gemeentecode"]
        anchor = _median_point(anchors[code]) if code in anchors else None
        if anchor is None and code in shapes:
            point = shapes[code].representative_point()
            anchor = (point.y, point.x)
        found = [*groups.get(key(name), {}).values(),
                 *groups.get(key(row["woonplaatsnaam"]), {}).values()]
        centre = None
        if found:
            candidates = [_median_point(points) for points in found]
            centre = min(candidates, key=lambda c: _km2(c, anchor)) if anchor else candidates[0]
        if centre is None and anchor is not None:
            gemeente = index.name_at(*anchor)
            buurt = buurt_by_name.get((key(name), gemeente))
            centre = (buurt.lat, buurt.lon) if buurt else None
        if centre is None:
            missing.append(row["woonplaatsnaam"])
            continue
        out.append(Place(name, "woonplaats", index.name_at(*centre), *centre))
    return out, missing


def pc4_rows(folder: Path) -> list[dict]:
    """The PC4 table's rows as checked by the reference loader (placeholders left out)."""
    ref_rows = read_pc4_rows(folder / "pc4-centroids.csv")
    return [{"place_name": r["place_name"], "gemeente": r["gemeente_code"],
             "lat": float(r["lat"]), "lon": float(r["lon"])} for r in ref_rows]


def _km2(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Squared flat-earth distance in km (for picking the nearest of a few candidates)."""
    return ((a[0] - b[0]) * 111.0) ** 2 + ((a[1] - b[1]) * 68.0) ** 2


def area_places(folder: Path, kind: str, index: GemeenteIndex) -> list[Place]:
    """The CBS 2014 wijken or buurten, with clean names and today's gemeente."""
    column = "wijknaam" if kind == "wijk" else "buurtnaam"
    found = []
    for row in _read_csv(folder / f"cbs2014-{kind}en.csv"):
        name = clean_name(row[column])
        if key(name):  # (not "Wijk 00": a number only)
            found.append((name, float(row["lat"]), float(row["lon"])))
    names = index.names_at([(lat, lon) for _name, lat, lon in found]) if found else []
    return [Place(name, kind, gemeente, lat, lon)
            for (name, lat, lon), gemeente in zip(found, names, strict=True)]


def alias_places(folder: Path, places: list[Place]) -> list[Place]:
    """Names people use that are not official ('Den Haag'), at the place they stand for."""
    by_name = {(key(p.name), p.kind): p for p in places}
    out = []
    for row in _read_csv(folder / ALIAS_FILE):
        target = by_name.get((key(row["officieel"]), row["soort"]))
        if target is None:
            raise ValueError(f"{folder / ALIAS_FILE}: {row['naam']!r} verwijst naar "
                             f"{row['officieel']!r} ({row['soort']}), die niet bestaat")
        out.append(Place(row["naam"], target.kind, target.gemeente, target.lat, target.lon))
    return out


@lru_cache(maxsize=2)
def gazetteer(folder: Path) -> tuple[Place, ...]:
    """All places, one per (name, gemeente): the broadest kind wins ('Feijenoord' the wijk)."""
    ref = load_reference(folder)
    index = GemeenteIndex(ref)
    buurten = area_places(folder, "buurt", index)
    wijken = area_places(folder, "wijk", index)
    woonplaatsen, _missing = woonplaats_places(folder, ref, index, buurten)
    by_gemeente: dict[str, list[tuple[float, float]]] = {}
    for pc in ref.postcodes.values():
        by_gemeente.setdefault(pc.gemeente_code, []).append((pc.lat, pc.lon))
    centres = {(key(p.name), p.gemeente): (p.lat, p.lon) for p in woonplaatsen}
    gemeenten = gemeente_places(ref, by_gemeente, centres)
    official = gemeenten + woonplaatsen + wijken + buurten
    seen: set[tuple[str, str]] = set()
    out = []
    for place in alias_places(folder, official) + official:
        ident = (key(place.name), place.gemeente)
        if ident not in seen:
            seen.add(ident)
            out.append(place)
    return tuple(out)


def gazetteer_file(places: tuple[Place, ...]) -> dict:
    """The compact columnar form the browser reads (zoeken.js): names, kinds, gemeenten, points."""
    gemeenten = sorted({p.gemeente for p in places})
    ordered = sorted(places, key=lambda p: (p.gemeente, KINDS.index(p.kind), p.name))
    cols: dict[str, list] = {"n": [], "s": [], "g": [], "y": [], "x": []}
    prev_y = prev_x = 0
    for p in ordered:
        y, x = round(p.lat * SCALE), round(p.lon * SCALE)
        cols["n"].append(p.name)
        cols["s"].append(KINDS.index(p.kind))
        cols["g"].append(gemeenten.index(p.gemeente))
        cols["y"].append(y - prev_y)
        cols["x"].append(x - prev_x)
        prev_y, prev_x = y, x
    return {"v": VERSION, "scale": SCALE, "soorten": KINDS, "gemeenten": gemeenten, **cols}


def write_gazetteer(ref: Reference, path: Path) -> int:
    """Write the gazetteer file; return its size in bytes."""
    places = gazetteer(ref.folder)
    text = json.dumps(gazetteer_file(places), ensure_ascii=False, separators=(",", ":"))
    path.write_text(text, encoding="utf-8")
    return len(text.encode("utf-8"))
