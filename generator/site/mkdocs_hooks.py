"""MkDocs hook module named in mkdocs.yml `hooks:`; the adapter does the work."""

from generator.site.adapter import on_config, on_files, on_post_build, on_serve

__all__ = ["on_config", "on_files", "on_post_build", "on_serve"]
