"""The coach box on the site: public details only, on gemeente pages, the home page (also when
nothing is found) and the advice sheet."""

import json
import re

from generator.catalogue.coaches import load_coaches
from tests.browser import axe_violations

from .conftest import ROOT

COACHES = load_coaches([ROOT / "coaches"]).coaches


def test_no_private_coach_address_anywhere_in_the_site(site_dir):
    private = {c.data.verwijzen.email for c in COACHES}
    assert private
    for path in site_dir.rglob("*"):
        if path.is_file() and path.suffix in {".html", ".json", ".js", ".csv", ".xml", ".txt"}:
            text = path.read_text(encoding="utf-8", errors="replace")
            assert not [a for a in private if a in text], path


def test_coaches_json_holds_public_details_and_areas(site_dir):
    data = json.loads((site_dir / "data" / "coaches.json").read_text(encoding="utf-8"))
    names = [c["naam"] for c in data["coaches"]]
    assert "Samira El Amrani (voorbeeld)" in names
    samira = names.index("Samira El Amrani (voorbeeld)")
    for pc4 in ("3191", "3192", "3193", "3194"):
        assert data["pc4"][pc4] == [samira]
    assert "verwijzen" not in data["coaches"][samira]


def test_gemeente_page_lists_its_coaches(site_dir):
    page = (site_dir / "aanbod" / "rotterdam" / "index.html").read_text(encoding="utf-8")
    assert "Weet je niet wat past? De beweegcoach van jouw wijk helpt" in page
    assert "Samira El Amrani (voorbeeld)" in page and "Wijken: Hoogvliet, Pernis" in page
    assert 'href="/app/verwijzen/coach/rotterdam/hoogvliet"' in page
    assert "Ruud Hermans" not in page  # a Maastricht coach
    maastricht = (site_dir / "aanbod" / "maastricht" / "index.html").read_text(encoding="utf-8")
    assert "Ruud Hermans (voorbeeld)" in maastricht


def test_advice_sheet_shows_the_coach_of_a_postcode(page, site_url):
    page.goto(f"{site_url}beweegadvies/?pc=3192")
    box = page.locator("#bk-coach")
    box.wait_for(state="visible")
    assert "Samira El Amrani" in box.inner_text() and "010 200 3001" in box.inner_text()
    assert axe_violations(page) == []
    page.goto(f"{site_url}beweegadvies/?pc=9999")
    page.wait_for_function("document.getElementById('bk-coach').dataset.bkCoach === '0'")
    assert not box.is_visible()
    page.get_by_label(re.compile("^Postcode van de deelnemer")).fill("6211")
    page.get_by_role("button", name="Toon de beweegcoach").click()
    box.wait_for(state="visible")
    assert "Ellen Vrancken" in box.inner_text()
