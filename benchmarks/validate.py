"""Validation speed: `load_catalogue` on all cores and on one, against a plain-parse baseline."""

from pathlib import Path

import yaml

from generator.catalogue.load import find_offer_files, load_catalogue

from .common import TODAY, size_label, synthetic, table, timed, warm


def parse_only(folder: Path) -> int:
    """Baseline: PyYAML's pure-Python safe_load of every file, with no checks at all."""
    count = 0
    for path, _root in find_offer_files([folder]):
        yaml.load(path.read_text("utf-8"), Loader=yaml.SafeLoader)  # noqa: S506
        count += 1
    return count


def main(workdir: Path, sizes: list[int]) -> str:
    """Markdown table: seconds per catalogue size, per offer, and ratios."""
    rows = []
    for count in sizes:
        folder = synthetic(workdir, count)
        warm(folder)
        seconds, catalogue = timed(load_catalogue, [folder], today=TODAY, keep_offers=False)
        assert not catalogue.errors, catalogue.errors[:3]
        one_core, _ = timed(load_catalogue, [folder], today=TODAY, jobs=1, keep_offers=False)
        baseline, _ = timed(parse_only, folder)
        rows.append(
            [
                size_label(count),
                f"{seconds:.2f}",
                f"{seconds / count * 1e3:.2f}",
                f"{one_core:.2f}",
                f"{baseline:.2f}",
                f"{baseline / seconds:.1f}x",
            ]
        )
    return table(
        [
            "offers",
            "validate s (all cores)",
            "ms/offer",
            "validate s (1 core)",
            "baseline: pure-Python YAML parse only, s",
            "validate vs baseline",
        ],
        rows,
    )
