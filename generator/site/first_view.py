"""The home map's first view, clustered at build time (issue 12: first clusters sooner).

An untouched search on the home page shows every offer, so its first view (the bounds of all
offers) and that view's clusters depend on the catalogue alone. The build clusters them with
the page's own code (first_view.js runs the site's copies of supercluster and clusters.js in
Node) and writes them into the home page, where zoeken.js draws them as soon as Leaflet is
there, before the search data is fetched and decoded; the live clustering replaces them when
the data is in. Without Node (`npm ci` was not run), the page has no first view and draws its
first clusters from the data, as before.
"""

import json
import shutil
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

SCRIPT = Path(__file__).with_name("first_view.js")
# The scripts the home page loads for its clusters, as published (in the theme output).
SCRIPTS = ("assets/vendor/supercluster/supercluster.min.js", "assets/beweegkaart/clusters.js")
# The placeholder in overrides/zoeken.html that the first view replaces.
MARK = '<script id="bk-eerste-kaart" type="application/json">null</script>'


def first_view(positions: dict, max_zoom: int, assets: Path) -> str:
    """The first view as JSON text ("null" without Node, or without offers); `positions` as in
    data.positions, `assets` the folder the SCRIPTS paths are in."""
    node = shutil.which("node")
    if node is None or not positions["n"]:
        return "null"
    done = subprocess.run([node, str(SCRIPT), *(str(assets / s) for s in SCRIPTS)],  # noqa: S603
                          input=json.dumps({"search": positions, "maxZoom": max_zoom}),
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"first_view.js: {done.stderr.strip()}")
    return done.stdout


def start_first_view(positions: dict, max_zoom: int, assets: Path) -> Callable[[], str]:
    """`first_view` in a thread of its own (Node does the work, so the build goes on
    meanwhile); the function returned waits for its text (and raises what it raised)."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="first-view")
    future = pool.submit(first_view, positions, max_zoom, assets)
    pool.shutdown(wait=False)
    return future.result


def home_page(page: str, view: str) -> str:
    """The home page with its first view (script-safe: no "<" in the JSON)."""
    return page.replace(MARK, MARK.replace(">null<", ">" + view.replace("<", "\\u003c") + "<"))
