"""The journeys' own checks can fail: axe-core and the request log catch a bad page."""

import pytest


def test_axe_and_origin_checks_catch_a_bad_page(demo, journey_factory):
    """An image without alt text from another origin and a name in a URL fail the checks."""
    j = journey_factory("self-check", demo.base)
    j.page.route(demo.base + "bad*", lambda route: route.fulfill(
        content_type="text/html",
        body='<!doctype html><html lang="nl"><title>x</title><main>'
             '<img src="https://example.org/foto.png"></main></html>'))
    j.page.goto(demo.base + "bad?naam=Jan+de+Vries")
    j.step("bad-page")
    assert j.foreign == ["https://example.org/foto.png"]
    with pytest.raises(AssertionError, match="image-alt"):
        j.check_accessible()
    with pytest.raises(AssertionError, match="other origins"):
        j.check_origins()
    with pytest.raises(AssertionError, match="personal data in URLs"):
        j.check_urls_free_of("Jan de Vries")
