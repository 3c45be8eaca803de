"""The MkDocs hook module named in mkdocs.yml: plain `mkdocs build`/`serve` run the pipeline."""

from generator.pipeline import build_after_mkdocs
from generator.site.adapter import (
    is_theme_only,
    on_config,
    on_files,
    on_post_page,
    on_post_template,
    on_serve,
)

__all__ = ["on_config", "on_files", "on_post_build", "on_post_page", "on_post_template",
           "on_serve"]


def on_post_build(config) -> None:
    """After MkDocs wrote the theme pages: load, validate, render and export into site_dir."""
    if not is_theme_only(config):
        build_after_mkdocs(config)
