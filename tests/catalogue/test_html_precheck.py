"""The fast whole-file check for HTML says exactly what the full pattern says."""

import random
from pathlib import Path

import pytest

from generator.catalogue.validate import HTML, may_hold_html

ROOT = Path(__file__).resolve().parents[2]
TRICKY = [
    "<b>vet</b>", "< / p>", "<!-- x", "<?php", "a<b", "1 < 2 en 3 > 2", "<3 beweging",
    "onclick=alert(1)", "a onload =x", "ONLOAD=x", "Onmouseover = 1", "bon=1", "xonclick=1",
    "on=", "_onclick=1", "9onclick=1", "éonclick=1", "é onclick=1", "(onclick=1)",
    "javascript:alert(1)", "JavaScript :x", "java script:x", "javascriptx:", "onderweg = fijn",
    "ontmoeten", "op=afspraak", "\nonfocus=\n", "titel: 'x'\nonfocus: ja",
]


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_texts(text):
    assert may_hold_html(text) == bool(HTML.search(text))


def test_every_offer_file_and_random_mixes():
    files = [*ROOT.glob("offers/**/*.yaml"), *ROOT.glob("tests/broken_offers/**/*.yaml")]
    texts = [p.read_text("utf-8", errors="replace") for p in files]
    pieces = ["on", "click", "=", " ", "<", ">", "/", "a", "é", "_", "1", "javascript", ":",
              "JAVA", "SCRIPT", "!--", "?", "\n", "Load", "-"]
    rng = random.Random(12)
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 12))) for _ in range(20000)]
    assert len(files) > 10
    wrong = [t for t in texts if may_hold_html(t) != bool(HTML.search(t))]
    assert wrong == []
