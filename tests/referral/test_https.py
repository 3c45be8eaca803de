"""Behind HTTPS and a reverse proxy: CSRF with Origin/Referer, cookie flags, trusted headers."""

import pytest

from referral_app import create_app

from .conftest import HIDDEN, REFERRAL, WALKING

HTTPS = "https://beweegkaart.example.org"
FORM = f"/verwijzen/{WALKING}"


def https_post(client, headers: dict, base_url: str = HTTPS, **get_headers):
    """Open the form over HTTPS, then send it with the given request headers."""
    page = client.get(FORM, base_url=base_url, headers=get_headers)
    assert page.status_code == 200
    data = {**REFERRAL, **dict(HIDDEN.findall(page.text))}
    return client.post(FORM, base_url=base_url, data=data, headers=headers)


def test_form_page_lets_browsers_send_the_origin(client):
    # no-referrer makes browsers send "Origin: null" and no Referer: every HTTPS POST failed.
    page = client.get(FORM, base_url=HTTPS)
    assert page.headers["Referrer-Policy"] == "same-origin"


def test_https_post_with_same_origin_and_no_referer_is_accepted(client):
    answer = https_post(client, {"Origin": HTTPS})
    assert answer.status_code == 302, answer.text
    assert answer.headers["Location"] == "/ontvangen"


def test_https_post_with_same_origin_referer_is_accepted(client):
    assert https_post(client, {"Referer": HTTPS + FORM}).status_code == 302


@pytest.mark.parametrize("headers", [
    {},  # neither Origin nor Referer: refused (strict, as Flask-WTF's SSL check)
    {"Origin": "null"},
    {"Origin": "https://evil.example"},
    {"Origin": "http://beweegkaart.example.org"},  # same host, other scheme
    {"Referer": "https://evil.example/verwijzen"},
    {"Origin": "https://evil.example", "Referer": HTTPS + FORM},
])
def test_https_post_from_another_origin_is_refused(client, headers):
    answer = https_post(client, headers)
    assert answer.status_code == 400
    assert "Het formulier is verlopen" in answer.text


def test_plain_http_post_needs_no_origin(client):
    page = client.get(FORM)
    answer = client.post(FORM, data={**REFERRAL, **dict(HIDDEN.findall(page.text))})
    assert answer.status_code == 302


def cookie_header(response) -> str:
    """The Set-Cookie header of the session cookie."""
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert len(cookies) == 1
    return cookies[0]


def test_session_cookie_is_secure_over_https_and_samesite_lax(client):
    cookie = cookie_header(client.get(FORM, base_url=HTTPS))
    assert "; Secure" in cookie and "; HttpOnly" in cookie and "; SameSite=Lax" in cookie


def test_session_cookie_over_plain_http_is_samesite_lax_not_secure(settings):
    cookie = cookie_header(create_app(settings).test_client().get(FORM))
    assert "; SameSite=Lax" in cookie and "Secure" not in cookie


def test_cookie_is_secure_behind_a_trusted_tls_proxy(settings):
    client = create_app({**settings, "TRUSTED_PROXIES": 1}).test_client()
    cookie = cookie_header(client.get(FORM, headers={"X-Forwarded-Proto": "https"}))
    assert "; Secure" in cookie


def test_proxy_may_not_change_the_host(settings):
    # A trusted X-Forwarded-Host would let a forged Origin pass the CSRF check.
    client = create_app({**settings, "TRUSTED_PROXIES": 1}).test_client()
    forged = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example",
              "Origin": "https://evil.example", "Referer": "https://evil.example/"}
    answer = https_post(client, forged, base_url="http://beweegkaart.example.org",
                        **{"X-Forwarded-Proto": "https"})
    assert answer.status_code == 400
    fine = {"X-Forwarded-Proto": "https", "Origin": HTTPS}
    assert https_post(client, fine, base_url="http://beweegkaart.example.org",
                      **{"X-Forwarded-Proto": "https"}).status_code == 302


def test_proxy_may_not_change_the_path_prefix(settings):
    client = create_app({**settings, "TRUSTED_PROXIES": 1}).test_client()
    page = client.get(FORM)
    answer = client.post(FORM, data={**REFERRAL, **dict(HIDDEN.findall(page.text))},
                         headers={"X-Forwarded-Prefix": "/elders"})
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/ontvangen"
