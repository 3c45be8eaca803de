"""The forms, validated on the server with a Dutch message beside each field."""

import re
import secrets

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from generator.catalogue.phone import normalise_phone

from . import consent

ROLES = {
    "": "Kies je functie",
    "huisarts": "Huisarts",
    "poh": "Praktijkondersteuner (POH)",
    "fysiotherapeut": "Fysiotherapeut",
    "oefentherapeut": "Oefentherapeut",
    "dietist": "Diëtist",
    "specialist": "Medisch specialist",
    "wijkverpleegkundige": "Wijkverpleegkundige",
    "leefstijlcoach": "Leefstijlcoach of buurtsportcoach",
    "anders": "Anders",
}
MOMENTS = {
    "maakt-niet-uit": "Maakt niet uit",
    "ochtend": "Ochtend",
    "middag": "Middag",
    "avond": "Avond",
}
# Control characters (CR, LF, ...) and RFC 2047 encoded words never belong in a form field:
# refusing them here means nothing a person types can reach a mail header as a trick.
CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\u2028\u2029\x85]")
ENCODED_WORD = re.compile(r"=\?.*\?=", re.DOTALL)
NOTE_MAX = 300


def plain_line(form, field) -> None:
    """A single line of text: no line breaks, control characters or encoded words."""
    value = field.data or ""
    if CONTROL.search(value) or "\t" in value:
        raise ValidationError("Gebruik één regel tekst, zonder enters of speciale tekens.")
    if ENCODED_WORD.search(value):
        raise ValidationError("Deze tekens zijn niet toegestaan: =? en ?=")


def plain_text(form, field) -> None:
    """Free text may have line breaks, but no other control characters or encoded words."""
    value = (field.data or "").replace("\r\n", "\n")
    bad = re.search(r"[\x00-\x08\x0b-\x1f\x7f]", value.replace("\n", ""))
    if bad or ENCODED_WORD.search(value):
        raise ValidationError("Gebruik gewone tekst, zonder speciale tekens.")


def dutch_phone(form, field) -> None:
    """A valid phone number (Dutch by default), stored in a readable format."""
    if not field.data:
        return
    number = normalise_phone(field.data)
    if number is None:
        raise ValidationError("Vul een geldig telefoonnummer in, bijvoorbeeld 06 12345678.")
    field.data = number


def strip(value):
    """Trim spaces around a text value."""
    return value.strip() if isinstance(value, str) else value


EMAIL_MESSAGE = "Vul een geldig e-mailadres in, bijvoorbeeld naam@voorbeeld.nl."


def email_field(label: str, required: bool) -> StringField:
    """An e-mail field with Dutch messages."""
    first = DataRequired("Vul een e-mailadres in.") if required else Optional()
    return StringField(label, filters=[strip], validators=[
        first, Length(max=254, message="Dit e-mailadres is te lang."), plain_line,
        Email(EMAIL_MESSAGE, check_deliverability=False, allow_smtputf8=False)])


def name_field(label: str, missing: str) -> StringField:
    """A required one-line name."""
    return StringField(label, filters=[strip], validators=[
        DataRequired(missing), Length(max=100, message="Gebruik hoogstens 100 tekens."),
        plain_line])


class ContactForm(FlaskForm):
    """Fields both forms share: the participant's contact details and the consent."""

    name = name_field("Naam", "Vul de naam in.")
    phone = StringField("Telefoonnummer", filters=[strip], validators=[
        Optional(), Length(max=30, message="Dit telefoonnummer is te lang."), plain_line,
        dutch_phone])
    email = email_field("E-mailadres", required=False)
    contact_moment = SelectField("Wanneer kan de aanbieder het beste bellen?", choices=MOMENTS,
                                 validate_choice=True)
    note = TextAreaField("Korte praktische opmerking (niet verplicht)", filters=[strip],
                         validators=[Optional(), Length(
                             max=NOTE_MAX, message=f"Gebruik hoogstens {NOTE_MAX} tekens."),
                             plain_text])
    consent = BooleanField(validators=[DataRequired(
        "Zonder toestemming kunnen we de gegevens niet doorsturen.")])
    submission = HiddenField()
    website = StringField("Laat dit veld leeg")  # honeypot: hidden from people, filled by bots

    def validate(self, extra_validators=None) -> bool:
        """Field checks, then: a phone number or an e-mail address is needed to make contact."""
        valid = super().validate(extra_validators)
        if not self.phone.data and not self.email.data and not self.phone.errors \
                and not self.email.errors:
            self.phone.errors = ["Vul een telefoonnummer of een e-mailadres in."]
            valid = False
        return valid

    def new_submission_key(self) -> None:
        """A fresh idempotency key for a blank form: a double submit sends it twice."""
        if not self.submission.data:
            self.submission.data = secrets.token_urlsafe(24)


class ReferralForm(ContactForm):
    """A professional refers a participant."""

    CONSENT_VERSION = consent.REFERRAL
    referrer_name = name_field("Je naam", "Vul je naam in.")
    referrer_role = SelectField("Je functie", choices=ROLES, validators=[
        DataRequired("Kies je functie.")])
    referrer_organisation = StringField("Praktijk of organisatie", filters=[strip], validators=[
        DataRequired("Vul je praktijk of organisatie in."),
        Length(max=120, message="Gebruik hoogstens 120 tekens."), plain_line])
    referrer_email = email_field("Je e-mailadres op het werk", required=True)
    feedback = BooleanField()


class SignupForm(ContactForm):
    """A resident signs up."""

    CONSENT_VERSION = consent.SIGNUP


STATUSES = {
    "contact_opgenomen": "Contact opgenomen",
    "proefles_gepland": "Proefles gepland",
    "deelnemer_geworden": "Deelnemer geworden",
    "niet_gestart": "Niet gestart",
    "gestopt": "Gestopt",
}
REASONS = {
    "": "Kies een reden",
    "niet_bereikbaar": "Niet bereikbaar",
    "geen_tijd": "Geen tijd",
    "te_duur": "Te duur",
    "te_zwaar": "Te zwaar",
    "past_niet": "Past niet of vond het niet leuk",
    "gezondheid": "Gezondheid",
    "vervoer": "Vervoer of afstand",
    "ander_aanbod": "Ander aanbod gekozen",
    "anders": "Anders",
}
NEEDS_REASON = {"niet_gestart", "gestopt"}


class StatusForm(FlaskForm):
    """The provider records how it is going."""

    status = SelectField("Nieuwe status", choices=STATUSES)
    reason = SelectField("Reden (bij niet gestart of gestopt)", choices=REASONS)
    reason_note = TextAreaField("Toelichting (niet verplicht, geen medische gegevens)",
                                filters=[strip], validators=[Optional(), Length(
                                    max=200, message="Gebruik hoogstens 200 tekens."), plain_text])

    def validate_reason(self, field) -> None:
        """Stopping or not starting needs a reason from the list."""
        if self.status.data in NEEDS_REASON and not field.data:
            raise ValidationError("Kies een reden.")
        if self.status.data not in NEEDS_REASON:
            field.data = ""
