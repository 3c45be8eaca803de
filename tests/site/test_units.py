"""Small parts of the site pipeline: safe Markdown, the shell, cost and time encoding, sitemap."""

import re

import pytest

from generator.site.data import OP_AFSPRAAK_BIT, morton, time_bits
from generator.site.pages import BODY, DESCRIPTION, TITLE, Shell, json_script, markdown_renderer
from generator.site.sitemap import sitemap_files
from generator.site.texts import cost_text, monthly_cost, part_of_day

from .conftest import ROOT, TODAY


@pytest.fixture(scope="module")
def offers():
    """The example offers."""
    from generator.catalogue.load import load_catalogue

    return load_catalogue([ROOT / "offers"], today=TODAY).offers


@pytest.mark.parametrize("source, expected", [
    ("Een **vette** zin.", "<p>Een <strong>vette</strong> zin.</p>"),
    ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
    ("[klik](javascript:alert(1))", "<p>[klik](javascript:alert(1))</p>"),
    ("![foto](https://elders.example.org/x.png)",  # a link at most, never a fetched image
     '<p>!<a href="https://elders.example.org/x.png">foto</a></p>'),
])
def test_markdown_is_a_safe_subset(source, expected):
    """No raw HTML, no script links, no images from elsewhere in descriptions."""
    assert markdown_renderer().render(source).strip() == expected


def test_shell_stamps_escaped_title_and_body():
    """Placeholders are filled; title and description are escaped, the body is not."""
    shell = Shell(f"<title>{TITLE} - Site</title><meta content=\"{DESCRIPTION}\">"
                  f"<h1>{TITLE}</h1>{BODY}<footer>")
    page = shell.stamp("Fit & <vrolijk>", 'Zeg "ja"', "<p>inhoud</p>")
    assert page == ("<title>Fit &amp; &lt;vrolijk&gt; - Site</title>"
                    "<meta content=\"Zeg &quot;ja&quot;\">"
                    "<h1>Fit &amp; &lt;vrolijk&gt;</h1><p>inhoud</p><footer>")


def test_json_script_cannot_close_the_script_element():
    """Embedded JSON never contains '</' (a title with </script> stays inert)."""
    assert "</" not in json_script({"titel": "</script><script>alert(1)</script>"})


@pytest.mark.parametrize("start, part", [("07:00", 0), ("11:59", 0), ("12:00", 1), ("17:59", 1),
                                         ("18:00", 2), ("21:30", 2)])
def test_part_of_day(start, part):
    """Ochtend before 12, middag before 18, avond after."""
    assert part_of_day(start) == part


def test_cost_per_month_and_time_bits(offers):
    """Monthly cost follows the period; every slot sets its day/part bit."""
    for offer in offers:
        data = offer.data
        monthly = monthly_cost(data)
        if data.kosten.gratis:
            assert monthly == 0 and cost_text(data) == "Gratis"
        elif data.kosten.per == "jaar":
            assert monthly == pytest.approx(data.kosten.bedrag / 12)
        elif data.kosten.per == "maand":
            assert monthly == data.kosten.bedrag
        bits = time_bits(offer)
        for slot in data.rooster:
            day = ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag",
                   "zondag"].index(slot.dag)
            assert bits & (1 << (day * 3 + part_of_day(slot.van)))
        assert bool(bits & OP_AFSPRAAK_BIT) == bool(data.op_afspraak)


def test_morton_keeps_neighbours_together():
    """Two points 100 m apart get closer keys than two points 100 km apart (usually)."""
    here = morton(51.90, 4.49)
    assert abs(morton(51.9009, 4.4905) - here) < abs(morton(52.80, 5.90) - here)


def test_big_sitemap_becomes_an_index():
    """Over 45,000 URLs: a sitemap index with parts, each within the protocol's limit."""
    urls = [f"aanbod/g/o-{i}/" for i in range(100_000)]
    files = sitemap_files("https://x.example.org/", urls)
    names = ["sitemap.xml", "sitemap-1.xml", "sitemap-2.xml", "sitemap-3.xml"]
    assert list(files) == names
    index = files["sitemap.xml"]
    assert index.count("<sitemap>") == 3
    listed = sum(len(re.findall("<url>", text)) for text in list(files.values())[1:])
    assert listed == 100_000
