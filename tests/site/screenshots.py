"""Screenshots for the docs: `python -m tests.site.screenshots` writes docs/screenshots/.

Map tiles are blocked (no internet in tests), so maps show markers on a grey background.
"""

import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from tests.browser import CHROMIUM, CHROMIUM_ARGS

from .conftest import ROOT, TODAY, served

READY = "Number(document.documentElement.dataset.bkReady || 0) >= {}"


def suggestions(page):
    """Type part of a wijk name: the place suggestions open."""
    page.focus("#bk-q")
    page.keyboard.type("delfs")
    page.wait_for_selector("#bk-q-lijst [role=option]")


def phone_search(page):
    """Search a wijk and press Zoeken: the view moves to the count and the first results."""
    page.fill("#bk-q", "Feijenoord")
    page.tap("#bk-zoek")
    page.wait_for_function(READY.format(2))


def phone_filters(page):
    """Open the filter panel and choose the broad complaint term."""
    page.tap("#bk-filters > summary")
    page.tap("#bk-dg input[value='gewrichtsklachten'] + label")
    page.wait_for_function(READY.format(2))
    page.locator("#bk-dg").scroll_into_view_if_needed()


PHONE = {"width": 360, "height": 740}
SHOTS = {
    # name: (viewport, path, action before the picture)
    "home-desktop.png": ({"width": 1280, "height": 1000}, "?q=3072&r=10", None),
    "home-phone.png": ({"width": 360, "height": 1500}, "?q=6211&r=5&proef=1", None),
    "search-suggestions.png": ({"width": 1280, "height": 700}, "", suggestions),
    "phone-after-search.png": (PHONE, "", phone_search),
    "phone-filters.png": (PHONE, "?q=Feijenoord", phone_filters),
    "offer.png": ({"width": 1280, "height": 1000}, "aanbod/rotterdam/walking-football-charlois/",
                  None),
    "print-sheet.png": ({"width": 794, "height": 1123},
                        "beweegadvies/?id=rotterdam/walking-football-charlois"
                        "&id=rotterdam/beweeggroep-ouderen-hillesluis"
                        "&id=maastricht/aangepast-zwemmen-scharn", None),
    "voor-aanbieders.png": ({"width": 1280, "height": 1400}, "voor-aanbieders/", None),
}


def take_screenshots(browser, site_url: str, out_dir: Path) -> list[Path]:
    """Save the docs screenshots of a served site into out_dir; return the files."""
    out_dir.mkdir(parents=True, exist_ok=True)
    own = urlsplit(site_url).netloc
    written = []
    for name, (viewport, path, action) in SHOTS.items():
        context = browser.new_context(viewport=viewport, locale="nl-NL",
                                      is_mobile=viewport["width"] < 400,
                                      has_touch=viewport["width"] < 400)
        context.route("**/*", lambda route: route.continue_()
                      if urlsplit(route.request.url).netloc == own else route.abort())
        page = context.new_page()
        page.goto(site_url + path)
        if not path or path.startswith("?"):
            page.wait_for_function(READY.format(1))
        if action:
            action(page)
        if path.startswith("beweegadvies"):
            page.wait_for_function("document.documentElement.dataset.bkAdvies === '3'")
            page.emulate_media(media="print")
        page.wait_for_timeout(300)
        target = out_dir / name
        page.screenshot(path=str(target), full_page=name == "print-sheet.png")
        written.append(target)
        context.close()
    return written


def main() -> int:
    """Build the example site, serve it, and write docs/screenshots/."""
    from playwright.sync_api import sync_playwright

    from generator.pipeline import build_site

    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        build_site(ROOT / "offers", site, ROOT / "mkdocs.yml", today=TODAY)
        with served(site) as url, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for path in take_screenshots(browser, url, ROOT / "docs" / "screenshots"):
                print(path.relative_to(ROOT))
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
