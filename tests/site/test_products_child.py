"""A big build makes its index pages and gemeente maps in a forked child while the parent
writes the data files: the site is the site of a build in one process, the parent stores what
the child made, the child leaves files alone that are on disk as the last build wrote them,
and a failure in the parent stops the child."""

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import textwrap
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


def test_the_child_is_forked_before_node_is_started(tmp_path, forks, monkeypatch):
    """Node makes the home map's first view in a thread, through pipes; a child forked while
    that runs would hold Node's input open (see the next test)."""
    events = []
    start = render.start_first_view
    monkeypatch.setattr(render, "start_first_view",
                        lambda *a: events.append("node") or start(*a))
    fork = render.Forked
    monkeypatch.setattr(render, "Forked", lambda work: events.append("fork") or fork(work))
    offers = tmp_path / "offers"
    shutil.copytree(GOLDEN, offers)
    build_site(offers, tmp_path / "site", ROOT / "mkdocs.yml", today=TODAY,
               cache_dir=tmp_path / "cache", jobs=2)
    assert events == ["fork", "node"]


BUILD_WITH_SLOW_NODE = """
    import os, subprocess, sys, time
    from pathlib import Path
    from generator import pipeline
    from generator.site import first_view, render
    from tests.site.conftest import GOLDEN, ROOT, TODAY

    def slow_node(positions, max_zoom, assets):
        # a pipe to a process that ends when its input ends, held open for a while
        cat = subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        cat.stdin.write(b"null")
        time.sleep(2)
        cat.stdin.close()
        out = cat.stdout.read().decode()
        cat.wait()
        return out

    def big_page(*args):
        time.sleep(0.5)  # (the child is at work while the pipe is open)
        return os.urandom(100_000)  # more than a pipe holds, also compressed

    def slow_groupings(*args, real=render.groupings):
        time.sleep(1)  # (the pipe to the slow node is open by now)
        return real(*args)

    first_view.first_view = slow_node
    render.index_page = big_page
    render.groupings = slow_groupings
    pipeline.PARALLEL_FROM = 1
    render.FORK_FROM = 1
    out = Path(sys.argv[1])
    pipeline.build_site(GOLDEN, out / "site", ROOT / "mkdocs.yml", today=TODAY,
                        cache_dir=out / "cache", jobs=2)
    print("gebouwd")
"""


def test_a_build_with_node_and_a_child_ends(tmp_path):
    """The deadlock this order prevents, reproduced: with the child forked while the parent's
    thread holds a pipe to a process that waits for the pipe's end, that process never ends,
    the parent waits for it, and the child waits for the parent to read its result."""
    script = tmp_path / "build.py"
    script.write_text(textwrap.dedent(BUILD_WITH_SLOW_NODE), encoding="utf-8")
    process = subprocess.Popen([sys.executable, str(script), str(tmp_path)], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        out, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail("the build did not end: a forked child holds a pipe the parent waits on")
    assert process.returncode == 0, err
    assert out.strip() == "gebouwd"


def test_the_cache_file_is_written_out_after_the_last_fork(tmp_path, forks, monkeypatch):
    """A big build starts writing the cache file out to the disk in a thread (so that the
    commit at the end waits less), after its last fork (no thread is copied into a child),
    and waits for it before the commit."""
    from generator import cache as cache_module

    events = []
    fork = render.Forked
    monkeypatch.setattr(render, "Forked", lambda work: events.append("fork") or fork(work))
    synced = []
    real = cache_module._fsync
    monkeypatch.setattr(cache_module, "_fsync",
                        lambda path: time.sleep(0.5) or synced.append(path) or real(path))
    start = cache_module.BuildCache.write_out_soon
    monkeypatch.setattr(cache_module.BuildCache, "write_out_soon",
                        lambda self: events.append("thread") or start(self))
    offers = tmp_path / "offers"
    shutil.copytree(GOLDEN, offers)
    build_site(offers, tmp_path / "site", ROOT / "mkdocs.yml", today=TODAY,
               cache_dir=tmp_path / "cache", jobs=2)
    assert events == ["fork", "thread"]
    assert synced == [str(tmp_path / "cache" / "cache.sqlite")]  # (joined before the end)


def test_only_the_products_not_in_the_cache_go_to_the_child(project, forks, monkeypatch):
    """A change to one offer on more cores: the index pages and map that list it are made
    again (in the child), the others are written from the cache."""
    offers, site, cache, _report = project
    given = []
    fork = render.Forked
    monkeypatch.setattr(render, "Forked", lambda work: given.append(work.args[0]) or fork(work))
    path = offers / "maastricht" / "zwemmen-test.yaml"
    path.write_text(path.read_text("utf-8").replace("titel: ", "titel: Nieuw ", 1), "utf-8")
    build_site(offers, site, ROOT / "mkdocs.yml", today=TODAY, cache_dir=cache, jobs=2)
    assert len(given) == 1
    made = sorted(rel for rel, _key, _make in given[0])
    listing = sorted(p.relative_to(site).as_posix() for p in site.glob("*/*/index.html")
                     if b"/maastricht/zwemmen-test/" in p.read_bytes())
    assert made == sorted([*listing, "aanbod/maastricht/kaart.html"])
    assert all("Nieuw" in (site / rel).read_text("utf-8") for rel in listing)
