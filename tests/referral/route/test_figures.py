"""Figures: cohort retention, stop reasons, route; small cells as '< 5' everywhere."""

import csv
import datetime as dt
import io
import json

import pytest
from frictionless import Package
from sqlalchemy import insert

from referral_app import figures
from referral_app.db import get_engine, referrals, status_events, transaction
from referral_app.tables import follow_ups, route_links

JAN = dt.datetime(2026, 1, 10, 10, 0)


def person(conn, n: int, gemeente="Rotterdam", kind="verwijzing", joined=True,
           answers=(), stop=None, via_coach=False) -> int:
    """One anonymous route, inserted as purge leaves it (no personal columns)."""
    values = dict(reference=f"BK-TEST-{n:04d}", kind="coach" if via_coach else kind,
                  offer_id="coach/rotterdam/zuid" if via_coach else "rotterdam/walking",
                  offer_title="x", gemeente=gemeente, created_at=JAN, updated_at=JAN,
                  status="nieuw", consent_version="v", consent_at=JAN, feedback_consent=False)
    rid = conn.execute(insert(referrals).values(**values)).inserted_primary_key[0]
    target = rid
    if via_coach:
        target = conn.execute(insert(referrals).values(
            **{**values, "reference": f"BK-TEST-{n:04d}-2", "kind": "verwijzing",
               "offer_id": "rotterdam/walking"})).inserted_primary_key[0]
        conn.execute(insert(route_links).values(referral_id=target, route_id=rid,
                                                created_at=JAN))
    if joined:
        conn.execute(insert(status_events).values(referral_id=target,
                                                  status="deelnemer_geworden",
                                                  created_at=JAN + dt.timedelta(days=7)))
    for months, answer in answers:
        conn.execute(insert(follow_ups).values(
            referral_id=target, months=months, due_at=JAN, state="beantwoord", tries=1,
            answer=answer, reason="geen_tijd" if answer == "gestopt" else None,
            answered_at=JAN + dt.timedelta(days=31 * months)))
    if stop:
        conn.execute(insert(status_events).values(
            referral_id=target, status="gestopt", reason=stop,
            created_at=JAN + dt.timedelta(days=60)))
    return rid


@pytest.fixture
def cohort(app):
    """January: 12 joined (6 active at 6 months, 6 stopped), 3 not joined; 2 in Maastricht."""
    with transaction(get_engine(app)) as conn:
        n = 0
        for i in range(6):
            n += 1
            person(conn, n, answers=[(3, "doet_mee"), (6, "doet_mee")], via_coach=i < 3)
        for _ in range(4):
            n += 1
            person(conn, n, answers=[(3, "gestopt")], stop="geen_tijd")
        for _ in range(2):
            n += 1
            person(conn, n, answers=[(3, "doet_mee"), (6, "gestopt")], stop="te_duur")
        for _ in range(3):
            n += 1
            person(conn, n, joined=False)
        for _ in range(2):
            n += 1
            person(conn, n, gemeente="Maastricht")


def rows_of(text: str) -> list[dict]:
    """CSV text as dicts."""
    return list(csv.DictReader(io.StringIO(text)))


def find(rows, part, category, period="totaal") -> dict:
    """The one row of a part and category."""
    return next(r for r in rows if r["onderdeel"] == part and r["categorie"] == category
                and r["periode"] == period)


@pytest.mark.parametrize(("count", "shown"), [(0, "< 5"), (1, "< 5"), (4, "< 5"), (5, "5"),
                                              (123, "123")])
def test_small_cells(count, shown):
    assert figures.cell(count) == shown


@pytest.mark.parametrize(("part", "whole", "shown"), [(6, 12, "50"), (4, 12, ""), (6, 8, ""),
                                                      (5, 5, "100"), (6, 4, "")])
def test_percentages_only_from_publishable_counts(part, whole, shown):
    assert figures.percent(part, whole) == shown


def test_cohort_retention_reasons_and_route(app, cohort, clock):
    clock.advance(days=800)
    with app.app_context():
        published = figures.published()
    rows = published["Rotterdam"]
    assert find(rows, "instroom-en-behoud", "Verwezen of aangemeld")["aantal"] == "15"
    assert find(rows, "instroom-en-behoud", "Deelnemer geworden")["aantal"] == "12"
    active6 = find(rows, "instroom-en-behoud", "Doet mee na 6 maanden")
    assert active6["aantal"] == "6" and active6["percentage"] == "40"
    month = find(rows, "behoud-per-maand", "Doet mee na 6 maanden", "2026-01")
    assert month["aantal"] == "6" and month["percentage"] == "50"
    assert find(rows, "behoud-per-maand", "Doet mee na 3 maanden", "2026-01")["aantal"] == "8"
    assert find(rows, "behoud-per-maand", "Gestopt binnen 6 maanden", "2026-01")["aantal"] == "6"
    assert find(rows, "stopredenen", "Geen tijd")["aantal"] == "< 5"
    assert find(rows, "route", "Via de beweegcoach")["aantal"] == "< 5"
    assert find(rows, "route", "Direct naar het aanbod")["aantal"] == "12"
    maastricht = published["Maastricht"]
    assert {r["aantal"] for r in maastricht} == {"< 5"}
    assert all(r["percentage"] == "" for r in maastricht)


def test_no_count_under_five_is_ever_published(app, cohort, client, runner):
    texts = [client.get("/cijfers/cijfers.csv").text, client.get("/cijfers/rotterdam/").text,
             client.get("/cijfers/rotterdam/cijfers.csv").text,
             runner.invoke(args=["stats", "--figures", "retention"]).output]
    for text in texts[:1] + texts[2:]:
        for row in rows_of(text):
            assert row["aantal"] == "< 5" or int(row["aantal"]) >= 5, row
    page = texts[1]
    assert "&lt; 5" in page
    data = json.loads(page.split('id="cijfers-data">')[1].split("</script>")[0])
    for values in (data["funnel"]["values"], data["reasons"]["values"]):
        assert all(v is None or v >= 5 for v in values)


def test_unknown_stays_unknown(app, clock):
    with transaction(get_engine(app)) as conn:
        for n in range(6):
            person(conn, n)  # joined, nobody answered
    clock.advance(days=800)
    with app.app_context():
        rows = figures.published()["Rotterdam"]
    assert find(rows, "behoud-per-maand", "Onbekend na 6 maanden", "2026-01")["aantal"] == "6"
    assert find(rows, "behoud-per-maand", "Gestopt binnen 6 maanden", "2026-01")["aantal"] \
        == "< 5"
    assert find(rows, "behoud-per-maand", "Doet mee na 6 maanden", "2026-01")["percentage"] == ""


def test_open_data_package_is_valid(app, cohort, runner, tmp_path):
    out = tmp_path / "cijfers"
    result = runner.invoke(args=["figures", "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = Package(str(out / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert "Truus" not in (out / "cijfers.csv").read_text()


def test_figures_survive_purge_and_erase(app, cohort, runner):
    before = runner.invoke(args=["stats", "--figures", "retention"]).output
    assert runner.invoke(args=["erase", "BK-TEST-0001"]).exit_code == 0
    assert runner.invoke(args=["purge", "--days", "1"]).exit_code == 0
    assert runner.invoke(args=["stats", "--figures", "retention"]).output == before


def test_cijfers_pages(client, cohort):
    index = client.get("/cijfers/")
    assert 'href="/cijfers/rotterdam/"' in index.text
    page = client.get("/cijfers/rotterdam/")
    assert page.status_code == 200
    assert "Cijfers Rotterdam" in page.text and '<script src="/static/vendor/chart.umd.min.js"' \
        in page.text
    assert client.get("/cijfers/nergens/").status_code == 404
    js = client.get("/static/vendor/chart.umd.min.js")
    assert js.status_code == 200 and b"Chart" in js.data
    js.close()
