"""The one thin adapter between MkDocs and the site generator (used as a MkDocs hook module).

MkDocs renders the hand-written pages, three overview pages and two "shell" pages (theme chrome
with placeholders); after the build, `render.finish_site` stamps every offer page and index page
into the shells and writes the data files. `mkdocs build`, `mkdocs serve` and `beweegkaart build`
all pass through here.
"""

import datetime as dt
import json
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files, InclusionLevel

from ..catalogue.load import Catalogue, load_catalogue
from ..catalogue.reference import load_reference
from ..catalogue.schema import json_schema
from .overview import overview_pages
from .pages import BODY, DESCRIPTION, TITLE, Settings
from .render import finish_site

STATIC = Path(__file__).parent / "static"
STATE_KEY = "_beweegkaart"
# Shell pages, by depth below the site root, with the scripts their pages need.
SHELLS = {
    2: ("sjabloon/lijst.md", {"hide": ["toc"]}),
    3: ("sjabloon/aanbod/pagina.md", {"hide": ["toc", "navigation"], "kaart": True,
                                      "scripts": ["kaart-klein.js"]}),
}
UNUSED_THEME_FILES = ["assets/javascripts/lunr", "assets/javascripts/workers"]
# Browser libraries from npm (node_modules), copied into the site: (source, site path).
VENDOR = [
    ("leaflet/dist/leaflet.js", "assets/vendor/leaflet/leaflet.js"),
    ("leaflet/dist/leaflet.css", "assets/vendor/leaflet/leaflet.css"),
    ("leaflet/dist/images/marker-icon.png", "assets/vendor/leaflet/images/marker-icon.png"),
    ("leaflet/dist/images/marker-icon-2x.png", "assets/vendor/leaflet/images/marker-icon-2x.png"),
    ("leaflet/dist/images/marker-shadow.png", "assets/vendor/leaflet/images/marker-shadow.png"),
    ("leaflet/dist/images/layers.png", "assets/vendor/leaflet/images/layers.png"),
    ("leaflet/dist/images/layers-2x.png", "assets/vendor/leaflet/images/layers-2x.png"),
    ("supercluster/dist/supercluster.min.js", "assets/vendor/supercluster/supercluster.min.js"),
    ("qrcode-generator/qrcode.js", "assets/vendor/qrcode-generator/qrcode.js"),
]


@dataclass
class BuildState:
    """What one build needs between the MkDocs events."""

    catalogue: Catalogue
    settings: Settings
    offers_dir: Path
    today: dt.date
    progress: object = None
    pages: list[str] = field(default_factory=list)
    report: dict = field(default_factory=dict)


def project_root(config) -> Path:
    """The folder holding mkdocs.yml (relative settings are resolved from here)."""
    return Path(config.config_file_path).resolve().parent


def node_modules(config) -> Path:
    """The npm folder with the browser libraries."""
    return project_root(config) / "node_modules"


def read_settings(config) -> tuple[Settings, Path]:
    """Site settings and the offers folder from `extra.beweegkaart`, with defaults."""
    extra = config.extra.get("beweegkaart", {}) or {}
    tiles = extra.get("tiles", {}) or {}
    settings = Settings(
        tiles_url=tiles.get("url", "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/"
                                   "standaard/EPSG:3857/{z}/{x}/{y}.png"),
        tiles_attribution=tiles.get("attribution", "Kaartgegevens © Kadaster"),
        tiles_max_zoom=int(tiles.get("max_zoom", 19)),
        referral_url=str(extra.get("referral_url", "/app")).rstrip("/"),
        repo_edit_url=extra.get("repo_edit_url", "") or "",
        curator_email=extra.get("curator_email", "beheer@example.org"),
        site_url=(config.site_url or "").rstrip("/"),
    )
    offers_dir = Path(extra.get("offers_dir", "offers"))
    if not offers_dir.is_absolute():
        offers_dir = project_root(config) / offers_dir
    return settings, offers_dir


def on_config(config):
    """Load and validate the catalogue (unless `beweegkaart build` already did) and keep it."""
    settings, offers_dir = read_settings(config)
    given = config.get(STATE_KEY)
    if isinstance(given, BuildState):
        given.settings = settings
        state = given
    else:
        catalogue = load_catalogue([offers_dir], today=dt.date.today())
        if catalogue.errors:
            raise PluginError("de aanbod-bestanden bevatten fouten:\n" +
                              "\n".join(p.format() for p in catalogue.errors))
        state = BuildState(catalogue, settings, offers_dir, dt.date.today())
    config[STATE_KEY] = state
    config.extra["beweegkaart_js"] = {
        "tiles": settings.tiles_url, "attribution": settings.tiles_attribution,
        "maxZoom": settings.tiles_max_zoom, "referralUrl": settings.referral_url,
    }
    return config


def on_files(files: Files, config) -> Files:
    """Add the static assets, the npm libraries, the overview pages and the shell pages."""
    state: BuildState = config[STATE_KEY]
    for path in sorted(STATIC.rglob("*")):
        if path.is_file():
            rel = path.relative_to(STATIC).as_posix()
            files.append(File.generated(config, f"assets/beweegkaart/{rel}",
                                        abs_src_path=str(path)))
    modules = node_modules(config)
    for source, target in VENDOR:
        if not (modules / source).is_file():
            raise PluginError(f"{modules / source} ontbreekt: voer eerst 'npm ci' uit "
                              "(of make install)")
        files.append(File.generated(config, target, abs_src_path=str(modules / source)))
    # The published JSON Schema (the `$schema` line of offer files), always from the code.
    files.append(File.generated(config, "schema/aanbod.schema.json",
                                content=json.dumps(json_schema(), ensure_ascii=False, indent=2)))
    offers = visible_offers(state)
    ref = load_reference()
    for src_uri, content in overview_pages(offers, ref).items():
        files.append(File.generated(config, src_uri, content=content))
    for src_uri, meta in SHELLS.values():
        files.append(File.generated(config, src_uri, content=shell_source(meta),
                                    inclusion=InclusionLevel.NOT_IN_NAV))
    state.pages = [f.url for f in files.documentation_pages()
                   if not f.src_uri.startswith("sjabloon/")]
    return files


def shell_source(meta: dict) -> str:
    """Markdown of a shell page: front matter with placeholders and a body marker."""
    lines = ["---", f'title: "{TITLE}"', f'description: "{DESCRIPTION}"']
    for key, value in meta.items():
        lines.append(f"{key}: {value!r}".replace("'", '"').replace("True", "true"))
    return "\n".join([*lines, "---", "", BODY, ""])


def visible_offers(state: BuildState):
    """Offers shown on the site: expired ones are left out."""
    return [o for o in state.catalogue.offers if not o.expired(state.today)]


def on_post_build(config) -> None:
    """Stamp offer and index pages into the shells and write the data files."""
    state: BuildState = config[STATE_KEY]
    site_dir = Path(config.site_dir)
    shells = {}
    for depth, (src_uri, _meta) in SHELLS.items():
        page_dir = site_dir / src_uri[:-3]
        shells[depth] = compact_html((page_dir / "index.html").read_text(encoding="utf-8"))
    shutil.rmtree(site_dir / "sjabloon")
    for unused in UNUSED_THEME_FILES:  # the search plugin is off: its scripts would never load
        shutil.rmtree(site_dir / unused, ignore_errors=True)
    state.report = finish_site(visible_offers(state), load_reference(), state.settings, shells,
                               site_dir, state.pages, state.progress)


def compact_html(text: str) -> str:
    """Drop the theme's indentation and blank lines (the shell has no <pre> or <textarea>)."""
    return re.sub(r"\n\s+", "\n", text)


def on_serve(server, config, builder):
    """Rebuild on changes to offer files too, so clubs see their edit live."""
    _settings, offers_dir = read_settings(config)
    server.watch(str(offers_dir))
    return server


def log(message: str) -> None:
    """Progress for long builds, on stderr."""
    print(message, file=sys.stderr, flush=True)
