"""The Dutch activity vocabulary: each NOC*NSF sport found by meaning; hints do not mislead."""

import pytest

from generator.catalogue.activities import activity_words
from generator.catalogue.reference import REFERENCE_DIR, load_reference

# The sports of the NOC*NSF member federations, as the federations name them.
NOC_NSF_SPORTS = [
    "voetbal", "handbal", "hockey", "tennis", "padel", "korfbal", "volleybal", "beachvolleybal",
    "basketbal", "zwemmen", "waterpolo", "synchroonzwemmen", "schoonspringen", "wielrennen",
    "mountainbiken", "BMX", "schaatsen", "kunstschaatsen", "shorttrack", "IJshockey", "honkbal",
    "softbal", "turnen", "trampolinespringen", "atletiek", "roeien", "zeilen", "kanoën", "surfen",
    "golf", "judo", "jiu-jitsu", "aikido", "karate", "taekwondo", "boksen", "kickboksen",
    "worstelen", "gewichtheffen", "squash", "badminton", "tafeltennis", "schermen",
    "paardensport", "bowlen", "biljarten", "darts", "wandelen", "handboogschieten", "schietsport",
    "klimmen", "bergsport", "reddingsbrigade", "jeu de boules", "skiën", "snowboarden",
    "triathlon", "moderne vijfkamp", "oriëntatielopen", "rugby", "cricket", "lacrosse",
    "american football", "ultimate frisbee", "floorball", "motorsport", "karting", "zweefvliegen",
    "duiken", "hengelsport", "dansen", "cheerleading", "curling", "bobsleeën", "rodelen",
    "inline-skaten", "skateboarden", "boccia", "goalball", "zitvolleybal", "rolstoelbasketbal",
]
# NOC*NSF members whose sport the OpenActive list (physical activity) does not have.
NOT_IN_OPENACTIVE = ["schaken", "dammen", "bridge", "kaatsen", "klootschieten", "fierljeppen"]


@pytest.fixture(scope="module")
def words():
    """The look-up tables from the project's reference folder."""
    return activity_words(REFERENCE_DIR)


@pytest.mark.parametrize("sport", NOC_NSF_SPORTS)
def test_every_noc_nsf_sport_has_an_openactive_activity(words, sport):
    """Each federation's sport resolves by meaning to a code tied to an OpenActive id."""
    match = words.resolve(sport)
    assert match.code is not None, sport
    assert match.how in ("code", "label", "synoniem")
    assert load_reference().activities[match.code].openactive_id.startswith(
        "https://openactive.io/activity-list#")


@pytest.mark.parametrize("sport", NOT_IN_OPENACTIVE)
def test_sports_the_list_lacks_are_explained_not_guessed(words, sport):
    """Chess is not taken for skating: the hint says why there is no activity."""
    match = words.resolve(sport)
    assert (match.code, match.suggestion, match.how) == (None, None, "buiten-lijst")
    assert "OpenActive" in words.hint(sport)


@pytest.mark.parametrize(
    ("word", "code"),
    [("pingpong", "tafeltennis"), ("Handball", "handbal"), ("schaak", None),
     ("Petanque", "jeu-de-boules"), ("skeeleren", "inline-skaten"), ("Thaiboksen", "muay-thai"),
     ("Zaalvoetbal", "futsal"), ("Kanoen", "kanoen"), ("Skate", "skateboarden")],
)
def test_synonyms_and_labels_come_before_spelling(words, word, code):
    """A synonym or label wins over a look-alike spelling."""
    assert words.resolve(word).code == code


@pytest.mark.parametrize(
    ("typo", "expected", "not_expected"),
    [("voetbl", "voetbal", None), ("tenis", "tennis", None), ("zwemen", "zwemmen", None),
     ("squas", "squash", "aquarobics"), ("handbl", "handbal", "handbiken")],
)
def test_spelling_suggestions_are_close(words, typo, expected, not_expected):
    """Only close spellings are suggested."""
    hint = words.hint(typo)
    assert f"'{expected}'" in hint
    assert not_expected is None or not_expected not in hint


def test_an_unrelated_word_gets_no_suggestion(words):
    """'Overig' (Amsterdam's catch-all) resembles nothing: no misleading hint."""
    assert words.resolve("Overig").suggestion is None
    assert words.hint("Overig") == ""
