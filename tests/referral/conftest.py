"""Fixtures: test offers in tmp_path, a real aiosmtpd server with fault modes, the app on
SQLite and on PostgreSQL (every test that uses the app runs on both, unless marked
`one_database`)."""

import datetime as dt
import re
import secrets
import time
from pathlib import Path

import pytest

from referral_app import create_app, db
from referral_app.outbox import drain
from tests.servers import SmtpServer, free_port  # noqa: F401 (free_port: used by tests)

PROVIDER = "aanmeldingen@vvzuid.example.org"
OTHER_PROVIDER = "info@nordic.example.org"
WALKING = "rotterdam/walking-football-zuid"
NORDIC = "maastricht/nordic-walking-jekerdal"
NO_REFERRALS = "rotterdam/yoga-zonder-verwijzen"
EXPIRED = "maastricht/verlopen-aanbod"


def offer_yaml(title: str, postcode: str, place: str, verwijzen: str, extra: str = "") -> str:
    """A valid offer file (same shape as the files in offers/)."""
    checked = dt.date.today() - dt.timedelta(days=20)
    return f"""titel: {title}
beschrijving: Rustig bewegen in een groep, met koffie na afloop en een vaste begeleider.
aanbieder:
  naam: Testclub {place}
  website: https://voorbeeld.example.org
  telefoon: 010 123 4567
{verwijzen}activiteiten: [wandelen]
doelgroepen: [ouderen]
locatie: {{naam: Sportpark, adres: Sportlaan 1, postcode: {postcode}, plaats: {place}}}
rooster:
  - {{dag: dinsdag, van: "10:00", tot: "11:00"}}
kosten: {{bedrag: 5.00, per: maand, gratis_proefles: ja}}
controle: {{gecontroleerd_op: {checked}, door: buurtsportcoach{extra}}}
"""


@pytest.fixture
def offers_dir(tmp_path) -> Path:
    """Four offers: two take referrals, one does not, one has expired."""
    root = tmp_path / "offers"
    files = {
        WALKING: offer_yaml("Walking football voor 60-plussers", "3072 AB", "Rotterdam",
                            f"verwijzen: {{mogelijk: ja, email: {PROVIDER}}}\n"),
        NORDIC: offer_yaml("Nordic walking in het Jekerdal", "6211 AB", "Maastricht",
                           f"verwijzen: {{mogelijk: ja, email: {OTHER_PROVIDER}}}\n"),
        NO_REFERRALS: offer_yaml("Stoelyoga in de wijk", "3072 AB", "Rotterdam",
                                 "verwijzen: {mogelijk: nee}\n"),
        EXPIRED: offer_yaml("Beweegcursus voorjaar", "6211 AB", "Maastricht",
                            "verwijzen: {mogelijk: ja, email: oud@example.org}\n",
                            f", geldig_tot: {dt.date.today() - dt.timedelta(days=2)}"),
    }
    for offer_id, text in files.items():
        path = root / f"{offer_id}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def smtp():
    """A running SMTP server, stopped after the test."""
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def pytest_generate_tests(metafunc):
    """Run each test that needs a database on SQLite and on PostgreSQL."""
    if "database_url" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker
        kinds = ["sqlite"] if marker("one_database") else ["postgresql"] if marker(
            "postgresql_only") else ["sqlite", "postgresql"]
        metafunc.parametrize("database_url", kinds, indirect=True)


@pytest.fixture(scope="session")
def postgres_admin(postgres_server):
    """An autocommit connection to the server, and a template database with the schema."""
    template = "referral_template"
    postgres_server.create_database(template)
    engine = db.make_engine(postgres_server.url(template))
    db.init_schema(engine)
    engine.dispose()
    admin = db.make_engine(postgres_server.url("postgres")).execution_options(
        isolation_level="AUTOCOMMIT")
    yield admin, template
    admin.dispose()


@pytest.fixture
def database_url(request, tmp_path, monkeypatch):
    """A fresh database for one test: a SQLite file, or a PostgreSQL copy of the template."""
    if request.param == "postgresql":
        server = request.getfixturevalue("postgres_server")
        admin, template = request.getfixturevalue("postgres_admin")
    engines = []
    real_make_engine = db.make_engine

    def make_engine(url):
        """Keep every engine the test makes, to close its connections afterwards."""
        engines.append(real_make_engine(url))
        return engines[-1]

    monkeypatch.setattr(db, "make_engine", make_engine)
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'referrals.sqlite'}"
    else:
        name = f"test_{secrets.token_hex(6)}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        yield server.url(name)
        for engine in engines:
            engine.dispose()
        if server.running():
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    for engine in engines:
        engine.dispose()


@pytest.fixture
def settings(database_url, offers_dir, smtp) -> dict:
    """App settings pointing at the test database, offers and SMTP server."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url,
        "OFFERS_DIR": str(offers_dir),
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": smtp.port,
        "SMTP_STARTTLS": "off",
        "SMTP_TIMEOUT": 1.0,
        "MAIL_FROM": "Beweegkaart <noreply@beweegkaart.example.org>",
        "PUBLIC_URL": "http://localhost/app",
        "OUTBOX_BACKOFF_SECONDS": 0.0,
        "RATE_LIMIT_CLIENT": "1000 per minute",
        "RATE_LIMIT_OFFER": "1000 per minute",
    }


@pytest.fixture
def app(settings):
    """The app under test."""
    return create_app(settings)


@pytest.fixture
def client(app):
    """A browser-like test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """Runs the app's flask commands."""
    return app.test_cli_runner()


HIDDEN = re.compile(r'<input type="hidden" name="(csrf_token|submission)" value="([^"]*)">')

REFERRAL = {
    "referrer_name": "Dr. Jansen", "referrer_role": "huisarts",
    "referrer_organisation": "Huisartsenpraktijk Zuid",
    "referrer_email": "jansen@praktijk.example.org",
    "name": "Truus de Vries", "phone": "06 12345678", "email": "truus@example.org",
    "contact_moment": "ochtend", "note": "Komt met de rollator.", "consent": "y", "feedback": "y",
}
SIGNUP = {"name": "Kees Bakker", "phone": "010 765 4321", "email": "kees@example.org",
          "contact_moment": "avond", "note": "", "consent": "y"}


def form_tokens(client, url: str) -> dict:
    """The hidden fields of a fresh form."""
    page = client.get(url)
    assert page.status_code == 200
    return dict(HIDDEN.findall(page.text))


def submit(client, offer_id: str = WALKING, kind: str = "verwijzen", tokens=None, **fields):
    """Fill in and send a form like a person would; returns the response."""
    url = f"/{kind}/{offer_id}"
    data = dict(REFERRAL if kind == "verwijzen" else SIGNUP)
    data.update(tokens or form_tokens(client, url))
    data.update(fields)
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(url, data=data)


def reference_of(response, client) -> str:
    """The reference on the receipt page the form redirected to."""
    assert response.status_code == 302, response.text
    page = client.get(response.headers["Location"])
    return re.search(r"BK-[A-Z0-9]{4}-[A-Z0-9]{4}", page.text).group(0)


def drain_all(app, rounds: int = 20) -> None:
    """Run the outbox until nothing is due (retries are immediate in tests)."""
    for _ in range(rounds):
        sent, failed = drain(app)
        if not sent and not failed:
            return
        time.sleep(0.01)


def all_values(app) -> str:
    """Every value in every table of the app's database, as one text (any engine)."""
    from sqlalchemy import select

    from referral_app.db import get_engine, metadata
    with get_engine(app).connect() as conn:
        return "\n".join(repr(tuple(row)) for table in metadata.sorted_tables
                         for row in conn.execute(select(table)))


def link_in(message) -> str:
    """The provider link (path only) in a mail."""
    body = message.get_body(("plain",)).get_content()
    return re.search(r"http://localhost/app(/verwijzing/\S+)", body).group(1)
