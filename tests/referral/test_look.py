"""The referral app looks like the site and talks like it (issue 13): header, nav, wording."""

import re
from pathlib import Path

import pytest
import yaml

from .conftest import WALKING, drain_all, form_tokens, link_in, reference_of, submit

ROOT = Path(__file__).resolve().parents[2]


def site_nav() -> list[tuple[str, str]]:
    """(label, URL path) of mkdocs.yml's nav, as the static site shows it."""
    config = yaml.load((ROOT / "mkdocs.yml").read_text("utf-8"), Loader=yaml.BaseLoader)
    out = []
    for entry in config["nav"]:
        (label, page), = entry.items()
        path = page.removesuffix("index.md").removesuffix(".md")
        out.append((label, path + "/" if path and not path.endswith("/") else path))
    return out


def test_header_and_navigation_are_the_sites(client):
    """Every app page has the site's header and the same navigation, linking into the site."""
    page = client.get(f"/verwijzen/{WALKING}").text
    nav = re.search(r'<nav class="tabs" aria-label="Beweegkaart">(.*?)</nav>', page, re.S).group(1)
    links = re.findall(r'<a href="/([^"]*)">([^<]+)</a>', nav)
    assert [(label, path) for path, label in links] == site_nav()
    assert '<a class="brand" href="/">Beweegkaart</a>' in page


def test_same_colours_and_fonts_no_other_origin():
    """The app's CSS uses the site's green and the site's system fonts; no web fonts."""
    css = (ROOT / "referral_app" / "static" / "app.css").read_text("utf-8")
    site_css = (ROOT / "generator" / "site" / "static" / "site.css").read_text("utf-8")
    green = re.search(r"--md-primary-fg-color: (#[0-9a-f]{6})", site_css).group(1)
    assert f"--brand: {green}" in css
    assert "-apple-system, BlinkMacSystemFont, Helvetica, Arial, sans-serif" in css
    assert "@font-face" not in css and "@import" not in css and "http" not in css


def open_details(client, smtp, app, **fields):
    """Send a referral, follow the provider's link and press 'Gegevens bekijken'."""
    reference = reference_of(submit(client, **fields), client)
    drain_all(app)
    path = link_in(smtp.messages[-1]["message"])
    confirm = client.get(path)
    token = re.search(r'name="csrf_token" value="([^"]+)"', confirm.text).group(1)
    return reference, path, confirm, client.post(path, data={"csrf_token": token})


def test_referral_is_a_verwijzing_and_no_technical_text(app, client, smtp):
    """The provider sees 'verwijzing', never the consent text's version id."""
    reference, path, confirm, details = open_details(client, smtp, app)
    assert "Nieuwe verwijzing" in confirm.text and "aanmelding" not in confirm.text.lower()
    assert f"<h1>Verwijzing {reference}</h1>" in details.text
    assert "versie" not in details.text and "2025-1" not in details.text
    assert smtp.messages[-1]["message"]["Subject"] == f"Nieuwe verwijzing {reference}"


def test_provider_note_shown_after_saving(app, client, smtp):
    """The provider's note stays on the page after 'Status opslaan'."""
    reference, path, confirm, details = open_details(client, smtp, app)
    token = re.search(r'name="csrf_token" value="([^"]+)"', details.text).group(1)
    saved = client.post(path + "/status", data={
        "csrf_token": token, "status": "proefles_gepland", "reason": "",
        "reason_note": "Proefles woensdag 10 uur, Karin ontvangt haar."})
    assert saved.status_code == 200
    notice = re.search(r'<div class="notice" role="status">(.*?)</div>', saved.text, re.S).group(1)
    assert "Proefles gepland" in notice
    assert "Je toelichting: Proefles woensdag 10 uur, Karin ontvangt haar." in notice
    assert "Toelichting: Proefles woensdag 10 uur" in saved.text  # and in the history


@pytest.mark.parametrize("reply_to", ["", "Beheer Beweegkaart <beheer@example.org>"])
def test_confirmation_promises_a_reply_only_with_a_reply_address(settings, smtp, reply_to):
    """With BEWEEGKAART_MAIL_REPLY_TO the mail says 'reply'; without, it makes no such promise."""
    from referral_app import create_app

    app = create_app({**settings, "MAIL_REPLY_TO": reply_to})
    client = app.test_client()
    url = f"/aanmelden/{WALKING}"
    data = {**form_tokens(client, url), "name": "Truus de Vries", "email": "truus@example.org",
            "contact_moment": "ochtend", "consent": "y"}
    reference_of(client.post(url, data=data), client)
    drain_all(app)
    mail = next(m for m in smtp.messages if m["to"] == ["truus@example.org"])
    body = mail["message"].get_body(("plain",)).get_content()
    if reply_to:
        assert mail["message"]["Reply-To"] == reply_to
        assert "Beantwoord dan deze e-mail" in body
    else:
        assert mail["message"]["Reply-To"] is None
        assert "Beantwoord" not in body and "antwoorden komt niet aan" in body
