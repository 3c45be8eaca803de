"""The static beweegkaart: compact search data, offer pages and index pages around MkDocs."""

from .pipeline import BuildError, build_site

__all__ = ["BuildError", "build_site"]
