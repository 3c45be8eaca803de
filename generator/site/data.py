"""The home page's data: one compact, columnar search file, detail shards and the PC4 table.

The search file holds only what the browser needs to filter and cluster (coordinates and
filter bits), as integer columns that gzip well. Details for the result list are fetched on
demand from shards of SHARD_SIZE offers; offers are in a space-filling-curve order, so the
offers near one postcode sit in one or two shards.
"""

from functools import lru_cache
from operator import itemgetter, sub

from ..catalogue.offer import Offer
from ..catalogue.reference import Reference
from ..catalogue.vocab import ALLEEN_VOOR, DAGEN, DOELGROEP_BOOM, DOELGROEPEN, NIVEAUS, TALEN
from ..jsontext import compact_json_bytes
from .gazetteer import gazetteer, gazetteer_file
from .texts import PARTS, Summary, monthly_cost, part_of_day, summary

SHARD_SIZE = 256
SCALE = 10_000  # coordinates as integers of 1e-4 degree (about 10 m)
DATA_VERSION = 1

# Flag bits of the "f" column.
FLAGS = {"proefles": 1, "zorgverzekeraar": 2, "stadspas": 4, "rolstoel": 8, "aangepast": 16,
         "vrouwen": 32, "mannen": 64, "aanmelden": 512}
NIVEAU_SHIFT = 7  # bits 7-8: 0 unknown, 1 rustig, 2 gemiddeld, 3 intensief
OP_AFSPRAAK_BIT = 1 << 21
UNKNOWN_COST = -1  # the "k" column's value when the price is unknown


@lru_cache(maxsize=1 << 16)  # many offers share a spot (50,000 offers: 4,082 spots)
def morton(lat: float, lon: float) -> int:
    """Interleave the bits of a coarse grid cell, so nearby offers sort next to each other."""
    y = int((lat - 50.0) * 512) & 0xFFFF
    x = int((lon - 3.0) * 512) & 0xFFFF
    key = 0
    for bit in range(16):
        key |= ((x >> bit) & 1) << (2 * bit) | ((y >> bit) & 1) << (2 * bit + 1)
    return key


def search_order(items: list) -> list:
    """Items with lat, lon and id in the order of the search file (space-filling curve, id)."""
    return sorted(items, key=lambda o: (morton(o.lat, o.lon), o.id))


def time_bits(offer: Offer) -> int:
    """Bit day*3+part for every weekly slot, plus OP_AFSPRAAK_BIT."""
    bits = 0
    for slot in offer.data.rooster:
        bits |= 1 << (DAGEN.index(slot.dag) * 3 + part_of_day(slot.van))
    if offer.data.op_afspraak:
        bits |= OP_AFSPRAAK_BIT
    return bits


def flag_bits(offer: Offer) -> int:
    """The yes/no filter facts of an offer as one integer."""
    data = offer.data
    cost, access = data.kosten, data.toegankelijkheid
    vergoeding = cost.vergoeding if cost else None
    flags = 0
    flags |= FLAGS["proefles"] if cost and cost.gratis_proefles else 0
    flags |= FLAGS["zorgverzekeraar"] if vergoeding and vergoeding.zorgverzekeraar else 0
    flags |= FLAGS["stadspas"] if vergoeding and vergoeding.stadspas else 0
    flags |= FLAGS["rolstoel"] if access and access.rolstoel else 0
    flags |= FLAGS["aangepast"] if access and access.aangepast_sporten else 0
    flags |= FLAGS["vrouwen"] if data.alleen_voor == "vrouwen" else 0
    flags |= FLAGS["mannen"] if data.alleen_voor == "mannen" else 0
    flags |= FLAGS["aanmelden"] if offer.accepts_referrals() else 0
    if data.niveau:
        flags |= (NIVEAUS.index(data.niveau) + 1) << NIVEAU_SHIFT
    return flags


def mask(values: list[str], vocabulary: list[str]) -> int:
    """A bit per vocabulary entry present in values."""
    return sum(1 << vocabulary.index(v) for v in set(values))


def search_row(offer: Offer, codes: list[str]) -> dict:
    """One offer's values in the search file's columns (coordinates not yet delta-coded)."""
    data = offer.data
    acts = [codes.index(a) for a in data.activiteiten]
    age = data.leeftijd
    low = age.van if age and age.van is not None else 0
    high = age.tot if age and age.tot is not None else 127
    monthly = monthly_cost(data)  # None: unknown, never "free"
    return {
        "y": round(offer.lat * SCALE), "x": round(offer.lon * SCALE),
        "a": acts[0] if len(acts) == 1 else acts,
        "g": mask(data.doelgroepen, DOELGROEPEN),
        "t": time_bits(offer),
        "k": UNKNOWN_COST if monthly is None else int(-(-monthly // 1)),  # euros, rounded up
        "f": flag_bits(offer),
        "l": mask(data.talen, list(TALEN)),
        "j": low * 128 + high,
    }


COLUMNS = ("y", "x", "a", "g", "t", "k", "f", "l", "j")  # the search file's columns, in order


def deltas(values: list[int]) -> list[int]:
    """Coordinates delta-coded (neighbours in the curve order are close)."""
    return list(map(sub, values, [0, *values[:-1]]))


def positions(rows: list[dict]) -> dict:
    """The positions part of the search file (what the home map clusters), for rows already
    in search order."""
    cols = {"n": len(rows), "scale": SCALE, "shard": SHARD_SIZE}
    for axis in ("y", "x"):
        cols[axis] = deltas([row[axis] for row in rows])
    return cols


def search_file(rows: list[dict], ref: Reference) -> dict:
    """The compact columnar search data for rows already in search order."""
    codes = sorted(ref.activities)
    # (one pass over the rows: a column per key)
    columns = zip(*map(itemgetter(*COLUMNS), rows), strict=True) if rows \
        else ([] for _k in COLUMNS)
    cols = dict(zip(COLUMNS, map(list, columns), strict=True))
    for axis in ("y", "x"):
        cols[axis] = deltas(cols[axis])
    return {
        "v": DATA_VERSION, "n": len(rows), "scale": SCALE, "shard": SHARD_SIZE,
        "activiteiten": [[c, ref.activities[c].label] for c in codes],
        "doelgroepen": DOELGROEPEN, "talen": list(TALEN), "dagen": DAGEN, "dagdelen": PARTS,
        "doelgroep_boom": [[DOELGROEPEN.index(broad), [DOELGROEPEN.index(n) for n in narrower]]
                           for broad, narrower in DOELGROEP_BOOM.items()],
        "niveaus": NIVEAUS, "alleen_voor": ALLEEN_VOOR, "flags": FLAGS,
        "niveau_shift": NIVEAU_SHIFT, "op_afspraak_bit": OP_AFSPRAAK_BIT,
        **{k: cols[k] for k in ("y", "x", "a", "g", "t", "k", "f", "l", "j")},
    }


def detail_record(offer: Offer, labels: dict[str, str], texts: Summary | None = None) -> dict:
    """What the home page's result list and map popups show of one offer (the detail shards);
    nothing more, since the shards hold every offer (empty values left out). `texts`: the
    offer's `summary`, when it is made already."""
    data = offer.data
    texts = texts or summary(data)
    record = {
        "id": offer.id, "titel": data.titel,
        "activiteiten": [labels[a] for a in data.activiteiten],
        "plek": data.locatie.naam, "plaats": data.locatie.plaats,
        "wanneer": texts.when, "kosten": texts.cost,
        "proefles": bool(data.kosten and data.kosten.gratis_proefles),
    }
    return without_empty(record)


def sheet_record(offer: Offer, labels: dict[str, str], detail: dict | None = None) -> dict:
    """What the printed advice sheet shows of one offer (in each offer page, where the sheet
    reads it). Empty values are left out (the sheet says "unknown" for a missing key): at
    national scale each null would cost bytes 50,000 times. `detail`: the offer's
    `detail_record`, when it is made already."""
    data = offer.data
    cost = data.kosten
    vergoeding = cost.vergoeding if cost else None
    who = data.aanbieder
    return without_empty({
        **(detail or detail_record(offer, labels)),
        "adres": data.locatie.adres, "postcode": data.locatie.postcode,
        "aanbieder": who.naam, "telefoon": who.telefoon, "email": who.email,
        "zorgverzekeraar": vergoeding.zorgverzekeraar if vergoeding else None,
        "stadspas": vergoeding.stadspas if vergoeding else None,
        "korting": cost.korting if cost else None,
        "begeleiding": list(data.begeleiding),
        "meenemen": data.meenemen,
    })


def without_empty(record: dict) -> dict:
    """The record without None, False and empty lists (a reader treats a missing key so)."""
    return {key: value for key, value in record.items() if value not in (None, False, [])}


def pc4_file(ref: Reference) -> dict:
    """Postcode centroids for the offline postcode check in the browser (places: plaatsen.json)."""
    rows = sorted(ref.postcodes.values(), key=lambda p: p.pc4)
    return {"scale": SCALE,
            "pc4": [[int(p.pc4), round(p.lat * SCALE), round(p.lon * SCALE)] for p in rows]}


REFERENCE_FILES = ("pc4.json", "plaatsen.json")  # the files reference_files makes


def reference_files(ref: Reference, memo) -> dict[str, bytes]:
    """pc4.json and plaatsen.json: made from the reference data alone (memoised)."""
    return {"pc4.json": memo("pc4.json", lambda: compact_json_bytes(pc4_file(ref))),
            "plaatsen.json": memo("plaatsen.json", lambda: compact_json_bytes(
                gazetteer_file(gazetteer(ref.folder))))}
