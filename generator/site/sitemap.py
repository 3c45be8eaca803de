"""sitemap.xml for every page (a sitemap index when there are more URLs than one file may hold)."""

from pathlib import Path
from xml.sax.saxutils import escape

MAX_URLS = 45_000  # the protocol allows 50,000 per file


def _urlset(base: str, urls: list[str]) -> str:
    """One <urlset> document."""
    items = "".join(f"<url><loc>{escape(base + u)}</loc></url>\n" for u in urls)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{items}</urlset>\n")


def write_sitemap(site_dir: Path, site_url: str, urls: list[str]) -> list[Path]:
    """Write sitemap.xml (+ parts when needed) listing every URL; return the files written."""
    base = site_url.rstrip("/") + "/"
    urls = ["" if u in ("", "./", "/") else u.lstrip("/") for u in urls]
    urls = list(dict.fromkeys(urls))
    for old in site_dir.glob("sitemap*.xml*"):
        old.unlink()
    if len(urls) <= MAX_URLS:
        path = site_dir / "sitemap.xml"
        path.write_text(_urlset(base, urls), encoding="utf-8")
        return [path]
    written = []
    for number, start in enumerate(range(0, len(urls), MAX_URLS), 1):
        path = site_dir / f"sitemap-{number}.xml"
        path.write_bytes(_urlset(base, urls[start:start + MAX_URLS]).encode("utf-8"))
        written.append(path)
    items = "".join(f"<sitemap><loc>{escape(base + p.name)}</loc></sitemap>\n" for p in written)
    index = site_dir / "sitemap.xml"
    index.write_text('<?xml version="1.0" encoding="UTF-8"?>\n'
                     '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                     f"{items}</sitemapindex>\n", encoding="utf-8")
    return [index, *written]
