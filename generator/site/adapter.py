"""The one thin adapter between MkDocs and the site generator.

MkDocs renders only what does not depend on the catalogue: the hand-written pages, the theme
assets, three overview pages and two "shell" pages (theme chrome with placeholders). The
render stage stamps offer, index and overview bodies into those shells. Two ways in:
`start_theme` (used by `beweegkaart build`, output kept in the cache per theme key) and the
hook functions below (mkdocs.yml `hooks:`), through which plain `mkdocs build` and
`mkdocs serve` run the whole pipeline (see `mkdocs_hooks.py`).
"""

import importlib.metadata
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files, InclusionLevel

from ..cache import Stamps, hash_tree
from ..catalogue.reference import load_reference
from ..catalogue.schema import json_schema
from ..forked import Done, Forked
from .pages import BODY, DESCRIPTION, TITLE, Shell
from .settings import paths_from, settings_from

STATIC = Path(__file__).parent / "static"
MODE_KEY = "_beweegkaart_mode"  # "theme" while `render_theme` runs MkDocs
# Shell pages, by depth below the site root, with their front matter.
SHELLS = {
    2: ("sjabloon/lijst.md", {"hide": ["toc"], "licht": True}),
    3: ("sjabloon/aanbod/pagina.md", {"hide": ["toc", "navigation"], "kaart": True,
                                      "licht": True, "scripts": ["kaart-klein.js"]}),
}
# Overview pages in the nav: MkDocs renders the heading, the render stage fills the body.
OVERVIEWS = {
    "aanbod/index.md": "Aanbod per gemeente",
    "activiteit/index.md": "Aanbod per activiteit",
    "doelgroep/index.md": "Aanbod per doelgroep of klacht",
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
class Theme:
    """What MkDocs made: the shells, the overview shells and the files to publish as they are."""

    folder: Path
    shells: dict[int, Shell]
    overviews: dict[str, Shell]
    files: list[str]
    key: str


def render_theme(config_file: Path, cache_dir: Path, stamps: Stamps | None = None) -> Theme:
    """Run MkDocs into the cache when its inputs changed; return the theme output (`stamps`:
    the build cache's index of hashed files, see `hash_tree`)."""
    return start_theme(config_file, cache_dir, stamps)[1].result()


def start_theme(config_file: Path, cache_dir: Path, stamps: Stamps | None = None,
                fork: bool = False) -> tuple[str, Forked | Done]:
    """Begin `render_theme`: the theme's key now, and a task whose `result()` is the Theme.
    With `fork`, MkDocs runs in a forked child when the theme is not in the cache (a fresh
    build reads the offer files meanwhile; the key, and so the build key, is known at once)."""
    config = load_config(str(config_file))
    key = theme_key(config, stamps)
    folder = cache_dir / "theme" / key

    def work() -> Theme:
        if not (folder / ".complete").exists():
            shutil.rmtree(cache_dir / "theme", ignore_errors=True)
            theme_config = load_config(str(config_file), site_dir=str(folder))
            theme_config[MODE_KEY] = "theme"
            build(theme_config)
            (folder / ".complete").touch()
        return theme_in(folder, key)

    if fork and not (folder / ".complete").exists():
        return key, Forked(work)
    return key, Done(work())


def theme_key(config, stamps: Stamps | None = None) -> str:
    """A hash of everything MkDocs reads: config, pages, overrides, assets, versions."""
    versions = ",".join(importlib.metadata.version(p) for p in ("mkdocs", "mkdocs-material"))
    modules = node_modules(config)
    sources = [Path(config.config_file_path), Path(config.docs_dir), STATIC,
               *(modules / source for source, _target in VENDOR)]
    if config.theme.custom_dir:
        sources.append(Path(config.theme.custom_dir))
    code = hash_tree([Path(__file__).parent.parent], stamps=stamps)
    return hash_tree(sources, salt=versions + code, stamps=stamps)


def theme_in(folder: Path, key: str = "") -> Theme:
    """Read the shells from a MkDocs output folder and list the files to publish."""
    shells = {depth: Shell(shell_html((folder / uri[:-3] / "index.html").read_text("utf-8")))
              for depth, (uri, _meta) in SHELLS.items()}
    overviews = {uri[:-3] + ".html": Shell(compact_html((folder / (uri[:-3] + ".html"))
                                                        .read_text("utf-8")))
                 for uri in OVERVIEWS}
    skip = {"sjabloon", "sitemap.xml", "sitemap.xml.gz", *UNUSED_THEME_FILES}  # ours is complete
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                   if p.is_file() and p.name != ".complete")
    files = [f for f in files if f not in overviews
             and not any(f == s or f.startswith(s + "/") for s in skip)]
    return Theme(folder, shells, overviews, files, key or hash_tree([folder / "sjabloon"]))


def drop_shells(site_dir: Path) -> None:
    """Remove the shell pages and unused theme files from a plain MkDocs output folder."""
    shutil.rmtree(site_dir / "sjabloon", ignore_errors=True)
    (site_dir / "sitemap.xml.gz").unlink(missing_ok=True)  # MkDocs' own, without our pages
    for unused in UNUSED_THEME_FILES:  # the search plugin is off: its scripts would never load
        shutil.rmtree(site_dir / unused, ignore_errors=True)


def node_modules(config) -> Path:
    """The npm folder with the browser libraries."""
    return Path(config.config_file_path).resolve().parent / "node_modules"


def plain_settings(config):
    """Settings and paths of a plain `mkdocs build`/`serve` run."""
    extra = config.extra.get("beweegkaart", {}) or {}
    root = Path(config.config_file_path).resolve().parent
    return settings_from(extra, config.site_url or ""), paths_from(extra, root)


def is_theme_only(config) -> bool:
    """True while `render_theme` runs MkDocs (the pipeline does the rest itself)."""
    return config.get(MODE_KEY) == "theme"


def on_config(config):
    """Pass the map and referral settings to the pages' scripts."""
    settings, _paths = plain_settings(config)
    config.extra["beweegkaart_js"] = {
        "tiles": settings.tiles_url, "attribution": settings.tiles_attribution,
        "maxZoom": settings.tiles_max_zoom, "referralUrl": settings.referral_url,
    }
    return config


def on_files(files: Files, config) -> Files:
    """Add the static assets, the npm libraries, the JSON Schema and the shell pages."""
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
    # The published JSON Schema (the `$schema` line of offer files), always from the code and
    # the configured reference data.
    ref = load_reference(plain_settings(config)[1].reference_dir)
    files.append(File.generated(config, "schema/aanbod.schema.json",
                                content=json.dumps(json_schema(ref), ensure_ascii=False, indent=2)))
    for src_uri, title in OVERVIEWS.items():
        files.append(File.generated(config, src_uri, content=f"# {title}\n\n{BODY}\n"))
    for src_uri, meta in SHELLS.values():
        files.append(File.generated(config, src_uri, content=shell_source(meta),
                                    inclusion=InclusionLevel.NOT_IN_NAV))
    return files


def shell_source(meta: dict) -> str:
    """Markdown of a shell page: front matter with placeholders and a body marker."""
    lines = ["---", f'title: "{TITLE}"', f'description: "{DESCRIPTION}"']
    for key, value in meta.items():
        lines.append(f"{key}: {value!r}".replace("'", '"').replace("True", "true"))
    return "\n".join([*lines, "---", "", BODY, ""])


# Theme markup a light page does without: its own canonical URL and generator tag (stamped
# pages differ), and what only the theme's bundle script uses (light pages do not load it).
SHELL_CUTS = [re.compile(p) for p in (
    r'<link rel="canonical" href="[^"]*">\n', r'<meta name="generator" content="[^"]*">\n',
    r"<script>__md_scope=.*?</script>\n", r'<input class="md-toggle"[^>]*>\n',
    r'<label class="md-overlay"[^>]*></label>\n',
    r'<div data-md-component="(?:skip|announce)">\n</div>\n',
    r"<script>var target=document\.getElementById.*?</script>\n",
    r'<div class="md-dialog" data-md-component="dialog">\n<div[^>]*></div>\n</div>\n',
    r' data-md-component="[a-z]+"')]


def shell_html(text: str) -> str:
    """A light shell page: compact, without the markup listed in SHELL_CUTS."""
    text = compact_html(text)
    for cut in SHELL_CUTS:
        text = cut.sub("", text)
    return text


# The theme puts autocomplete="off" on its two menu checkboxes (base.html, outside any block we
# could override); HTML allows autocomplete only on text-like inputs, so the Nu HTML Checker
# reports an error on every page. The attribute is dropped from checkboxes only.
CHECKBOX_AUTOCOMPLETE = re.compile(r'(<input\b[^>]*\btype="checkbox"[^>]*?)\s+autocomplete="off"')


def on_post_page(output: str, page, config) -> str:
    """Make every page valid HTML (see CHECKBOX_AUTOCOMPLETE)."""
    return CHECKBOX_AUTOCOMPLETE.sub(r"\1", output)


def on_post_template(output: str, template_name: str, config) -> str:
    """The same for pages MkDocs renders from a bare template (404.html)."""
    return CHECKBOX_AUTOCOMPLETE.sub(r"\1", output)


def compact_html(text: str) -> str:
    """Drop the theme's indentation and blank lines (the shell has no <pre> or <textarea>)."""
    return re.sub(r"\n\s+", "\n", text)


def on_serve(server, config, builder):
    """Rebuild on changes to offer files too, so clubs see their edit live."""
    _settings, paths = plain_settings(config)
    server.watch(str(paths.offers_dir))
    return server
