"""Synthetic catalogues are valid, repeatable and spread over the country."""

from generator.catalogue.load import load_catalogue
from generator.contrib.synth import synth_catalogue

from .conftest import TODAY


def test_synthetic_catalogue_validates_and_spreads(tmp_path):
    """300 offers: no problem at all, many gemeenten, same output for the same seed."""
    synth_catalogue(300, tmp_path / "a", seed=7, today=TODAY)
    synth_catalogue(300, tmp_path / "b", seed=7, today=TODAY)
    catalogue = load_catalogue([tmp_path / "a"], today=TODAY)
    assert catalogue.problems == []
    assert len(catalogue.offers) == 300
    assert len({o.gemeente for o in catalogue.offers}) > 100
    first = sorted((tmp_path / "a").rglob("*.yaml"))[0]
    assert first.read_text() == (tmp_path / "b" / first.relative_to(tmp_path / "a")).read_text()
