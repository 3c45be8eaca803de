"""The GP's task, scripted in Chromium on two builds of the site: steps and time, before/after.

Task: a patient from Delfshaven with knee complaints and arthrosis. Find offers near home for
both complaints, put two on the advice sheet, print it, and leave nothing behind for the next
patient. `python -m benchmarks.gp_journey BEFORE_SITE AFTER_SITE` prints a Markdown table.
A step is one user action (a click, a choice, typing a field and pressing Enter).
"""

import functools
import http.server
import re
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from tests.browser import CHROMIUM, CHROMIUM_ARGS

READY = "Number(document.documentElement.dataset.bkReady || 0) >= {}"
RUNS = 5


class Quiet(http.server.SimpleHTTPRequestHandler):
    """Static files, no request log."""

    def log_message(self, *args):
        """Stay quiet."""


class Journey:
    """Counts steps and keeps time while a script drives the page."""

    def __init__(self, page):
        """Start at zero."""
        self.page, self.steps, self.applied = page, [], 1

    def step(self, name: str, action, waits_for_search: bool = False):
        """Do one user action (and wait for the search it starts)."""
        action()
        if waits_for_search:
            self.applied += 1
            self.page.wait_for_function(READY.format(self.applied))
        self.steps.append(name)

    def search(self, text: str):
        """Type a place or postcode and press Enter."""
        def act():
            self.page.fill("#bk-q", text)
            self.page.press("#bk-q", "Enter")
        self.step(f"type '{text}' + Enter", act, waits_for_search=True)

    def pick_first(self, skip: set[str]):
        """Put the first listed offer not yet picked on the sheet."""
        ids = self.page.eval_on_selector_all("#bk-lijst [data-advies-kies]",
                                             "bs => bs.map(b => b.dataset.adviesKies)")
        chosen = next(i for i in ids if i not in skip)
        self.step("Zet op beweegadvies", lambda: self.page.click(
            f"#bk-lijst [data-advies-kies='{chosen}']"))
        return chosen


def before(j: Journey) -> None:
    """main before issue 13: the wijk is unknown, one complaint at a time, no clear button."""
    page = j.page
    j.search("Delfshaven")
    assert "kennen" in page.inner_text("#bk-q-fout")
    j.search("3024")  # the GP asks the patient for the postcode
    j.step("choose 'knieklachten'", lambda: page.select_option("#bk-dg", "knieklachten"), True)
    first = j.pick_first(set())
    j.step("choose 'artrose'", lambda: page.select_option("#bk-dg", "artrose"), True)
    second = j.pick_first({first})
    print_and_clear(j, lambda: None)
    # the next patient would see these picks: take them off one by one
    j.step("Back to the search", page.go_back)
    page.wait_for_function(READY.format(1))
    j.applied = 1
    for group, oid in (("artrose", second), ("knieklachten", first)):
        if page.input_value("#bk-dg") != group:
            j.step(f"choose '{group}'", lambda g=group: page.select_option("#bk-dg", g), True)
        j.step("Staat op beweegadvies (remove)", lambda o=oid: page.click(
            f"#bk-lijst [data-advies-kies='{o}']"))
    assert page.evaluate("JSON.parse(localStorage.getItem('beweegkaart.beweegadvies'))") == []


def after(j: Journey) -> None:
    """This branch: the wijk is found, both complaints at once, cleared after printing."""
    page = j.page
    j.search("Delfshaven")
    j.step("tick 'knieklachten'", lambda: page.check("#bk-dg input[value='knieklachten']"), True)
    j.step("tick 'artrose'", lambda: page.check("#bk-dg input[value='artrose']"), True)
    first = j.pick_first(set())
    j.pick_first({first})
    print_and_clear(j, lambda: page.wait_for_function(
        "document.documentElement.dataset.bkAdvies === '0'"))
    assert page.evaluate("bkAdvies.load()") == []


def print_and_clear(j: Journey, cleared) -> None:
    """Open the sheet and print it (Chromium's PDF printing fires beforeprint/afterprint)."""
    page = j.page
    j.step("Beweegadvies bekijken en printen", lambda: page.click("[data-advies-link]"))
    page.wait_for_function("document.documentElement.dataset.bkAdvies === '2'")
    j.step("Afdrukken", lambda: page.pdf(format="A4"))
    cleared()


def run(browser, url: str, script) -> tuple[int, float, list[str]]:
    """(steps, seconds, step names) of one scripted journey on a fresh browser profile."""
    own = urlsplit(url).netloc
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    context.route("**/*", lambda r: r.continue_() if urlsplit(r.request.url).netloc == own
                  else r.abort())
    page = context.new_page()
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_function(READY.format(1))
    journey = Journey(page)
    script(journey)
    seconds = time.perf_counter() - started
    context.close()
    return len(journey.steps), seconds, journey.steps


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serve a built site on a free loopback port."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/"


def main(argv: list[str]) -> int:
    """Run both journeys RUNS times; print the table (median time)."""
    from statistics import median

    from playwright.sync_api import sync_playwright

    results = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for label, folder, script in (("main (before)", argv[0], before),
                                      ("search13 (after)", argv[1], after)):
            server, url = serve(Path(folder))
            runs = [run(browser, url, script) for _ in range(RUNS)]
            server.shutdown()
            results[label] = (runs[0][0], median(r[1] for r in runs), runs[0][2])
        browser.close()
    (b_steps, b_time, _b), (a_steps, a_time, _a) = results.values()
    print(f"| GP journey | steps | time (median of {RUNS}, s) |")
    print("|---|---|---|")
    for label, (steps, seconds, _names) in results.items():
        print(f"| {label} | {steps} | {seconds:.2f} |")
    print(f"| ratio after/before | {a_steps / b_steps:.2f} | {a_time / b_time:.2f} |")
    for label, (_s, _t, names) in results.items():
        print(f"\n{label}: " + "; ".join(re.sub(r"\s+", " ", n) for n in names))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
