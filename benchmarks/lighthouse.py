"""Lighthouse (npm `lighthouse`, mobile preset, Debian Chromium) on the built site.

The site is served gzip-compressed with cache headers, as a static host or CDN serves it;
tile requests are blocked (the tile server is another origin and unreachable here).
"""

import gzip
import http.server
import json
import os
import subprocess
import tempfile
from pathlib import Path

from .common import served

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROME_FLAGS = ("--headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
                "--disable-background-networking --disable-component-update --disable-sync")
PACKED = (".html", ".css", ".js", ".json", ".svg", ".xml", ".geojson", ".jsonld", ".csv")
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")


class StaticHost(http.server.SimpleHTTPRequestHandler):
    """Static files, gzip-compressed when the client accepts it, cacheable for an hour."""

    packed: dict = {}

    def log_message(self, *args):
        """Stay quiet."""

    def end_headers(self):
        """Cache headers like a static host's."""
        self.send_header("Cache-Control", "public, max-age=3600")
        super().end_headers()

    def do_GET(self):  # noqa: N802 (the http.server API)
        """Send text files compressed; everything else as the standard handler does."""
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?")[0].endswith("/"):
                return super().do_GET()  # the standard handler redirects to the folder URL
            path = path / "index.html"
        if ("gzip" not in self.headers.get("Accept-Encoding", "") or not path.is_file()
                or not path.name.endswith(PACKED)):
            return super().do_GET()
        data = self.packed.get(path) or gzip.compress(path.read_bytes(), 6)
        self.packed[path] = data
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        return None


def hosted(folder: Path):
    """Serve a folder like a static host on 127.0.0.1 (a free port); a context giving its URL."""
    return served(folder, type("Host", (StaticHost,), {"packed": {}}))


def lighthouse(url: str, tile_host: str) -> dict:
    """Scores (0-100) of the four categories, plus FCP, LCP (ms), CLS and TBT (ms)."""
    with tempfile.TemporaryDirectory() as out:
        report = Path(out) / "report.json"
        subprocess.run(  # noqa: S603 (our own npm binary, fixed arguments)
            [str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={report}",
             f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={CHROME_FLAGS}",
             f"--blocked-url-patterns=*{tile_host}*"],
            check=True, capture_output=True, timeout=300,
            env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"})
        result = json.loads(report.read_text("utf-8"))
    audits = result["audits"]
    scores = {k: round(result["categories"][k]["score"] * 100) for k in CATEGORIES}
    return {**scores,
            "fcp": audits["first-contentful-paint"]["numericValue"],
            "lcp": audits["largest-contentful-paint"]["numericValue"],
            "cls": audits["cumulative-layout-shift"]["numericValue"],
            "tbt": audits["total-blocking-time"]["numericValue"],
            "dom": audits["dom-size"].get("numericValue")}


def pages(site: Path) -> dict[str, str]:
    """The four pages to audit: home, an offer, a gemeente and an advice sheet of 3 offers."""
    offers = sorted(p.parent.relative_to(site / "aanbod").as_posix()
                    for p in (site / "aanbod").glob("*/*/index.html"))
    with_photo = [o for o in offers if any((site / "aanbod" / o).glob("*.jpg"))]
    offer = (with_photo or offers)[0]
    gemeente = max({o.split("/")[0] for o in offers},
                   key=lambda g: sum(o.startswith(g + "/") for o in offers))
    sheet = "&".join(f"id={o}" for o in offers[:3])
    return {"home": "", "offer": f"aanbod/{offer}/", "gemeente": f"aanbod/{gemeente}/",
            "advice": f"beweegadvies/?{sheet}"}


def audit(site: Path, tile_host: str) -> dict[str, dict]:
    """Lighthouse results per page of a built site."""
    with hosted(site) as base:
        return {name: lighthouse(base + rel, tile_host) for name, rel in pages(site).items()}


def version() -> str:
    """The Lighthouse version in node_modules."""
    package = ROOT / "node_modules" / "lighthouse" / "package.json"
    return json.loads(package.read_text("utf-8"))["version"]
