"""Pages are published without the templates' indentation, and the cache gives back the pages
it was given: the parts of rendering that were made cheaper per offer."""

import re

from generator.pipeline import build_site
from generator.site.pages import TEMPLATES, compact, environment

from .conftest import ROOT, TODAY
from .test_incremental import snapshot

INDENTED = re.compile(r"\n[ \t]|\n\n")


def test_templates_are_read_without_indentation_and_blank_lines():
    """The loader hands Jinja the templates compacted (the files keep their indentation)."""
    env = environment()
    for path in TEMPLATES.glob("*.html"):
        written = path.read_text("utf-8")
        read, _file, _current = env.loader.get_source(env, path.name)
        assert INDENTED.search(written), f"{path.name} has no indentation to drop"
        assert not INDENTED.search(read), path.name
        assert read.split() == written.split(), path.name  # only whitespace went


def test_offer_text_with_indentation_is_compacted_except_around_pre():
    """Indentation and blank lines an offer's own text brings in go; a <pre> keeps them."""
    assert compact("<p>Eerst\n    dan\n\n\n<p>straks</p>") == "<p>Eerst\ndan\n<p>straks</p>"
    assert compact("<p>al compact</p>\n<p>ja</p>") == "<p>al compact</p>\n<p>ja</p>"
    code = "<pre><code>a\n    b\n</code></pre>\n\n<p>x</p>"
    assert compact(code) == code


def test_offer_pages_have_no_indented_lines(site_dir):
    """Every offer page of the example site is written compact (none holds a <pre>)."""
    pages = sorted((site_dir / "aanbod").glob("*/*/index.html"))
    assert pages
    for page in pages:
        text = page.read_text("utf-8")
        assert "<pre" not in text
        assert not INDENTED.search(text), page


def test_a_site_built_from_a_warm_cache_into_a_new_folder_is_the_fresh_site(project, tmp_path):
    """Every page then comes from the cache (which keeps an offer page without its shell):
    the files are byte for byte those of the build that rendered them, as for the first
    build of `mkdocs serve`, which builds into a new temporary folder."""
    offers, site, cache, _report = project
    other = tmp_path / "elders"
    report = build_site(offers, other, ROOT / "mkdocs.yml", today=TODAY, cache_dir=cache)
    assert report["rendered"] == 0 and report["reused"] == 3
    built = {rel: data for rel, (_mtime, data) in snapshot(other).items()}
    assert built == {rel: data for rel, (_mtime, data) in snapshot(site).items()}


def test_a_rebuild_reads_the_compiled_templates_from_the_cache(project, monkeypatch):
    """The templates compiled by one build are not compiled again by the next one (Jinja's
    bytecode cache in the cache folder, keyed by each template's text)."""
    from jinja2 import Environment

    offers, site, cache, _report = project
    assert sorted((cache / "templates").glob("__jinja2_*.cache"))
    compiled = []
    real = Environment.compile
    monkeypatch.setattr(Environment, "compile",
                        lambda self, source, *args, **kwargs:
                        compiled.append(args[0] if args else kwargs.get("name"))
                        or real(self, source, *args, **kwargs))
    path = offers / "rotterdam" / "stoelyoga-test.yaml"
    path.write_text(path.read_text("utf-8").replace("Stoelyoga in de test", "Stoelyoga nu"),
                    encoding="utf-8")
    report = build_site(offers, site, ROOT / "mkdocs.yml", today=TODAY, cache_dir=cache)
    assert report["rendered"] == 1
    assert "Stoelyoga nu" in (site / "aanbod" / "rotterdam" / "stoelyoga-test" /
                              "index.html").read_text("utf-8")
    assert "offer.html" not in compiled and "list.html" not in compiled


def test_lists_on_an_offer_page_are_joined_with_commas(site_dir):
    """The conditions to check with a doctor first, and the languages, as one line each
    (joined before the template)."""
    page = (site_dir / "aanbod" / "rotterdam" / "fitness-diabetes-delfshaven" /
            "index.html").read_text("utf-8")
    assert "bij: diabetes, hart- en vaatziekten." in page
    assert re.search(r"De begeleiding spreekt: [^<.]+\.", page)
