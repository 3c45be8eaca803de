"""The theme (MkDocs) of a fresh build is rendered in a child process while the offer files are
read; its output, and its errors, are those of a render in the build's own process."""

import os

import pytest
from mkdocs.exceptions import PluginError

from generator.forked import Done, Forked
from generator.pipeline import build_site
from generator.site import adapter
from generator.site.adapter import render_theme, start_theme

from .conftest import GOLDEN, ROOT, TODAY


def test_a_theme_not_in_the_cache_is_rendered_in_a_child_and_then_found(tmp_path):
    key, task = start_theme(ROOT / "mkdocs.yml", tmp_path, fork=True)
    assert isinstance(task, Forked)
    theme = task.result()
    assert theme.key == key
    assert theme.shells and "index.html" in theme.files
    again_key, again = start_theme(ROOT / "mkdocs.yml", tmp_path, fork=True)
    assert again_key == key and isinstance(again, Done)  # in the cache now: nothing to fork
    found = again.result()
    assert (found.files, found.shells) == (theme.files, theme.shells)
    same = render_theme(ROOT / "mkdocs.yml", tmp_path / "elsewhere")
    assert (same.key, same.files, same.shells) == (key, theme.files, theme.shells)


def test_the_theme_is_made_by_another_process(tmp_path, monkeypatch):
    real = adapter.build

    def build(config):
        (tmp_path / "pid").write_text(str(os.getpid()))
        return real(config)

    monkeypatch.setattr(adapter, "build", build)
    build_site(GOLDEN, tmp_path / "site", ROOT / "mkdocs.yml", today=TODAY,
               cache_dir=tmp_path / "cache", jobs=2)
    assert int((tmp_path / "pid").read_text()) != os.getpid()
    assert (tmp_path / "site" / "index.html").exists()


def test_a_theme_error_in_the_child_stops_the_build_with_that_error(tmp_path, monkeypatch):
    def broken(config):
        raise PluginError("thema kapot")

    monkeypatch.setattr(adapter, "build", broken)
    with pytest.raises(PluginError, match="thema kapot"):
        build_site(GOLDEN, tmp_path / "site", ROOT / "mkdocs.yml", today=TODAY,
                   cache_dir=tmp_path / "cache", jobs=2)
    assert not (tmp_path / "site").exists()
