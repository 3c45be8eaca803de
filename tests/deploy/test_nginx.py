"""The shipped nginx config in front of the app: HTTPS only, one HSTS header, the site at /,
the app at /app/, forwarded headers from clients dropped, a Dutch page when the app is down."""


def test_https_only_with_one_hsts_header(deployment):
    """Plain HTTP redirects to HTTPS; site and app answer over TLS with exactly one HSTS."""
    status, headers, _ = deployment.get("/aanbod/", base=deployment.http_base)
    assert status == 301 and headers["Location"].startswith("https://")
    for path in ("/", f"/app/verwijzen/{deployment.referral_offers()[0].id}"):
        status, headers, _ = deployment.get(path)
        assert status == 200, path
        assert headers.get_all("Strict-Transport-Security") == ["max-age=63072000"], path
        assert headers.get_all("X-Content-Type-Options") == ["nosniff"], path


def test_forwarded_headers_from_clients_are_ignored(deployment):
    """A client cannot move the app's links with X-Forwarded-Prefix/-Host (nginx drops them)."""
    offer = deployment.referral_offers()[0]
    status, _, body = deployment.get(f"/app/verwijzen/{offer.id}", headers={
        "X-Forwarded-Prefix": "/elders", "X-Forwarded-Host": "elders.example.org"})
    assert status == 200
    assert "/elders" not in body and "elders.example.org" not in body
    assert f'action="/app/verwijzen/{offer.id}"' in body
    assert 'href="/app/static/app.css"' in body


def test_the_app_answers_under_app_only(deployment):
    """nginx serves the site at /, the app at /app/; /app redirects; unknown paths are 404s."""
    status, headers, _ = deployment.get("/app")
    assert status == 301 and headers["Location"].endswith("/app/")
    status, headers, _ = deployment.get("/app/")
    assert status == 302 and headers["Location"] == "/"
    status, _, body = deployment.get("/bestaat-niet/")
    assert status == 404


def test_a_dutch_page_while_the_app_is_not_running(deployment):
    """gunicorn stopped (a deploy, a crash): nginx answers 503 in Dutch, not "Bad Gateway"."""
    offer = deployment.referral_offers()[0]
    deployment.app.stop()
    try:
        status, headers, body = deployment.get(f"/app/verwijzen/{offer.id}")
    finally:
        deployment.app.start()
    assert status == 503 and headers["Retry-After"] == "30"
    assert "Probeer het zo nog eens" in body and "nginx" not in body.lower()
    assert headers.get_all("Strict-Transport-Security") == ["max-age=63072000"]
    assert deployment.get(f"/app/verwijzen/{offer.id}")[0] == 200
