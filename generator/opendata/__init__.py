"""Open data export: Frictionless Data Package, GeoJSON and JSON-LD."""
