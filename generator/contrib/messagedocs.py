"""Real validator messages for the contributor docs: common mistakes made in the template.

Each example breaks a copy of `offer-template.yaml` in one way, runs the validator on it and
shows the lines exactly as `beweegkaart validate` prints them.
"""

import contextlib
import datetime as dt
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..catalogue.load import check_file
from ..catalogue.reference import load_reference
from ..catalogue.yamlio import OfferLoader


@dataclass(frozen=True)
class Mistake:
    """One common mistake: how it is made in the template, and how to fix it."""

    title: str
    pattern: str  # regex on the template text (multiline)
    replacement: str  # may use {old_date} for a date more than a year before 'today'
    fix: str
    folder: str = "rotterdam"


MISTAKES = [
    Mistake("Een tikfout in een veldnaam", r"^  gratis_proefles:", "  gratis_profles:",
            "Verbeter de naam van het veld. De melding noemt de naam die je waarschijnlijk "
            "bedoelt."),
    Mistake("Een activiteit die niet in de lijst staat", r"\[walking-football\]",
            "[walking-footbal]",
            "Kies een activiteit uit de lijst bij `activiteiten` (hieronder). Let op streepjes."),
    Mistake("Een komma in een bedrag", r"^  bedrag: 5\.00", "  bedrag: 5,00",
            "Gebruik een punt: `5.00`."),
    Mistake("Een dubbele punt midden in een tekst", r"^seizoen: .*?(?=\s+#|$)",
            "seizoen: let op: niet in juli",
            "Zet de tekst tussen aanhalingstekens: `seizoen: \"let op: niet in juli\"`."),
    Mistake("Verkeerd ingesprongen", r"^  adres:", " adres:",
            "Gebruik steeds twee spaties om in te springen, zoals de regels erboven."),
    Mistake("Een tab om in te springen", r"^  naam: Sportpark", "\tnaam: Sportpark",
            "Vervang de tab door twee spaties. In de webeditor van GitHub zie je een tab niet "
            "altijd; haal de ruimte weg en typ twee spaties."),
    Mistake("Een verplicht veld ontbreekt", r"^  plaats: .*\n", "",
            "Vul het veld in. Bij elk veld staat hieronder of het verplicht is."),
    Mistake("De eindtijd ligt voor de begintijd", r'^    tot: "11:00"', '    tot: "09:00"',
            "Zet de begintijd bij `van` en de eindtijd bij `tot`, tussen aanhalingstekens."),
    Mistake("Een datum in de verkeerde vorm", r"^  gecontroleerd_op: (\d{4})-(\d\d)-(\d\d)",
            r"  gecontroleerd_op: \3-\2-\1",
            "Schrijf een datum als jaar-maand-dag: `2026-01-15`."),
    Mistake("Het bestand staat in de map van een andere gemeente", r"^titel:", "titel:",
            "Zet het bestand in de map van de gemeente waar de postcode ligt.",
            folder="maastricht"),
    Mistake("Een foto die niet gevonden wordt", r"^controle:",
            "fotos:\n  - bestand: training.jpg\n    alt: Twee spelers met een bal.\ncontrole:",
            "Upload de foto in dezelfde map als het aanbod, met precies dezelfde naam "
            "(ook hoofdletters)."),
    Mistake("Waarschuwing: lang niet gecontroleerd", r"^  gecontroleerd_op: \S+",
            "  gecontroleerd_op: {old_date}",
            "Een waarschuwing houdt je aanbod niet tegen. Kijk of alles nog klopt en zet de "
            "datum van vandaag bij `gecontroleerd_op`."),
]


def reference_day(template_text: str) -> dt.date:
    """A fixed 'today' for the examples: 30 days after the template's review date."""
    data = yaml.load(template_text, Loader=OfferLoader)  # noqa: S506 (a safe loader)
    return data["controle"]["gecontroleerd_op"] + dt.timedelta(days=30)


def example_messages(template: Path) -> list[tuple[Mistake, list[str]]]:
    """Each mistake with the lines `beweegkaart validate` prints for it."""
    text = template.read_text("utf-8")
    today = reference_day(text)
    old_date = (today - dt.timedelta(days=400)).isoformat()
    ref = load_reference()
    out = []
    # Relative paths inside a temporary folder, so messages show 'offers/...' as in a checkout.
    with tempfile.TemporaryDirectory() as tmp, contextlib.chdir(tmp):
        for mistake in MISTAKES:
            broken, count = re.subn(mistake.pattern, mistake.replacement.replace(
                "{old_date}", old_date), text, count=1, flags=re.MULTILINE)
            if count != 1:
                raise ValueError(f"mistake {mistake.title!r} does not apply to the template")
            root = Path("offers")
            path = root / mistake.folder / "walking-football-zuid.yaml"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(broken, encoding="utf-8")
            _, problems = check_file(path, root, ref, today)
            if not problems:
                raise ValueError(f"mistake {mistake.title!r} gives no message")
            out.append((mistake, [p.format() for p in problems]))
            path.unlink()
    return out


def render_markdown(template: Path, level: int = 3) -> str:
    """The 'what the checks say' section: each mistake, its real message and the fix."""
    lines = []
    for mistake, messages in example_messages(template):
        lines += [f"{'#' * level} {mistake.title}", "", "```text", *messages, "```", "",
                  f"**Oplossing:** {mistake.fix}", ""]
    return "\n".join(lines).rstrip() + "\n"
