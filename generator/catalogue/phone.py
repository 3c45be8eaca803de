"""Dutch phone numbers, shared by the offer schema and the referral forms."""

import phonenumbers


def normalise_phone(text: str) -> str | None:
    """A readable phone number (national format for NL, international otherwise), or None."""
    try:
        number = phonenumbers.parse(str(text), "NL")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 31
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, fmt)
