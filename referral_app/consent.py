"""Consent texts, versioned: the version and the moment of consent are stored per referral."""

# Change a text -> give it a new version. Old versions stay here so stored ones keep meaning.
TEXTS = {
    "verwijzen-2025-1": (
        "De deelnemer heeft toestemming gegeven om deze gegevens te delen met de aanbieder van "
        "dit aanbod, zodat de aanbieder contact kan opnemen."),
    "aanmelden-2025-1": (
        "Ik geef toestemming om mijn gegevens te delen met de aanbieder van dit aanbod, zodat de "
        "aanbieder contact met mij kan opnemen. Mijn gegevens worden verwijderd als ze niet "
        "meer nodig zijn."),
    "coach-2026-1": (
        "De deelnemer heeft toestemming gegeven om deze gegevens te delen met de beweegcoach. "
        "De coach mag ze delen met de aanbieder die de coach en de deelnemer samen kiezen, en "
        "de aanbieder laat de coach weten hoe het gaat."),
    "terugkoppeling-2025-1": (
        "De deelnemer vindt het goed dat de aanbieder mij laat weten hoe het gaat (bijvoorbeeld: "
        "proefles gepland, lid geworden of gestopt)."),
}
REFERRAL = "verwijzen-2025-1"
SIGNUP = "aanmelden-2025-1"
COACH = "coach-2026-1"
FEEDBACK = "terugkoppeling-2025-1"
BY_KIND = {"verwijzing": REFERRAL, "aanmelding": SIGNUP, "coach": COACH}
