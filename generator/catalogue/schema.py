"""The offer schema, declared once: validation, the published JSON Schema and the field docs.

Keys and descriptions are Dutch because club volunteers edit these files; the code is English.
"""

import datetime as dt
import difflib
import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .activities import activity_words
from .emails import Email
from .phone import normalise_phone
from .vocab import (
    ALLEEN_VOOR,
    DAGEN,
    DOELGROEPEN,
    JA,
    KOSTEN_PER,
    KWALIFICATIES,
    MEDISCHE_CHECK,
    NEE,
    NIVEAUS,
    ONBEKEND,
    TALEN,
)

SCHEMA_URL = "https://beweegkaart.example.org/schema/aanbod.schema.json"


def fail(message: str, field: str | None = None) -> PydanticCustomError:
    """A validation error whose Dutch message is shown to the user as is.

    Block-level checks pass the `field` they are about, so every message names its field.
    """
    return PydanticCustomError("beweegkaart", message, {"field": field} if field else None)


def suggestion(value: str, choices: list[str]) -> str:
    """A ' Bedoelde je ...?' hint with the nearest choice, or ''."""
    match = difflib.get_close_matches(value.lower(), [c.lower() for c in choices], n=1, cutoff=0.5)
    if not match:
        return ""
    original = next(c for c in choices if c.lower() == match[0])
    return f" Bedoelde je '{original}'?"


def one_of(choices: list[str], what: str):
    """A validator that accepts one of `choices` (ignoring case) and returns its spelling."""
    lookup = {c.lower(): c for c in choices}
    exact = {c: c for c in choices}  # (most values are written as listed)

    def check(value: str) -> str:
        found = exact.get(value) or lookup.get(value.strip().lower())
        if found is None:
            raise fail(f"onbekende {what} '{value}'.{suggestion(value, choices)}")
        return found

    return check


def closed_list(choices: list[str], what: str, description: str):
    """A string type restricted to a closed Dutch list, with an enum in the JSON Schema."""
    return Annotated[
        str,
        AfterValidator(one_of(choices, what)),
        WithJsonSchema({"type": "string", "enum": choices, "description": description}),
    ]


def parse_ja_nee(value: Any) -> Any:
    """Accept ja/nee (and yes/no, true/false) as booleans, and 'onbekend' as unknown (None)."""
    if isinstance(value, str):
        word = value.strip().lower()
        if word in JA:
            return True
        if word in NEE:
            return False
        if word in ONBEKEND:
            return None
        raise fail("moet ja, nee of onbekend zijn")
    return value


JaNee = Annotated[
    bool,
    BeforeValidator(parse_ja_nee),
    WithJsonSchema({"anyOf": [{"type": "boolean"}, {"enum": ["ja", "nee"]}]}),
]
# A yes/no fact that may be unknown: left out, or written as 'onbekend'.
JaNeeOnbekend = Annotated[
    bool | None,
    BeforeValidator(parse_ja_nee),
    WithJsonSchema({"anyOf": [{"type": "boolean"}, {"enum": ["ja", "nee", "onbekend"]}]}),
]


def check_text(value: str) -> str:
    """Strip surrounding spaces; raw HTML is refused separately for every text field."""
    return value.strip()


Tekst = Annotated[str, AfterValidator(check_text)]


TIME = re.compile(r"([01]?\d|2[0-3])[:.]([0-5]\d)")
TIMES: dict[str, str] = {}  # time as written -> as HH:MM (offers repeat the same few times)


def check_time(value: Any) -> str:
    """A time of day as HH:MM (24-hour clock)."""
    found = TIMES.get(value) if isinstance(value, str) else None
    if found is not None:
        return found
    match = TIME.fullmatch(value.strip()) if isinstance(value, str) else None
    if not match:
        raise fail('moet een tijd zijn als UU:MM, bijvoorbeeld "19:30"')
    found = f"{int(match.group(1)):02d}:{match.group(2)}"
    if len(TIMES) < 4096:
        TIMES[value] = found
    return found


Tijd = Annotated[
    str,
    BeforeValidator(check_time),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01]?\d|2[0-3])[:.][0-5]\d$",
            "description": 'Tijd als UU:MM, tussen aanhalingstekens: "19:30".',
        }
    ),
]


POSTCODE = re.compile(r"([1-9]\d{3})\s*([A-Z]{2})")


def check_postcode(value: Any) -> str:
    """A Dutch postcode, normalised to '1234 AB'."""
    text = str(value).strip().upper()
    match = POSTCODE.fullmatch(text)
    if not match:
        raise fail("moet een postcode zijn als 1234 AB")
    return f"{match.group(1)} {match.group(2)}"


Postcode = Annotated[
    str,
    BeforeValidator(check_postcode),
    WithJsonSchema({"type": "string", "pattern": r"^[1-9][0-9]{3} ?[A-Za-z]{2}$"}),
]


def check_phone(value: Any) -> str:
    """A Dutch phone number, in a readable national format."""
    number = normalise_phone(value)
    if number is None:
        raise fail("is geen geldig telefoonnummer (bijvoorbeeld 010 123 4567)")
    return number


Telefoon = Annotated[
    str,
    BeforeValidator(check_phone),
    WithJsonSchema({"type": "string", "description": "Telefoonnummer, bijvoorbeeld 010 123 4567."}),
]


def check_https(value: HttpUrl) -> HttpUrl:
    """Only secure web addresses are published."""
    if value.scheme != "https":
        raise fail("gebruik een veilig webadres dat begint met https://")
    return value


Website = Annotated[HttpUrl, AfterValidator(check_https)]


class Model(BaseModel):
    """Base for every block: unknown keys are errors, so typos never go unnoticed."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_max_length=2000)


class Aanbieder(Model):
    """Who runs the offer, with the public contact details for residents."""

    naam: Tekst = Field(
        min_length=2, max_length=120, description="Naam van de club of organisatie."
    )
    website: Website | None = Field(None, description="Website, beginnend met https://.")
    telefoon: Telefoon | None = Field(None, description="Openbaar telefoonnummer voor vragen.")
    email: Email | None = Field(None, description="Openbaar e-mailadres voor vragen.")


class Verwijzen(Model):
    """PRIVATE: how referrals reach the provider. Never published on the site or in open data."""

    mogelijk: JaNee = Field(
        description="Kunnen zorgverleners en inwoners hier aanmelden? ja of nee."
    )
    email: Email | None = Field(
        None, description="E-mailadres dat aanmeldingen ontvangt. Wordt NIET gepubliceerd."
    )

    @model_validator(mode="after")
    def email_when_possible(self):
        """Referrals need an inbox."""
        if self.mogelijk and not self.email:
            raise fail("vul 'email' in als verwijzen mogelijk is", "email")
        return self


class Coordinaten(Model):
    """An exact point, if the postcode centroid is not precise enough."""

    lat: float = Field(description="Breedtegraad (WGS84), bijvoorbeeld 51.8932.")
    lon: float = Field(description="Lengtegraad (WGS84), bijvoorbeeld 4.4868.")


class Locatie(Model):
    """Where the offer takes place. Gemeente and wijk are derived from the postcode."""

    naam: Tekst = Field(
        min_length=2, max_length=120, description="Naam van de plek, bijvoorbeeld Sportpark Zuid."
    )
    adres: Tekst = Field(min_length=2, max_length=120, description="Straat en huisnummer.")
    postcode: Postcode = Field(description="Postcode, bijvoorbeeld 3072 AB.")
    plaats: Tekst = Field(min_length=2, max_length=80, description="Woonplaats.")
    coordinaten: Coordinaten | None = Field(
        None, description="Optioneel: exacte plek. Zonder coördinaten gebruiken we de postcode."
    )


class Tijdslot(Model):
    """One weekly time slot."""

    dag: closed_list(DAGEN, "dag", "Dag van de week.") = Field(description="Dag van de week.")
    van: Tijd = Field(description='Begintijd, bijvoorbeeld "10:00".')
    tot: Tijd = Field(description='Eindtijd, bijvoorbeeld "11:00".')
    opmerking: Tekst | None = Field(
        None, max_length=120, description="Bijvoorbeeld: om de week, of alleen in de zomer."
    )

    @field_validator("tot")
    @classmethod
    def ends_after_start(cls, value: str, info: ValidationInfo) -> str:
        """The end time must come after the start time."""
        start = info.data.get("van")
        if start is not None and value <= start:
            raise fail(f"eindtijd ligt niet na de begintijd {start}")
        return value


class Vergoeding(Model):
    """Who pays some or all of the cost."""

    zorgverzekeraar: Tekst | None = Field(
        None, max_length=300, description="Vergoeding door de zorgverzekeraar (uitleg)."
    )
    stadspas: Tekst | None = Field(
        None, max_length=300, description="Vergoeding of korting met een stadspas (uitleg)."
    )


class Kosten(Model):
    """What it costs: free, an amount per period, or unknown (a field left out)."""

    gratis: JaNeeOnbekend = Field(
        None, description="Is meedoen gratis? ja, nee of onbekend (weglaten mag ook)."
    )
    bedrag: float | None = Field(
        None, ge=0, le=10000, description="Bedrag in euro, met een punt: 5.50."
    )
    per: closed_list(list(KOSTEN_PER), "periode", "Periode van het bedrag.") | None = Field(
        None, description="Waar het bedrag voor is: les, week, maand, kwartaal of jaar."
    )
    gratis_proefles: JaNeeOnbekend = Field(
        None, description="Is er een gratis proefles? ja, nee of onbekend."
    )
    vergoeding: Vergoeding | None = Field(
        None, description="Vergoeding door verzekeraar of stadspas."
    )
    korting: Tekst | None = Field(
        None, max_length=300, description="Kortingen, bijvoorbeeld voor minima."
    )

    @model_validator(mode="after")
    def amount_or_free(self):
        """Free, or an amount with its period; an amount left out is unknown, never invented."""
        if self.gratis and self.bedrag:
            raise fail("kies: 'gratis: ja' of een bedrag, niet allebei", "bedrag")
        if not self.gratis and self.bedrag == 0:
            raise fail("het bedrag is 0: zet dan 'gratis: ja' in plaats van een bedrag", "bedrag")
        if self.bedrag is not None and self.per is None:
            raise fail("vul ook 'per' in: les, week, maand, kwartaal of jaar", "per")
        if self.per is not None and self.bedrag is None:
            raise fail("vul ook het 'bedrag' in, of laat 'per' weg", "bedrag")
        return self

    @property
    def price_known(self) -> bool:
        """True when we know it is free or what it costs."""
        return self.gratis is True or self.bedrag is not None


class Leeftijd(Model):
    """Age range; leave out a side for no limit."""

    van: int | None = Field(None, ge=0, le=120, description="Minimumleeftijd.")
    tot: int | None = Field(None, ge=0, le=120, description="Maximumleeftijd.")

    @field_validator("tot")
    @classmethod
    def upper_after_lower(cls, value: int | None, info: ValidationInfo) -> int | None:
        """The upper age must not be below the lower age."""
        low = info.data.get("van")
        if value is not None and low is not None and value < low:
            raise fail(f"maximumleeftijd is lager dan minimumleeftijd {low}")
        return value


class Toegankelijkheid(Model):
    """Accessibility of the place and the activity; a key left out means 'unknown', not 'no'."""

    rolstoel: JaNeeOnbekend = Field(None, description="Toegankelijk met een rolstoel.")
    aangepast_toilet: JaNeeOnbekend = Field(None, description="Er is een aangepast toilet.")
    parkeren: JaNeeOnbekend = Field(None, description="Parkeren bij de deur.")
    openbaar_vervoer: Tekst | None = Field(
        None,
        max_length=200,
        description="Bereikbaarheid met OV, bijvoorbeeld bus 38, halte Sportlaan.",
    )
    slechtzienden: JaNeeOnbekend = Field(
        None, description="Begeleiding voor mensen die slecht zien."
    )
    slechthorenden: JaNeeOnbekend = Field(
        None, description="Begeleiding voor mensen die slecht horen."
    )
    aangepast_sporten: JaNeeOnbekend = Field(
        None, description="De activiteit wordt aangepast aan beperkingen."
    )
    toelichting: Tekst | None = Field(None, max_length=500, description="Verdere uitleg.")


class Foto(Model):
    """A photo next to the offer file, with a description for people who cannot see it."""

    bestand: Tekst = Field(description="Bestandsnaam, naast het aanbod-bestand (jpg, png of webp).")
    alt: Tekst = Field(
        min_length=5,
        max_length=250,
        description="Beschrijving van de foto voor wie hem niet kan zien (verplicht).",
    )

    @field_validator("bestand")
    @classmethod
    def image_file(cls, value: str) -> str:
        """Only plain raster images in the offer's own folder."""
        if "/" in value or "\\" in value or value.startswith("."):
            raise fail("geef alleen de bestandsnaam, zonder map")
        if not re.search(r"\.(jpe?g|png|webp)$", value, re.IGNORECASE):
            raise fail("foto moet een .jpg, .png of .webp zijn")
        return value


class Controle(Model):
    """When a curator last checked the offer, and until when it holds."""

    gecontroleerd_op: dt.date = Field(description="Datum van de laatste controle (JJJJ-MM-DD).")
    door: Tekst = Field(min_length=2, max_length=120, description="Wie heeft het gecontroleerd.")
    geldig_tot: dt.date | None = Field(
        None, description="Tot wanneer het aanbod loopt (JJJJ-MM-DD)."
    )


class Bron(Model):
    """Where imported data came from, until a curator has checked the offer."""

    naam: Tekst = Field(
        min_length=2, max_length=160, description="Waar de gegevens vandaan komen, bijvoorbeeld "
        "de sportlijst van de gemeente."
    )
    datum: dt.date | None = Field(None, description="Datum van die bron (JJJJ-MM-DD).")
    sleutel: Tekst | None = Field(
        None, max_length=200, description="Vaste sleutel van de rij in de bron (voor een nieuwe "
        "import; niet aanpassen)."
    )


# Activity codes come from the reference data (activiteiten.csv, each tied to an OpenActive
# concept), passed in at validation: Aanbod.model_validate(data, context=reference_context(ref)).
def reference_context(ref) -> dict:
    """The validation context that gives the schema its reference data."""
    return {"reference": ref}


def check_activity(value: str, info: ValidationInfo) -> str:
    """An activity code; the hint looks at meaning (labels, synonyms) before spelling."""
    ref = (info.context or {}).get("reference")
    if ref is None:  # a programming error, not bad input: never shown to a club
        raise TypeError("Aanbod needs the reference data: "
                        "Aanbod.model_validate(data, context=reference_context(ref))")
    if value in ref.activities:
        return value
    found = next((code for code in ref.activities if code.lower() == value.strip().lower()), None)
    if found is None:
        hint = activity_words(ref.folder).hint(value.strip())
        raise fail(f"onbekende activiteit '{value}'.{hint}")
    return found


Activiteit = Annotated[
    str,
    AfterValidator(check_activity),
    # the list of codes is filled in by json_schema(ref)
    WithJsonSchema({"type": "string", "description": "Activiteit."}),
]


class Aanbod(Model):
    """One sports or exercise offer ("aanbod")."""

    titel: Tekst = Field(
        min_length=5, max_length=90, description="Korte, duidelijke naam van het aanbod."
    )
    beschrijving: Tekst = Field(
        min_length=20,
        max_length=3000,
        description="Wat ga je doen, en hoe voelt het? Eenvoudige Markdown, geen HTML.",
    )
    aanbieder: Aanbieder = Field(description="Wie organiseert het.")
    verwijzen: Verwijzen | None = Field(
        None, description="PRIVÉ: hoe aanmeldingen binnenkomen. Wordt nooit gepubliceerd."
    )
    activiteiten: list[Activiteit] = Field(
        min_length=1,
        max_length=5,
        description="Eén tot vijf activiteiten uit de activiteitenlijst, "
        "bijvoorbeeld walking-football.",
    )
    doelgroepen: list[closed_list(DOELGROEPEN, "doelgroep", "Doelgroep of klacht.")] = Field(
        default_factory=list, description="Voor wie is het aanbod extra geschikt."
    )
    niveau: closed_list(NIVEAUS, "niveau", "Hoe zwaar.") | None = Field(
        None, description="Hoe zwaar: rustig, gemiddeld of intensief."
    )
    leeftijd: Leeftijd | None = Field(None, description="Leeftijdsgrenzen.")
    alleen_voor: closed_list(ALLEEN_VOOR, "groep", "Alleen voor vrouwen of mannen.") | None = Field(
        None, description="Alleen voor vrouwen of alleen voor mannen; laat weg als iedereen mag."
    )
    groepsgrootte: int | None = Field(None, ge=1, le=500, description="Maximaal aantal deelnemers.")
    locatie: Locatie = Field(description="Waar het aanbod is.")
    rooster: list[Tijdslot] = Field(
        default_factory=list, max_length=21, description="Vaste tijden per week."
    )
    op_afspraak: JaNeeOnbekend = Field(
        None, description="Zet op ja als er geen vaste tijden zijn."
    )
    seizoen: Tekst | None = Field(
        None, max_length=120, description="Bijvoorbeeld: september tot en met juni."
    )
    uitzonderingen: Tekst | None = Field(
        None, max_length=300, description="Bijvoorbeeld: niet in de schoolvakanties."
    )
    meenemen: Tekst | None = Field(
        None, max_length=200,
        description="Wat neem je mee? Bijvoorbeeld: makkelijke kleding, binnenschoenen en water.",
    )
    kosten: Kosten | None = Field(
        None, description="Wat het kost. Weglaten als het onbekend is."
    )
    toegankelijkheid: Toegankelijkheid | None = Field(None, description="Toegankelijkheid.")
    begeleiding: list[
        closed_list(KWALIFICATIES, "kwalificatie", "Opleiding van de begeleiding.")
    ] = Field(default_factory=list, description="Opleiding en diploma's van de begeleiding.")
    medische_check: list[
        closed_list(MEDISCHE_CHECK, "aandoening", "Eerst een medische check bij deze aandoening.")
    ] = Field(
        default_factory=list,
        description="Bij welke aandoeningen raden jullie eerst een medische check aan (bij de "
        "huisarts of sportarts)? Bijvoorbeeld [hart- en vaatziekten, diabetes].",
    )
    talen: list[closed_list(list(TALEN), "taal", "Taal.")] = Field(
        default_factory=lambda: ["Nederlands"], description="Talen die de begeleiding spreekt."
    )
    fotos: list[Foto] = Field(
        default_factory=list, max_length=6, description="Foto's met beschrijving."
    )
    controle: Controle | None = Field(None, description="Controle door de beheerder.")
    bron: Bron | None = Field(
        None, description="Waar geïmporteerde gegevens vandaan komen, zolang een beheerder het "
        "aanbod nog niet heeft gecontroleerd."
    )

    @model_validator(mode="after")
    def reviewed_or_sourced(self):
        """Every offer says who checked it, or where its data came from."""
        if self.controle is None and self.bron is None:
            raise fail("vul 'controle' in (wanneer en door wie gecontroleerd), of 'bron'",
                       "controle")
        return self

    @property
    def schedule_known(self) -> bool:
        """True when there are fixed times or it is by appointment."""
        return bool(self.rooster) or self.op_afspraak is True


# Fields whose content is private: they never reach the site or the open data.
PRIVATE_FIELDS = {"verwijzen"}


def json_schema(ref) -> dict:
    """The JSON Schema published for editors (yaml-language-server autocompletion), with the
    activity codes of the reference data `ref`."""
    schema = Aanbod.model_json_schema()
    # Block docstrings are English developer notes; editors show the Dutch field descriptions.
    for block in schema.get("$defs", {}).values():
        block.pop("description", None)
    schema["description"] = (
        "Eén beweegaanbod op de beweegkaart. Velden en uitleg: zie CONTRIBUTING.md."
    )
    items = schema["properties"]["activiteiten"]["items"]
    schema["properties"]["activiteiten"]["items"] = {
        "description": items["description"], "enum": list(ref.activities), "type": items["type"]}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_URL, **schema}
