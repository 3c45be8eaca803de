"""The folium map of a gemeente page: own copies of Leaflet, one marker per spot, stable."""

import re
from types import SimpleNamespace

from generator.site.gemeentekaart import gemeente_map

TILES = ("https://tiles.example.org/{z}/{x}/{y}.png", "Kaartgegevens © Kadaster", 19)


def offer(oid, titel, lat, lon):
    """The parts of an offer the map reads."""
    return SimpleNamespace(id=oid, titel=titel, lat=lat, lon=lon)


ITEMS = [offer("rotterdam/a", "Yoga <script>", 51.9, 4.48),
         offer("rotterdam/b", "Boksen", 51.9, 4.48),
         offer("rotterdam/c", "Zwemmen", 51.92, 4.5)]


def test_only_own_copies_and_the_tiles():
    """No CDN: the only address on another origin is the tile server's."""
    html = gemeente_map(ITEMS, *TILES)
    assert set(re.findall(r"https?://[^\"' )]+", html)) == {TILES[0]}
    assert '<script src="../../assets/vendor/leaflet/leaflet.js">' in html
    assert "$(" not in html  # no jQuery


def test_offers_at_one_spot_share_one_marker():
    """Two offers at the same coordinates: one marker whose popup lists both."""
    html = gemeente_map(ITEMS, *TILES)
    assert html.count('"type": "Feature"') == 2
    assert "2 activiteiten op deze plek" in html
    assert "Yoga \\u0026lt;script\\u0026gt;" in html  # titles are escaped
    assert "<ul>" not in html and "\\u003cul\\u003e" in html  # no markup can end the script


def test_same_offers_same_page():
    """Fixed element ids: the page is rewritten only when the offers change."""
    assert gemeente_map(ITEMS, *TILES) == gemeente_map(list(reversed(ITEMS)), *TILES)
    assert gemeente_map(ITEMS, *TILES) != gemeente_map(ITEMS[:2], *TILES)


def test_zooming_stays_allowed():
    """The page does not forbid zooming (WCAG 1.4.4)."""
    assert "user-scalable=no" not in gemeente_map(ITEMS, *TILES)
