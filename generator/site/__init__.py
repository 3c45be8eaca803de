"""Render the static site: offer pages, index pages, data files, templates, the MkDocs adapter."""
