"""Dutch messages for schema validation errors, with "did you mean" hints for unknown fields."""

from pydantic import BaseModel

from .paths import submodel
from .schema import Aanbod, suggestion

# pydantic error type -> Dutch message (may use the error's context values).
MESSAGES = {
    "missing": "verplicht veld ontbreekt",
    "string_type": "moet tekst zijn",
    "int_type": "moet een heel getal zijn",
    "int_parsing": "moet een heel getal zijn",
    "int_from_float": "moet een heel getal zijn",
    "float_type": "moet een getal zijn (met een punt, bijvoorbeeld 5.50)",
    "float_parsing": "moet een getal zijn (met een punt, bijvoorbeeld 5.50)",
    "bool_type": "moet ja of nee zijn",
    "bool_parsing": "moet ja of nee zijn",
    "list_type": "moet een lijst zijn (regels die beginnen met '- ')",
    "model_type": "moet een blok met velden zijn",
    "model_attributes_type": "moet een blok met velden zijn",
    "dict_type": "moet een blok met velden zijn",
    "date_type": "moet een datum zijn als JJJJ-MM-DD, bijvoorbeeld 2026-10-01",
    "date_parsing": "moet een datum zijn als JJJJ-MM-DD, bijvoorbeeld 2026-10-01",
    "date_from_datetime_parsing": "moet een datum zijn als JJJJ-MM-DD, bijvoorbeeld 2026-10-01",
    "date_from_datetime_inexact": "moet een datum zijn zonder tijd",
    "string_too_short": "is te kort (minstens {min_length} tekens)",
    "string_too_long": "is te lang (hoogstens {max_length} tekens)",
    "too_short": "moet minstens {min_length} onderdeel bevatten",
    "too_long": "mag hoogstens {max_length} onderdelen bevatten",
    "greater_than_equal": "moet minstens {ge} zijn",
    "greater_than": "moet groter zijn dan {gt}",
    "less_than_equal": "mag hoogstens {le} zijn",
    "less_than": "moet kleiner zijn dan {lt}",
    "url_parsing": "moet een webadres zijn dat begint met https://",
    "url_scheme": "moet een webadres zijn dat begint met https://",
    "url_type": "moet een webadres zijn dat begint met https://",
    "finite_number": "moet een getal zijn",
}


def _field_names(loc: tuple) -> list[str]:
    """The allowed field names of the block that `loc` points into."""
    model: type[BaseModel] | None = Aanbod
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(part)
        if field is None:
            return []
        model = submodel(field.annotation)
    return list(model.model_fields) if model else []


def dutch_message(error: dict) -> str:
    """The Dutch message for one pydantic error dict."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "beweegkaart":
        return error["msg"]
    if kind == "extra_forbidden":
        key = str(error["loc"][-1])
        names = _field_names(error["loc"][:-1])
        hint = suggestion(key, names)
        return (
            f"onbekend veld '{key}'.{hint}"
            if hint
            else f"onbekend veld '{key}'. Toegestaan: {', '.join(names)}"
        )
    if kind == "value_error" and "email" in error["msg"].lower():
        return "is geen geldig e-mailadres"
    if (
        kind.startswith(("float", "decimal"))
        and isinstance(error.get("input"), str)
        and "," in error["input"]
    ):
        return "moet een getal zijn; gebruik een punt in plaats van een komma (5.50)"
    template = MESSAGES.get(kind)
    if template is None:
        return error["msg"]
    return template.format(**ctx)


def unknown_postcode(postcode: str) -> str:
    """The message for a postcode missing from the PC4 table."""
    return f"postcode {postcode[:4]} staat niet in de postcodelijst; controleer de postcode"
