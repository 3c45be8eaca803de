"""Synthetic catalogues of any size, spread over the whole country, for benchmarks and tests."""

import datetime as dt
import json
import random
from pathlib import Path

from ..catalogue.reference import REFERENCE_DIR, load_reference
from ..catalogue.vocab import DAGEN, DOELGROEPEN, KWALIFICATIES, NIVEAUS, slugify

SCHEMA_LINE = "# yaml-language-server: $schema=../../schema/aanbod.schema.json\n"
KINDS = ["Beweeggroep", "Sportinstuif", "Beweegles", "Training", "Les", "Club"]
AUDIENCES = [
    "voor 55-plussers",
    "voor iedereen",
    "voor beginners",
    "in de wijk",
    "op maandag",
    "voor vrouwen",
    "na revalidatie",
    "bij overgewicht",
    "op rustig tempo",
]
PLACES = ["Sporthal", "Buurthuis", "Sportpark", "Zwembad", "Gymzaal", "Park", "Wijkcentrum"]
LETTERS = "ABCDEGHJKLMNPRSTVWXZ"
DESCRIPTION = ("Synthetisch aanbod nummer {number} in {place}. "
               "Iedereen is welkom, ook zonder ervaring.")
STREETS = ["Sportlaan", "Kerkstraat", "Dorpsstraat", "Molenweg", "Parkweg", "Schoolstraat"]


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def synth_offer(rng: random.Random, number: int, pc, activities: list[str], today: dt.date) -> str:
    """The YAML text of one valid synthetic offer at a PC4 area."""
    activity = rng.choice(activities)
    title = f"{rng.choice(KINDS)} {activity.replace('-', ' ')} {rng.choice(AUDIENCES)}"
    groups = rng.sample(DOELGROEPEN, rng.randint(0, 3))
    start = rng.randint(8, 20)
    slots = "".join(
        f'  - {{dag: {day}, van: "{start:02d}:00", tot: "{start + 1:02d}:00"}}\n'
        for day in rng.sample(DAGEN, rng.randint(1, 2))
    )
    if rng.random() < 0.25:
        cost = "{gratis: ja, gratis_proefles: ja}"
    else:
        amount = rng.choice([2.5, 3, 5, 7.5, 10, 15, 20, 25, 35])
        per = rng.choice(["les", "maand", "maand", "kwartaal", "jaar"])
        trial = rng.choice(["ja", "nee"])
        cost = f"{{bedrag: {amount}, per: {per}, gratis_proefles: {trial}}}"
        if rng.random() < 0.2:
            cost = cost[:-1] + ', vergoeding: {zorgverzekeraar: "Aanvullende verzekering"}}'
    reviewed = today - dt.timedelta(days=rng.randint(0, 300))
    lines = [
        SCHEMA_LINE,
        f"titel: {q(title[:90])}\n",
        f"beschrijving: {q(DESCRIPTION.format(number=number, place=pc.place))}\n",
        f"aanbieder: {{naam: {q(f'Synthetische aanbieder {number} (voorbeeld)')}, "
        f'website: "https://aanbieder{number}.example.org"}}\n',
        f'verwijzen: {{mogelijk: ja, email: "aanmelden@aanbieder{number}.example.org"}}\n'
        if rng.random() < 0.8
        else "",
        f"activiteiten: [{activity}]\n",
        f"doelgroepen: [{', '.join(q(g) for g in groups)}]\n",
        f"niveau: {rng.choice(NIVEAUS)}\n",
        "alleen_voor: vrouwen\n" if rng.random() < 0.05 else "",
        f"locatie: {{naam: {q(f'{rng.choice(PLACES)} {pc.place}')}, "
        f"adres: {q(f'{rng.choice(STREETS)} {rng.randint(1, 200)}')}, "
        f'postcode: "{pc.pc4} {"".join(rng.choices(LETTERS, k=2))}", '
        f"plaats: {q(pc.place)}}}\n",
        f"rooster:\n{slots}",
        f"kosten: {cost}\n",
        f"toegankelijkheid: {{rolstoel: {rng.choice(['ja', 'nee'])}}}\n",
        f"begeleiding: [{', '.join(q(k) for k in rng.sample(KWALIFICATIES, rng.randint(1, 3)))}]\n",
        f'controle: {{gecontroleerd_op: {reviewed.isoformat()}, door: "beheer"}}\n',
    ]
    return "".join(lines)


def synth_catalogue(
    count: int,
    out_dir: Path,
    seed: int = 1,
    today: dt.date | None = None,
    reference_dir: Path = REFERENCE_DIR,
    progress=None,
) -> int:
    """Write `count` valid offers as out_dir/<gemeente>/<slug>.yaml; return the count written."""
    today = today or dt.date.today()
    rng = random.Random(seed)  # noqa: S311  (repeatable test data, not security)
    ref = load_reference(reference_dir)
    postcodes = [pc for pc in ref.postcodes.values() if pc.gemeente]
    activities = sorted(ref.activities)
    width = len(str(count))
    folders: set[Path] = set()
    for number in range(1, count + 1):
        pc = rng.choice(postcodes)
        folder = out_dir / slugify(pc.gemeente)
        if folder not in folders:
            folder.mkdir(parents=True, exist_ok=True)
            folders.add(folder)
        text = synth_offer(rng, number, pc, activities, today)
        (folder / f"aanbod-{number:0{width}d}.yaml").write_text(text, encoding="utf-8")
        if progress and number % 1000 == 0:
            progress(number, count)
    return count
