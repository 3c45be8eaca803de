"""Site settings: `extra.beweegkaart` in mkdocs.yml, with defaults (no MkDocs needed to read)."""

from dataclasses import dataclass
from pathlib import Path

import yaml

from ..catalogue.reference import REFERENCE_DIR

DEFAULT_TILES = ("https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/"
                 "{z}/{x}/{y}.png")


@dataclass(frozen=True)
class Settings:
    """What the rendered pages depend on, besides the offers and the reference data."""

    tiles_url: str
    tiles_attribution: str
    tiles_max_zoom: int
    referral_url: str
    repo_edit_url: str
    curator_email: str
    site_url: str


@dataclass(frozen=True)
class Paths:
    """Where the build reads from and keeps its cache (absolute)."""

    offers_dir: Path
    reference_dir: Path
    cache_dir: Path
    node_modules: Path
    coaches_dir: Path = Path("coaches")


def settings_from(extra: dict, site_url: str) -> Settings:
    """Settings from the `extra.beweegkaart` block."""
    tiles = extra.get("tiles", {}) or {}
    return Settings(
        tiles_url=tiles.get("url", DEFAULT_TILES),
        tiles_attribution=tiles.get("attribution", "Kaartgegevens © Kadaster"),
        tiles_max_zoom=int(tiles.get("max_zoom", 19)),
        referral_url=str(extra.get("referral_url", "/app")).rstrip("/"),
        repo_edit_url=extra.get("repo_edit_url", "") or "",
        curator_email=extra.get("curator_email", "beheer@example.org"),
        site_url=(site_url or "").rstrip("/"),
    )


def paths_from(extra: dict, root: Path) -> Paths:
    """Folders from the `extra.beweegkaart` block, relative to the folder of mkdocs.yml."""

    def folder(name: str, default: Path | str) -> Path:
        value = Path(extra.get(name) or default)
        return value if value.is_absolute() else (root / value)

    return Paths(offers_dir=folder("offers_dir", "offers"),
                 reference_dir=folder("reference_dir", REFERENCE_DIR),
                 cache_dir=folder("cache_dir", ".beweegkaart-cache"),
                 node_modules=root / "node_modules",
                 coaches_dir=folder("coaches_dir", "coaches"))


def read_settings(config_file: Path) -> tuple[Settings, Paths]:
    """Settings and paths from a mkdocs.yml file."""
    config = yaml.safe_load(Path(config_file).read_text(encoding="utf-8")) or {}
    extra = (config.get("extra") or {}).get("beweegkaart") or {}
    return (settings_from(extra, config.get("site_url") or ""),
            paths_from(extra, Path(config_file).resolve().parent))
