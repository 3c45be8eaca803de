"""Closed Dutch word lists used by the offer schema (the activity list lives in reference/)."""

import re
import unicodedata
from functools import lru_cache

# Target groups ("doelgroepen"): who an offer is especially suited for, including complaints.
DOELGROEPEN = [
    "ouderen",
    "jongeren",
    "weinig beweegervaring",
    "overgewicht",
    "diabetes type 2",
    "hart- en vaatziekten",
    "COPD/longklachten",
    "artrose",
    "reuma",
    "rug- en nekklachten",
    "knieklachten",
    "heupklachten",
    "psychische klachten",
    "na kanker",
    "lichamelijke beperking",
    "verstandelijke beperking",
    "chronische pijn",
    "niet-aangeboren hersenletsel",
    "parkinson",
    "eenzaamheid",
    # broad terms (see DOELGROEP_BOOM)
    "gewrichtsklachten",
    "hart- en longklachten",
    "beperking",
]

# Broad terms and the narrower terms they include: a search for a broad term also finds offers
# that list one of its narrower terms. Declared once here; the search filter and the index
# pages follow it. An offer may list the broad term itself when it suits all of them.
DOELGROEP_BOOM = {
    "gewrichtsklachten": ["artrose", "reuma", "knieklachten", "heupklachten",
                          "rug- en nekklachten", "chronische pijn"],
    "hart- en longklachten": ["hart- en vaatziekten", "COPD/longklachten"],
    "beperking": ["lichamelijke beperking", "verstandelijke beperking",
                  "niet-aangeboren hersenletsel"],
}


def doelgroep_with_narrower(term: str) -> set[str]:
    """A target group and every narrower term it includes ('gewrichtsklachten' -> artrose...)."""
    return {term, *DOELGROEP_BOOM.get(term, [])}

# Instructor qualifications ("begeleiding"): what clinicians look for before they refer.
KWALIFICATIES = [
    "MBO-3 sport en bewegen",
    "MBO-4 sport en bewegen",
    "HBO sport en bewegen (ALO)",
    "HBO sportkunde",
    "EHBO",
    "reanimatie en AED",
    "diabetes-training",
    "hart- en vaattraining",
    "COPD-training",
    "fysiotherapeut aanwezig",
    "oefentherapeut aanwezig",
    "Meer Bewegen voor Ouderen (MBvO)",
    "trainer aangepast sporten",
    "zweminstructeur",
    "vrijwilliger met training",
]

# Languages the guidance speaks, as Dutch names mapped to BCP-47 language codes.
TALEN = {
    "Nederlands": "nl",
    "Engels": "en",
    "Duits": "de",
    "Frans": "fr",
    "Spaans": "es",
    "Portugees": "pt",
    "Turks": "tr",
    "Arabisch": "ar",
    "Berbers": "ber",
    "Papiaments": "pap",
    "Sranantongo": "srn",
    "Pools": "pl",
    "Oekraïens": "uk",
    "Russisch": "ru",
    "Somalisch": "so",
    "Tigrinya": "ti",
    "Chinees": "zh",
    "Limburgs": "li",
    "Nederlandse Gebarentaal": "dse",
}

DAGEN = ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"]

# Intensity levels, from calm to demanding.
NIVEAUS = ["rustig", "gemiddeld", "intensief"]

# Conditions for which a provider advises a medical check (GP or sports doctor) first.
MEDISCHE_CHECK = [
    "hart- en vaatziekten",
    "diabetes",
    "hoge bloeddruk",
    "COPD/longklachten",
    "epilepsie",
    "zwangerschap",
]

# Periods a price can be quoted for, with the factor that turns it into a monthly amount.
# "les" (per session) is converted using the number of weekly sessions in the schedule.
KOSTEN_PER = {"les": None, "week": 52 / 12, "maand": 1.0, "kwartaal": 1 / 3, "jaar": 1 / 12}

ALLEEN_VOOR = ["vrouwen", "mannen"]

JA = {"ja", "yes", "true", "waar", "j", "y"}
NEE = {"nee", "no", "false", "onwaar", "n"}
ONBEKEND = {"onbekend", "weet niet", "unknown", "?"}


@lru_cache(maxsize=4096)  # (the same gemeenten, places and groups, for every offer)
def slugify(text: str) -> str:
    """Turn a Dutch label into a URL-safe slug ('Súdwest-Fryslân' -> 'sudwest-fryslan')."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
