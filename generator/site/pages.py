"""Page bodies for offers and for the no-JavaScript index pages, rendered with Jinja2.

The page chrome (header, footer, theme) comes from a shell page that MkDocs renders once;
`stamp` puts a body into it. This keeps the cost per offer page to one template render.
"""

import html
import re
from functools import cached_property
from pathlib import Path
from urllib.parse import quote

from jinja2 import (
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    Template,
    select_autoescape,
)
from markdown_it import MarkdownIt
from markupsafe import Markup
from PIL import Image

from ..catalogue.completeness import completeness
from ..catalogue.offer import Offer
from ..catalogue.reference import Reference
from ..catalogue.vocab import DAGEN, slugify
from ..jsontext import compact_json
from .data import sheet_record
from .settings import Settings
from .texts import Summary, age_text, for_whom_text, monthly_cost, summary

TEMPLATES = Path(__file__).parent / "templates"
TITLE = "@@BEWEEGKAART_TITEL@@"
DESCRIPTION = "@@BEWEEGKAART_OMSCHRIJVING@@"
BODY = '<div data-beweegkaart-inhoud=""></div>'
SCRIPT_END = "</"  # escaped inside JSON embedded in <script>


def markdown_renderer() -> MarkdownIt:
    """Safe Markdown: CommonMark without raw HTML, no images (photos have their own field)."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable(["image", "html_block", "html_inline"])
    return md


# Prose in which Markdown finds nothing to do: letters, digits and . , ; : ' ? ( ) € % / -,
# no line that starts with a space, "-" or a list number, none that ends with a space.
# markdown-it makes one <p> of each block of lines and escapes nothing in it; most
# descriptions are such prose (tests/site/test_markdown_fast.py compares the two).
NOT_PLAIN = re.compile(r"[^A-Za-z0-9\u00c0-\u00ff .,;:'?()\u20ac%/\n-]"
                       r"|(?:^|\n)(?:[ -]|\d+[.)])|  |(?:^|\n)$| (?:\n|$)")
BLANK_LINES = re.compile(r"\n\n+")


def plain_paragraphs(text: str) -> str | None:
    """The HTML markdown-it makes of plain prose (see NOT_PLAIN), or None for other text."""
    text = text.strip("\n")
    if NOT_PLAIN.search(text):
        return None
    return "".join(f"<p>{block}</p>\n" for block in BLANK_LINES.split(text))


class CompactLoader(FileSystemLoader):
    """Templates read without the indentation of their lines and without blank lines: that
    whitespace is for whoever reads the template, and the pages are published without it (so
    the build does not strip it from every page it renders)."""

    def get_source(self, environment: Environment, template: str):
        """The template's text, compacted; where it came from; whether it is still current."""
        text, filename, uptodate = super().get_source(environment, template)
        return INDENT.sub("\n", text), filename, uptodate


INDENT = re.compile(r"\n[ \t]*(?:\n[ \t]*)*")  # a line break, with the blank lines and
# the indentation after it


def compact(body: str) -> str:
    """A page body without indentation and blank lines (kept as is around <pre> blocks).
    The templates are compact already: only an offer's own text can bring them in."""
    if "\n " not in body and "\n\n" not in body and "\n\t" not in body:
        return body
    return body if "<pre" in body else INDENT.sub("\n", body)


def environment(compiled_dir: Path | None = None) -> Environment:
    """The Jinja2 environment for page bodies (autoescaped). `compiled_dir`: where compiled
    templates are kept between builds (Jinja's bytecode cache, keyed by each template's text:
    compiling the offer template takes ~40 ms, a tenth of a rebuild after one edit)."""
    cache = None
    if compiled_dir is not None:
        compiled_dir.mkdir(parents=True, exist_ok=True)
        cache = FileSystemBytecodeCache(str(compiled_dir))
    env = Environment(loader=CompactLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True, bytecode_cache=cache)
    md = markdown_renderer()
    # markdown-it with HTML disabled escapes everything it does not render itself
    # (without its last line break: the template has its own)
    env.filters["markdown"] = lambda text: Markup(  # noqa: S704
        (plain_paragraphs(text) or md.render(text)).rstrip("\n"))
    env.filters["slug"] = slugify
    env.filters["fact"] = fact_text
    env.filters["date"] = date_text
    env.globals["unknown"] = UNKNOWN
    return env


UNKNOWN = "Onbekend: vraag het de aanbieder."


def fact_text(value: bool | None) -> str:
    """A yes/no fact as shown: a fact left out is unknown, never shown as "nee"."""
    return "ja" if value is True else "nee" if value is False else UNKNOWN


def date_text(value) -> str:
    """A date as shown on the site: 07-12-2026."""
    return value.strftime("%d-%m-%Y")


def json_script(value) -> Markup:
    """JSON safe to embed inside a <script> element."""
    text = compact_json(value)
    return Markup(text.replace("</", "<\\/").replace("<!--", "<\\!--"))  # noqa: S704


class Shell:
    """A page MkDocs rendered with placeholders, cut once into the pieces around them."""

    def __init__(self, text: str):
        """Split the shell at the title, description and body placeholders."""
        self.pieces: list[str] = []
        self.slots: list[str] = []
        rest = text
        while True:
            hits = [(rest.find(m), m) for m in (TITLE, DESCRIPTION, BODY) if m in rest]
            if not hits:
                break
            pos, marker = min(hits)
            self.pieces.append(rest[:pos])
            self.slots.append(marker)
            rest = rest[pos + len(marker):]
        self.pieces.append(rest)
        if BODY not in self.slots:
            raise ValueError("shell page has no body placeholder")

    def __eq__(self, other) -> bool:
        """Shells cut from the same page are equal (a worker reuses its renderer for them)."""
        return isinstance(other, Shell) and (self.pieces, self.slots) == (other.pieces,
                                                                          other.slots)

    def __hash__(self) -> int:
        """The hash of the pieces and slots."""
        return hash((tuple(self.pieces), tuple(self.slots)))

    def stamp(self, title: str, description: str, body: str) -> str:
        """The full page with title, description and body filled in."""
        values = {TITLE: html.escape(title, quote=True),
                  DESCRIPTION: html.escape(description, quote=True), BODY: body}
        out = [self.pieces[0]]
        for slot, piece in zip(self.slots, self.pieces[1:], strict=True):
            out.append(values[slot])
            out.append(piece)
        return "".join(out)


class PageRenderer:
    """Renders offer and index page bodies with shared settings and reference data."""

    def __init__(self, settings: Settings, ref: Reference, compiled_dir: Path | None = None):
        """Keep the settings; templates are compiled on first use (or read from
        `compiled_dir`, see environment())."""
        self.settings = settings
        self.ref = ref
        self.labels = {code: act.label for code, act in ref.activities.items()}
        self.env = environment(compiled_dir)

    @cached_property
    def offer_template(self):
        """The compiled offer page template."""
        return compiled(self.env, "offer.html")

    @cached_property
    def list_template(self):
        """The compiled index page template."""
        return compiled(self.env, "list.html")

    def offer_body(self, offer: Offer, texts: Summary | None = None,
                   detail: dict | None = None) -> str:
        """The body of one offer page (`texts`, `detail`: the offer's `summary` and
        `detail_record`, when they are made already). The lists the page shows as one line
        are joined here: in the template each join costs a filter call per item."""
        data = offer.data
        s = self.settings
        texts = texts or summary(data)
        complete = completeness(data)
        return compact(self.offer_template.render(
            offer=offer, data=data, s=s,
            what=", ".join(self.labels[a] for a in data.activiteiten),
            slots=sorted(data.rooster, key=lambda t: (DAGEN.index(t.dag), t.van)),
            cost=texts.cost, monthly=monthly_cost(data),
            age=age_text(data), for_whom=for_whom_text(data),
            referrals=offer.accepts_referrals(), complete=complete,
            missing=", ".join(item.label for item in complete.missing),
            medical=", ".join(data.medische_check or ()), languages=", ".join(data.talen),
            record=json_script(sheet_record(offer, self.labels, detail)),
            edit_url=f"{s.repo_edit_url}{offer.id}.yaml" if s.repo_edit_url else "",
            mail_subject=MAIL_SUBJECT + quote(offer.id),
            sizes={p.bestand: photo_size(offer.path.parent / p.bestand) for p in data.fotos},
        ))

    def list_row(self, offer: Offer, up: str, texts: Summary | None = None) -> str:
        """One table row of an index page (computed once per offer, reused on every index)."""
        data = offer.data
        texts = texts or summary(data)
        cells = [self.labels[data.activiteiten[0]], data.locatie.plaats, texts.when,
                 texts.cost]
        return (f'<tr><td><a href="{up}aanbod/{offer.id}/">{html.escape(data.titel)}</a></td>'
                + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>\n")

    def list_body(self, intro: str, rows: list[str],
                  groups: list[tuple[str, str, int]] = ()) -> str:
        """An index page body: an intro, links to sub-indexes and a table of offer rows."""
        # intro and rows are HTML built with html.escape above
        return self.list_template.render(intro=Markup(intro), rows=Markup("".join(rows)),  # noqa: S704
                                         count=len(rows), groups=groups)


MAIL_SUBJECT = quote("Beweegkaart: ")  # the subject of a mail to the curator, before the id


def compiled(env: Environment, name: str) -> Template:
    """A compiled template whose globals are one plain dict: Jinja keeps them as a ChainMap
    over the environment's, which every render copies key by key (about a fifth of what an
    offer page's render took besides the template itself). The environment's globals are all
    set before (environment())."""
    template = env.get_template(name)
    template.globals = dict(template.globals)
    return template


def photo_size(path: Path) -> tuple[int, int]:
    """(width, height) of a photo, from its header (so the page keeps its layout as it loads)."""
    with Image.open(path) as image:
        return image.size


def offer_description(offer: Offer, texts: Summary | None = None) -> str:
    """A one-line summary for the page's meta description."""
    data = offer.data
    texts = texts or summary(data)
    return f"{data.titel} in {data.locatie.plaats}: {texts.when}. {texts.cost}."
