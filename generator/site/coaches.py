"""The coach box on the site: the coaches of a gemeente on its page, and data/coaches.json for
the home page and the advice sheet (public details only; the referral address never leaves
the catalogue)."""

from html import escape

from ..catalogue.coaches import CoachEntry

HEADING = "Weet je niet wat past? De beweegcoach van jouw wijk helpt"


def coach_section(coaches: list[CoachEntry], referral_url: str) -> str:
    """HTML for a gemeente page: each coach with wijken, phone, hours and a referral link."""
    if not coaches:
        return ""
    items = []
    for coach in coaches:
        d = coach.data
        area = ", ".join(coach.wijken) or "postcodes " + ", ".join(sorted(coach.pc4))
        phone = escape(d.telefoon)
        items.append(
            f"<li><p><strong>{escape(d.naam)}</strong>, {escape(d.functie)} bij "
            f"{escape(d.organisatie)}. Wijken: {escape(area)}.</p>"
            f'<p>Bel <a href="tel:{phone.replace(" ", "")}">{phone}</a> ({escape(d.bereikbaar)}).'
            f' Zorgverlener? <a href="{escape(referral_url)}/verwijzen/coach/{escape(coach.id)}">'
            f"Verwijs naar {escape(d.naam)}</a>.</p></li>")
    return (f'<section class="bk-coach" aria-labelledby="bk-coach-kop"><h2 id="bk-coach-kop">'
            f"{HEADING}</h2><p>De coach helpt gratis bij het kiezen, en gaat soms de eerste keer "
            f'mee.</p><ul>{"".join(items)}</ul></section>')
