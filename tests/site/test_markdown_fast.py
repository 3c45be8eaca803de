"""The plain-prose fast path of offer descriptions gives exactly what markdown-it gives."""

from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from generator.site.pages import environment, markdown_renderer, plain_paragraphs

MD = markdown_renderer()
ROOT = Path(__file__).resolve().parents[2]
# Prose characters, the ASCII punctuation Markdown reads, and the white space around lines.
ALPHABET = "ab Zé1 9.,;:'?()€%/-\n\n  *_`[]<>&#!|~=+\\\"$\t\r"


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=40))
def test_fast_path_equals_markdown_it(text):
    """Whatever the fast path accepts, it renders as markdown-it does."""
    fast = plain_paragraphs(text)
    if fast is not None:
        assert fast == MD.render(text)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["Wandelen", "om 10.00 uur", "(gratis)", "€ 5,-", "in",
                                 "Sint-Jan", "ook 55+", "1.", "-", "*", "", "\n", "\n\n"]),
                max_size=12).map(" ".join))
def test_fast_path_on_word_soup(text):
    """Sentences of Dutch words, numbers and list-like marks: the same HTML either way."""
    fast = plain_paragraphs(text)
    if fast is not None:
        assert fast == MD.render(text)


def test_prose_takes_the_fast_path_and_markup_does_not():
    """Plain descriptions skip the Markdown parser; lists, emphasis and links do not."""
    prose = "Zwemmen in een rustig, warm bad.\nOm 10.00 uur; kosten € 5 (per keer).\n\nWelkom!"
    assert plain_paragraphs(prose.replace("!", ".")) == MD.render(prose.replace("!", "."))
    assert plain_paragraphs(prose.replace("!", ".")).count("<p>") == 2
    for spaced in ("Een.\n\n\nTwee.", "Een.\n\n\n\nTwee.\n\n", "\nEen.\nTwee.\n"):
        assert plain_paragraphs(spaced) == MD.render(spaced), spaced
    for markup in ("- een\n- twee", "1. een", "Heel *fijn*", "[site](https://x.nl)",
                   "a  \nb", "    code", "Titel\n===", "a & b", "x<y"):
        assert plain_paragraphs(markup) is None, markup


def test_example_offers_render_as_before():
    """Every example offer's description: the fast path, where taken, equals markdown-it."""
    taken = 0
    for path in sorted((ROOT / "offers").glob("*/*.yaml")):
        text = yaml.safe_load(path.read_text("utf-8"))["beschrijving"]
        fast = plain_paragraphs(text)
        if fast is not None:
            taken += 1
            assert fast == MD.render(text), path
    assert taken >= 10


def test_offer_pages_use_the_fast_path(monkeypatch):
    """The template's markdown filter skips the parser for prose, and uses it for markup
    (without the last line break: the template has its own)."""
    markdown = environment().filters["markdown"]
    calls = []
    real = MarkdownIt.render
    monkeypatch.setattr(MarkdownIt, "render", lambda self, text: calls.append(text) or
                        real(self, text))
    assert markdown("Wandelen in het park.\n\nWelkom.") == \
        "<p>Wandelen in het park.</p>\n<p>Welkom.</p>"
    assert calls == []
    assert markdown("- een\n- twee") == "<ul>\n<li>een</li>\n<li>twee</li>\n</ul>"
    assert calls == ["- een\n- twee"]
