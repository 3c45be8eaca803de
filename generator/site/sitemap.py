"""sitemap.xml for every page (a sitemap index when there are more URLs than one file may hold)."""

from xml.sax.saxutils import escape

MAX_URLS = 45_000  # the protocol allows 50,000 per file


def _urlset(base: str, urls: list[str]) -> str:
    """One <urlset> document."""
    if any(c in base or c in "".join(urls) for c in "&<>"):
        items = "".join(f"<url><loc>{escape(base + u)}</loc></url>\n" for u in urls)
    else:  # (nothing to escape: the common case, without a call per URL)
        items = "".join(f"<url><loc>{base}{u}</loc></url>\n" for u in urls)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{items}</urlset>\n")


def sitemap_files(site_url: str, urls: list[str]) -> dict[str, str]:
    """sitemap.xml (+ parts when needed) listing every URL: file name -> text."""
    base = site_url.rstrip("/") + "/"
    urls = ["" if u in ("", "./", "/") else u.lstrip("/") for u in urls]
    urls = list(dict.fromkeys(urls))
    if len(urls) <= MAX_URLS:
        return {"sitemap.xml": _urlset(base, urls)}
    parts = {f"sitemap-{number}.xml": _urlset(base, urls[start:start + MAX_URLS])
             for number, start in enumerate(range(0, len(urls), MAX_URLS), 1)}
    items = "".join(f"<sitemap><loc>{escape(base + name)}</loc></sitemap>\n" for name in parts)
    index = ('<?xml version="1.0" encoding="UTF-8"?>\n'
             '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
             f"{items}</sitemapindex>\n")
    return {"sitemap.xml": index, **parts}
