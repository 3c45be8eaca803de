"""Shared browser-test pieces: Debian's Chromium settings and the axe-core accessibility check."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TILE_HOST = "service.pdok.nl"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page) -> list[dict]:
    """Run axe-core (from npm, node_modules) for the WCAG 2.1 A/AA rules.

    The referral app's CSP forbids inline scripts, so `add_script_tag` cannot inject axe there;
    the browser's own evaluation channel is not bound by the page's CSP, so load it through that.
    """
    page.evaluate("(source) => { if (!window.axe) { (0, eval)(source); } }", AXE.read_text())
    # Colours are measured as they are painted: let fades (a Leaflet popup opening) end first,
    # or a busy machine sees a half-transparent popup (at most 2 s; endless ones are skipped).
    page.evaluate("""() => Promise.race([
        Promise.all(document.getAnimations().filter(a => a.effect && a.effect.getTiming()
            .iterations !== Infinity).map(a => a.finished.catch(() => null))),
        new Promise(r => setTimeout(r, 2000))])""")
    result = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                           WCAG)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]} for v in result["violations"]]
