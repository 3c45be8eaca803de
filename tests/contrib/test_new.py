"""`beweegkaart new` writes a valid offer from answers, and explains bad answers."""

import contextlib
import io
import subprocess
from pathlib import Path

import pytest
import yaml

from generator.catalogue.load import load_catalogue
from generator.commands.cli import main
from generator.contrib.questions import QUESTIONS, answers_from_issue, issue_form

from .conftest import TODAY, run_cli

ANSWERS = {
    "titel": "Stoelyoga in de Tarwewijk",
    "beschrijving": "Rustige yoga op een stoel. Je hoeft niet op de grond te zitten.\n"
                    "Na afloop is er thee.",
    "aanbieder.naam": "Buurthuis De Tarwe",
    "aanbieder.website": "https://tarwe.example.org",
    "aanbieder.telefoon": "0101234567",
    "activiteiten": ["Yoga op de stoel", "tai-chi"],
    "doelgroepen": "ouderen, artrose",
    "niveau": "Rustig",
    "leeftijd.van": 55,
    "locatie.naam": "Buurthuis De Tarwe",
    "locatie.adres": "Tarwestraat 10",
    "locatie.postcode": "3083ab",
    "locatie.plaats": "Rotterdam",
    "rooster": "maandag 10:00-11:00\ndonderdag 14.00-15.00 om de week",
    "kosten.gratis": "nee",
    "kosten.bedrag": "2.50",
    "kosten.per": "les",
    "kosten.gratis_proefles": "ja",
    "begeleiding": ["EHBO", "MBO-4 sport en bewegen"],
    "verwijzen.mogelijk": "ja",
    "verwijzen.email": "aanmelden@tarwe.example.org",
}
WRITTEN = Path("rotterdam/stoelyoga-in-de-tarwewijk.yaml")


def new(tmp_path: Path, offers: Path, answers: dict, *extra):
    """Run `beweegkaart new --answers` (in this process) with answers written to a file."""
    answers_file = tmp_path / "antwoorden.yaml"
    answers_file.write_text(yaml.safe_dump(answers, allow_unicode=True), encoding="utf-8")
    with contextlib.redirect_stdout(io.StringIO()) as out, \
            contextlib.redirect_stderr(io.StringIO()) as err:
        code = main(["new", "--answers", str(answers_file), "--offers", str(offers),
                     "--today", TODAY.isoformat(), *extra])
    return subprocess.CompletedProcess([], code, out.getvalue(), err.getvalue())


def test_answers_file_gives_a_valid_offer(tmp_path, offers):
    """The written file starts with the schema line, validates, and holds the answers."""
    result = new(tmp_path, offers, ANSWERS)
    assert result.returncode == 0, result.stderr
    path = offers / WRITTEN
    text = path.read_text("utf-8")
    assert text.startswith("# yaml-language-server: $schema=../../schema/aanbod.schema.json\n")
    check = run_cli("validate", "--today", TODAY.isoformat(), offers)
    assert check.returncode == 0 and check.stdout == "", check.stdout
    offer = load_catalogue([offers], today=TODAY).by_id()["rotterdam/stoelyoga-in-de-tarwewijk"]
    data = offer.data
    assert data.activiteiten == ["stoelyoga", "tai-chi"]
    assert data.doelgroepen == ["ouderen", "artrose"]
    assert data.locatie.postcode == "3083 AB" and offer.gemeente == "Rotterdam"
    assert [(s.dag, s.van, s.tot, s.opmerking) for s in data.rooster] == [
        ("maandag", "10:00", "11:00", None), ("donderdag", "14:00", "15:00", "om de week")]
    assert data.kosten.bedrag == 2.5 and data.kosten.per == "les" and data.kosten.gratis_proefles
    assert offer.accepts_referrals() and data.verwijzen.email == "aanmelden@tarwe.example.org"
    assert data.controle.gecontroleerd_op == TODAY
    assert "beschrijving: |\n  Rustige yoga" in text  # readable block text for volunteers
    assert "mogelijk: ja" in text


def test_gemeente_folder_comes_from_the_postcode(tmp_path, offers):
    """A Maastricht postcode puts the file in offers/maastricht/."""
    answers = {**ANSWERS, "locatie.postcode": "6211 AB", "locatie.plaats": "Maastricht",
               "kosten.gratis": "ja", "rooster": "op afspraak"}
    result = new(tmp_path, offers, answers)
    assert result.returncode == 0, result.stderr
    data = yaml.safe_load((offers / "maastricht/stoelyoga-in-de-tarwewijk.yaml").read_text("utf-8"))
    assert data["op_afspraak"] == "ja" and "rooster" not in data
    assert data["kosten"] == {"gratis": "ja", "gratis_proefles": "ja"}  # no amount when free


UNKNOWN_ANSWERS = ["", "onbekend", "Weet ik niet", "_No response_"]


@pytest.mark.parametrize("unknown", UNKNOWN_ANSWERS)
def test_unknown_price_schedule_and_access_stay_unknown(tmp_path, offers, unknown):
    """'onbekend' or nothing for price, times, trial lesson, wheelchair: nothing is invented.

    The file has no price, no 'op afspraak' and no 'nee'; the page then says it is unknown."""
    answers = {**ANSWERS, "kosten.gratis": unknown, "kosten.bedrag": unknown,
               "kosten.gratis_proefles": unknown, "rooster": unknown,
               "toegankelijkheid.rolstoel": unknown, "begeleiding": unknown}
    result = new(tmp_path, offers, answers)
    assert result.returncode == 0, result.stderr
    data = yaml.safe_load((offers / WRITTEN).read_text("utf-8"))
    assert "kosten" not in data
    assert "rooster" not in data and "op_afspraak" not in data
    assert "toegankelijkheid" not in data and "begeleiding" not in data
    offer = load_catalogue([offers], today=TODAY).by_id()["rotterdam/stoelyoga-in-de-tarwewijk"]
    assert offer.data.kosten is None and offer.data.op_afspraak is None
    assert run_cli("validate", "--today", TODAY.isoformat(), offers).returncode == 0


def test_an_amount_without_knowing_free_is_kept(tmp_path, offers):
    """'Gratis?' unknown but an amount given: the amount is the price (nothing dropped)."""
    result = new(tmp_path, offers, {**ANSWERS, "kosten.gratis": "onbekend"})
    assert result.returncode == 0, result.stderr
    data = yaml.safe_load((offers / WRITTEN).read_text("utf-8"))
    assert data["kosten"] == {"bedrag": 2.5, "per": "les", "gratis_proefles": "ja"}


def test_not_free_with_an_unknown_amount(tmp_path, offers):
    """'Not free' and no amount: the price is unknown, not 0 and not invented."""
    answers = {**ANSWERS, "kosten.gratis": "nee", "kosten.bedrag": "onbekend"}
    del answers["kosten.per"]
    result = new(tmp_path, offers, answers)
    assert result.returncode == 0, result.stderr
    data = yaml.safe_load((offers / WRITTEN).read_text("utf-8"))
    assert data["kosten"] == {"gratis": "nee", "gratis_proefles": "ja"}


def test_an_amount_needs_its_period(tmp_path, offers):
    """An amount without 'per' is asked for, naming the question."""
    answers = {**ANSWERS}
    del answers["kosten.per"]
    result = new(tmp_path, offers, answers)
    assert result.returncode == 1
    assert "'Bedrag per' (kosten.per): verplicht" in result.stderr


def test_required_questions_do_not_take_onbekend(tmp_path, offers):
    """The title, place and activity must be known: 'onbekend' there is an error."""
    result = new(tmp_path, offers, {**ANSWERS, "locatie.postcode": "onbekend"})
    assert result.returncode == 1
    assert "'Postcode' (locatie.postcode): verplicht" in result.stderr


def test_issue_form_offers_onbekend(tmp_path):
    """The public form lets a club answer the ja/nee questions with 'onbekend'."""
    form = {e["id"]: e for e in issue_form()["body"] if e["type"] != "markdown"}
    for key in ("kosten-gratis", "kosten-gratis_proefles", "toegankelijkheid-rolstoel"):
        assert form[key]["attributes"]["options"] == ["ja", "nee", "onbekend"]
        assert form[key]["validations"]["required"] is False


def test_refuses_to_overwrite(tmp_path, offers):
    """A second offer with the same title and gemeente is not written over the first."""
    assert new(tmp_path, offers, ANSWERS).returncode == 0
    before = (offers / WRITTEN).read_text("utf-8")
    result = new(tmp_path, offers, {**ANSWERS, "beschrijving": "Heel iets anders, hoor. " * 3})
    assert result.returncode == 1
    assert "bestaat al" in result.stderr
    assert (offers / WRITTEN).read_text("utf-8") == before


@pytest.mark.parametrize("key, value, message", [
    ("locatie.postcode", "1234", "moet een postcode zijn als 1234 AB"),
    ("locatie.postcode", "0000 AA", "moet een postcode zijn als 1234 AB"),
    ("activiteiten", "yogga", "'yogga' staat niet in de lijst. Bedoelde je: yoga, stoelyoga?"),
    ("doelgroepen", "oudere", "Bedoelde je: ouderen"),
    ("rooster", "dinsdag 11:00-10:00", "regel 1: eindtijd ligt niet na de begintijd 11:00"),
    ("rooster", "elke dinsdag", "is geen tijd; schrijf bijvoorbeeld dinsdag 10:00-11:00"),
    ("rooster", "dinsdg 10:00-11:00", "onbekende dag 'dinsdg'. Bedoelde je 'dinsdag'?"),
    ("kosten.bedrag", "2,50", "gebruik een punt in plaats van een komma"),
    ("kosten.gratis", "misschien", "moet ja, nee of onbekend zijn"),
    ("aanbieder.website", "tarwe.nl", "moet een webadres zijn dat begint met https://"),
    ("aanbieder.telefoon", "12", "is geen geldig telefoonnummer"),
    ("titel", "Yo", "is te kort (minstens 5 tekens)"),
    ("verwijzen.email", "", "'E-mailadres voor aanmeldingen (wordt niet gepubliceerd)' "
                            "(verwijzen.email): verplicht"),
    ("kleur", "blauw", "onbekende vraag 'kleur'"),
])
def test_bad_answer_gives_a_clear_message(tmp_path, offers, key, value, message):
    """A bad answer is named with its question and the validator's message; nothing is written."""
    result = new(tmp_path, offers, {**ANSWERS, key: value})
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert "er is niets geschreven" in result.stderr
    assert not any(offers.rglob("*.yaml"))


def test_all_bad_answers_are_reported_at_once(tmp_path, offers):
    """A volunteer sees every problem in one go, not one per run."""
    answers = {**ANSWERS, "titel": "Yo", "locatie.postcode": "1234", "kosten.per": "dag"}
    result = new(tmp_path, offers, answers)
    assert result.returncode == 1
    assert "(titel)" in result.stderr and "(locatie.postcode)" in result.stderr
    assert "(kosten.per)" in result.stderr and "3 antwoord(en) kloppen niet" in result.stderr


def test_answers_from_a_filled_in_issue_form(tmp_path, offers):
    """The body GitHub writes for the issue form turns into the same offer."""
    labels = {q.key: q.label for q in QUESTIONS}
    body = []
    for element in issue_form()["body"]:
        if element["type"] == "markdown":
            continue
        key = next(k for k, label in labels.items() if label == element["attributes"]["label"])
        value = ANSWERS.get(key)
        if isinstance(value, list):
            value = ", ".join(value)
        body += [f"### {element['attributes']['label']}", "",
                 "_No response_" if value is None else str(value), ""]
    text = "\n".join(body)
    answers = answers_from_issue(text)
    assert answers["locatie.postcode"] == "3083ab" and answers["seizoen"] == "_No response_"
    issue = tmp_path / "issue.md"
    issue.write_text(text, encoding="utf-8")
    result = run_cli("new", "--issue", issue, "--offers", offers, "--today", TODAY.isoformat())
    # The public form does not ask for the private referral address, so it is reported missing.
    assert result.returncode == 1
    assert "(verwijzen.email): verplicht" in result.stderr
    text = text.replace("### Wil je aanmeldingen ontvangen via de beweegkaart?\n\nja",
                        "### Wil je aanmeldingen ontvangen via de beweegkaart?\n\nnee")
    issue.write_text(text, encoding="utf-8")
    result = run_cli("new", "--issue", issue, "--offers", offers, "--today", TODAY.isoformat())
    assert result.returncode == 0, result.stderr
    assert run_cli("validate", "--today", TODAY.isoformat(), offers).returncode == 0


def test_interactive_questions_re_ask_on_a_bad_answer(tmp_path, offers):
    """In the terminal a wrong answer is explained and asked again."""
    replies = {
        "titel": ["Walking football Zuid"],
        "beschrijving": ["Voetbal in wandeltempo, zonder sprinten. Daarna koffie.", ""],
        "aanbieder.naam": ["VV Zuid"],
        "activiteiten": ["walking footbal", "walking-football"],
        "locatie.naam": ["Sportpark Zuid"],
        "locatie.adres": ["Sportlaan 1"],
        "locatie.postcode": ["3072", "3072 AB"],
        "locatie.plaats": ["Rotterdam"],
        "rooster": ["dinsdag 10:00-11:00", ""],
        "kosten.gratis": ["ja"],
        "kosten.gratis_proefles": ["ja"],
        "verwijzen.mogelijk": ["nee"],
    }
    lines = []
    for q in QUESTIONS:
        if q.when:
            continue  # kosten.gratis is ja and verwijzen.mogelijk nee: these are skipped
        lines += replies.get(q.key, [""] if q.kind not in ("textarea", "rooster") else [""])
    result = run_cli("new", "--offers", offers, "--today", TODAY.isoformat(),
                     stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Dat klopt niet: 'walking footbal' staat niet in de lijst. Bedoelde je: " \
           "walking-football" in result.stdout
    assert "Dat klopt niet: moet een postcode zijn als 1234 AB" in result.stdout
    assert (offers / "rotterdam/walking-football-zuid.yaml").exists()
    assert run_cli("validate", "--today", TODAY.isoformat(), offers).returncode == 0


def test_interactive_enter_or_onbekend_leaves_price_and_times_unknown(tmp_path, offers):
    """In the terminal, Enter or 'onbekend' skips price, times and trial lesson (unknown)."""
    replies = {
        "titel": ["Walking football Zuid"],
        "beschrijving": ["Voetbal in wandeltempo, zonder sprinten. Daarna koffie.", ""],
        "aanbieder.naam": ["VV Zuid"],
        "activiteiten": ["walking-football"],
        "locatie.naam": ["Sportpark Zuid"],
        "locatie.adres": ["Sportlaan 1"],
        "locatie.postcode": ["onbekend", "3072 AB"],
        "locatie.plaats": ["Rotterdam"],
        "rooster": [""],
        "kosten.gratis": ["onbekend"],
        "kosten.bedrag": [""],
        "kosten.gratis_proefles": [""],
        "verwijzen.mogelijk": ["nee"],
    }
    lines = []
    for q in QUESTIONS:
        if q.when and q.key != "kosten.bedrag":
            continue  # no amount and referrals nee: 'per' and the e-mail are not asked
        lines += replies.get(q.key, [""])
    result = run_cli("new", "--offers", offers, "--today", TODAY.isoformat(),
                     stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Weet je iets niet? Druk dan op Enter, of typ: onbekend." in result.stdout
    assert "Is meedoen gratis?\n" in result.stdout  # not marked (verplicht)
    assert "Postcode (verplicht)" in result.stdout
    assert "Dit moet je invullen; 'onbekend' kan hier niet." in result.stdout
    assert "Kies uit: ja, nee, onbekend" in result.stdout
    data = yaml.safe_load((offers / "rotterdam/walking-football-zuid.yaml").read_text("utf-8"))
    assert "kosten" not in data and "rooster" not in data and "op_afspraak" not in data
    assert run_cli("validate", "--today", TODAY.isoformat(), offers).returncode == 0


def test_interactive_stops_cleanly_at_end_of_input(offers):
    """Ctrl-D (end of input) stops without a traceback and writes nothing."""
    result = run_cli("new", "--offers", offers, stdin="Walking football Zuid\n")
    assert result.returncode == 1
    assert "Gestopt" in result.stderr and "Traceback" not in result.stderr
    assert not any(offers.rglob("*.yaml"))
