"""Words people write for an activity -> our activity codes: meaning first, spelling last.

A word is looked up as a code, a Dutch label and a synonym (reference/activiteiten-synoniemen.csv)
before any spelling guess, so "pingpong" finds tafeltennis and "schaken" is explained (a mind
sport the OpenActive list lacks) instead of being taken for "schaatsen".
"""

import csv
import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

SYNONYMS_FILE = "activiteiten-synoniemen.csv"
SPELLING_CUTOFF = 0.8  # difflib ratio; 0.5 took "squash" for "aquarobics"


@dataclass(frozen=True)
class Match:
    """What a word means: a code, or why there is none, and a spelling suggestion."""

    word: str
    code: str | None = None
    how: str = "onbekend"  # code, label, synoniem, buiten-lijst or onbekend
    note: str = ""
    suggestion: str | None = None


def normal(word: str) -> str:
    """Lower case, no accents, hyphens and spaces alike: 'Kanoën' -> 'kanoen'."""
    text = unicodedata.normalize("NFKD", str(word)).encode("ascii", "ignore").decode()
    return re.sub(r"[\s_-]+", " ", text.lower()).strip()


class ActivityWords:
    """Look-up tables from words to activity codes."""

    def __init__(self, labels: dict[str, str], synonyms: list[dict[str, str]]):
        """labels: code -> Dutch label; synonyms: rows with term, code, toelichting."""
        self.labels = labels
        self.meaning: dict[str, tuple[str | None, str, str]] = {}
        for row in synonyms:
            self.meaning[normal(row["term"])] = (row["code"] or None, "synoniem",
                                                 row.get("toelichting") or "")
        for code, label in labels.items():
            self.meaning[normal(label)] = (code, "label", "")
            self.meaning[normal(re.sub(r"\s*\(.*\)", "", label))] = (code, "label", "")
            self.meaning[normal(code)] = (code, "code", "")
        self.spellings = {key: value[0] for key, value in self.meaning.items() if value[0]}

    def resolve(self, word: str) -> Match:
        """The code a word means, or why it has none (with a spelling suggestion if close)."""
        key = normal(word)
        if key in self.meaning:
            code, how, note = self.meaning[key]
            return Match(word, code, how if code else "buiten-lijst", note)
        close = difflib.get_close_matches(key, list(self.spellings), n=1, cutoff=SPELLING_CUTOFF)
        return Match(word, suggestion=self.spellings[close[0]] if close else None)

    def hint(self, word: str) -> str:
        """' Bedoelde je ...?' or the reason a known word has no code, or ''."""
        match = self.resolve(word)
        code = match.code or match.suggestion
        if match.how == "buiten-lijst":
            return f" '{word}' {match.note}."
        if code and code != word:
            return f" Bedoelde je '{code}'?"
        return ""


def read_synonyms(path: Path) -> list[dict[str, str]]:
    """The synonyms table (term, code, toelichting)."""
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@lru_cache(maxsize=4)
def activity_words(folder: Path) -> ActivityWords:
    """The look-up tables for a reference folder (read once)."""
    from .reference import read_activities

    activities = read_activities(Path(folder) / "activiteiten.csv")
    return ActivityWords({code: a.label for code, a in activities.items()},
                         read_synonyms(Path(folder) / SYNONYMS_FILE))
