"""A big build makes its index pages and gemeente maps in a forked child while the parent
writes the data files: the site is the site of a build in one process, the parent stores what
the child made, the child leaves files alone that are on disk as the last build wrote them,
and a failure in the parent stops the child."""

import datetime as dt
import shutil
import time

import pytest

from generator import pipeline
from generator.forked import Forked
from generator.pipeline import build_site
from generator.site import render

from .conftest import GOLDEN, ROOT, TODAY
from .test_incremental import leftovers, snapshot


@pytest.fixture
def forks(monkeypatch):
    """Every build on two cores forks for its products (PARALLEL_FROM, FORK_FROM 1); yields
    the list of product children started."""
    monkeypatch.setattr(pipeline, "PARALLEL_FROM", 1)
    monkeypatch.setattr(render, "FORK_FROM", 1)
    started: list[Forked] = []

    def fork(work):
        task = Forked(work)
        started.append(task)
        return task

    monkeypatch.setattr(render, "Forked", fork)
    return started


def made_here(monkeypatch) -> list[str]:
    """Record the index pages and maps made in this process."""
    made: list[str] = []
    page, gmap = render.index_page, render.gemeente_map
    monkeypatch.setattr(render, "index_page", lambda *a: made.append(a[0]) or page(*a))
    monkeypatch.setattr(render, "gemeente_map", lambda *a: made.append("kaart") or gmap(*a))
    return made


def test_products_made_in_a_child_are_those_of_one_process(tmp_path, forks, monkeypatch):
    offers = tmp_path / "offers"
    shutil.copytree(GOLDEN, offers)
    serial = tmp_path / "serial"
    build_site(offers, serial, ROOT / "mkdocs.yml", today=TODAY, cache_dir=tmp_path / "c1",
               jobs=1)
    assert forks == []  # (one core: no child)
    site = tmp_path / "site"
    here = made_here(monkeypatch)
    report = build_site(offers, site, ROOT / "mkdocs.yml", today=TODAY,
                        cache_dir=tmp_path / "c2", jobs=2)
    assert len(forks) == 1 and here == []  # every index page and map made in the child
    one, two = snapshot(serial), snapshot(site)
    assert {rel: data for rel, (_m, data) in one.items()} == \
        {rel: data for rel, (_m, data) in two.items()}
    assert report["written"] == len(two)
    assert any(rel.endswith("/kaart.html") for rel in two)
    # the parent stored them: the next build makes none again and writes nothing
    again = build_site(offers, site, ROOT / "mkdocs.yml", today=TODAY,
                       cache_dir=tmp_path / "c2", jobs=2)
    assert len(forks) == 1 and here == [] and again["written"] == 0
    assert snapshot(site) == two


def test_the_child_leaves_unchanged_files_alone(tmp_path, forks):
    """A new build key (another day) makes every product again, in the child; the index pages
    and maps whose bytes did not change are not written again."""
    offers, site, cache = tmp_path / "offers", tmp_path / "site", tmp_path / "cache"
    shutil.copytree(GOLDEN, offers)
    build_site(offers, site, ROOT / "mkdocs.yml", today=TODAY, cache_dir=cache, jobs=1)
    before = snapshot(site)
    report = build_site(offers, site, ROOT / "mkdocs.yml", today=TODAY + dt.timedelta(days=1),
                        cache_dir=cache, jobs=2)
    assert len(forks) == 1
    after = snapshot(site)
    assert report["written"] == len([rel for rel in after if after[rel] != before.get(rel)])
    products = [rel for rel in after if rel.endswith("kaart.html")
                or rel.startswith(("activiteit/", "doelgroep/")) and rel.count("/") == 2]
    assert len(products) >= 5
    assert all(after[rel] == before[rel] for rel in products)  # same bytes, same mtime


def test_a_failure_in_the_parent_stops_the_child(tmp_path, forks, monkeypatch):
    offers, site = tmp_path / "offers", tmp_path / "site"
    shutil.copytree(GOLDEN, offers)

    def broken(*args):
        raise OSError("schijf vol")

    monkeypatch.setattr(render, "write_data_files", broken)
    slow = render.index_page  # (so that the child is still at work when the parent fails)
    monkeypatch.setattr(render, "index_page", lambda *a: time.sleep(30) or slow(*a))
    with pytest.raises(OSError, match="schijf vol"):
        build_site(offers, site, ROOT / "mkdocs.yml", today=TODAY,
                   cache_dir=tmp_path / "cache", jobs=2)
    assert len(forks) == 1
    assert not forks[0]._process.is_alive()
    assert not site.exists() and leftovers(site) == []
