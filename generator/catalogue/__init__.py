"""The catalogue core: read, validate and enrich offer files (shared by the site and the app)."""
