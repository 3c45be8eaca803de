"""Helpers for the coach route tests: coach files, a movable clock, the steps people take."""

import datetime as dt
import re
from pathlib import Path

from referral_app.db import utcnow

from ..conftest import HIDDEN, REFERRAL, WALKING, drain_all

COACH = "coach.feijenoord@sportbedrijf.example.org"
OTHER_COACH = "coach.overlap@example.org"
FEIJENOORD = ["3071", "3072", "3073", "3074", "3075"]  # PC4 centroids in CBS wijk Feijenoord


def coach_yaml(name: str, area: str, email: str, group: str = "Beweegclub Zuid") -> str:
    """A valid coach file."""
    checked = dt.date.today() - dt.timedelta(days=10)
    return f"""naam: {name}
functie: buurtsportcoach
organisatie: Sportbedrijf (test)
werkgebied:
{area}
telefoon: 010 200 3002
bereikbaar: dinsdag tot en met vrijdag, 8:30 tot 16:30
eigen_groep: {group}
verwijzen:
  email: {email}
controle: {{gecontroleerd_op: {checked}, door: beheerder}}
"""


def write_coaches(root: Path, files: dict[str, str]) -> Path:
    """Write coach files under root/coaches."""
    folder = root / "coaches"
    for coach_id, text in files.items():
        path = folder / f"{coach_id}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


class Clock:
    """An injectable clock: starts at the real time, moves only when told."""

    def __init__(self):
        """Start now."""
        self.offset = dt.timedelta()

    def __call__(self) -> dt.datetime:
        """The current (moved) time."""
        return utcnow() + self.offset

    def advance(self, **delta) -> None:
        """Move on, e.g. advance(days=92)."""
        self.offset += dt.timedelta(**delta)


def tokens(page_text: str) -> dict:
    """The hidden CSRF and submission fields of a page."""
    return dict(HIDDEN.findall(page_text))


def csrf(page_text: str) -> str:
    """The CSRF token on a page."""
    return re.search(r'name="csrf_token" value="([^"]+)"', page_text).group(1)


def refer_to_coach(client, where: str = "3072 AB", **fields) -> str:
    """A GP refers to the coach of a postcode; returns the route's reference."""
    page = client.get(f"/verwijzen/coach/{where}")
    assert page.status_code == 200, page.text
    action = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)
    data = {**REFERRAL, **tokens(page.text), **fields}
    response = client.post(action, data={k: v for k, v in data.items() if v is not None})
    assert response.status_code == 302, response.text
    receipt = client.get(response.headers["Location"]).text
    return re.search(r"BK-[A-Z0-9]{4}-[A-Z0-9]{4}", receipt).group(0)


def mail_to(smtp, to: str, containing: str = ""):
    """The last mail to `to` whose body contains `containing`."""
    for item in reversed(smtp.messages):
        body = item["message"].get_body(("plain",)).get_content()
        if to in item["to"] and containing in body:
            return item["message"]
    raise AssertionError(f"no mail to {to} with {containing!r}: "
                         f"{[(m['to'], m['message']['Subject']) for m in smtp.messages]}")


def path_in(message, prefix: str = "/verwijzing/") -> str:
    """The app path of the link in a mail."""
    body = message.get_body(("plain",)).get_content()
    return re.search(rf"http://localhost/app({re.escape(prefix)}\S+)", body).group(1)


def open_link(client, path: str) -> str:
    """Open a provider or coach link: GET confirm, then POST; returns the details page."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    details = client.post(path, data={"csrf_token": csrf(page.text)})
    assert details.status_code == 200, details.text
    return details.text


def coach_page(app, client, smtp, reference: str) -> tuple[str, str]:
    """(coach link path, details page) after the coach's mail arrived."""
    drain_all(app)
    path = path_in(mail_to(smtp, COACH, reference))
    return path, open_link(client, path)


def coach_plan(client, path: str, page: str, offers=(WALKING,), own_group=False):
    """The coach records a plan."""
    data = {"csrf_token": csrf(page), "offers": list(offers)}
    if own_group:
        data["own_group"] = "y"
    return client.post(f"{path}/plan", data=data)


def provider_status(client, path: str, status: str, reason: str = ""):
    """The provider records a status through its link."""
    page = open_link(client, path)
    return client.post(f"{path}/status", data={"csrf_token": csrf(page), "status": status,
                                               "reason": reason})


def run_follow_ups(runner) -> str:
    """`flask follow-ups`, as cron runs it."""
    result = runner.invoke(args=["follow-ups"])
    assert result.exit_code == 0, result.output
    return result.output


def answer_follow_up(client, path: str, answer: str, reason: str = ""):
    """Click an answer on the follow-up page."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    data = {"csrf_token": csrf(page.text), "answer": answer}
    if answer == "gestopt":  # the "doet nog mee" button sends no reason
        data["reason"] = reason
    return client.post(path, data=data)
