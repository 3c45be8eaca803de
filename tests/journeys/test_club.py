"""Journey 3: a club edits its offer file, rebuilds and sees the change; a broken file stops the
build with the file and line, and the site that is served stays as it was."""

import hashlib
import re
import subprocess
from pathlib import Path

from .conftest import ARTIFACTS, BEWEEGKAART, ROOT, copy_offers, running_demo


def build(workdir: Path) -> subprocess.CompletedProcess:
    """`beweegkaart build` as a club (or CI) runs it, on the copy in `workdir`."""
    return subprocess.run(  # noqa: S603
        [str(BEWEEGKAART), "build", "--offers", "offers", "--site-dir", "site",
         "--config", str(ROOT / "mkdocs.yml")],
        cwd=workdir, capture_output=True, text=True, timeout=120, check=False)


def fingerprint(site: Path) -> dict[str, str]:
    """The content hash of every file of a built site."""
    return {str(p.relative_to(site)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(site.rglob("*")) if p.is_file()}


def test_club_changes_its_offer_and_breaks_it(tmp_path, journey_factory):
    """Edit the title, rebuild, see it served; add a bad key, the build stops at that line."""
    offers = copy_offers(tmp_path / "offers")
    first = build(tmp_path)
    assert first.returncode == 0, first.stderr + first.stdout
    path = sorted((offers / "rotterdam").glob("*.yaml"))[0]
    offer_id = f"rotterdam/{path.stem}"
    text = path.read_text(encoding="utf-8")
    old_title = re.search(r"^titel: (.+)$", text, re.M).group(1)
    new_title = f"{old_title} (nieuwe tijden)"

    with running_demo(tmp_path, offers, tmp_path / "site") as demo:
        j = journey_factory("club", demo.base, viewport={"width": 1280, "height": 900})
        page = j.page
        page.goto(f"{demo.base}aanbod/{offer_id}/")
        assert page.get_by_role("heading", level=1).inner_text() == old_title
        j.step("offer-before")

        path.write_text(text.replace(f"titel: {old_title}", f"titel: {new_title}", 1),
                        encoding="utf-8")
        rebuilt = build(tmp_path)
        assert rebuilt.returncode == 0, rebuilt.stderr + rebuilt.stdout
        assert "Klaar in" in rebuilt.stderr

        page.reload()
        assert page.get_by_role("heading", level=1).inner_text() == new_title
        j.step("offer-changed")
        page.goto(f"{demo.base}aanbod/rotterdam/")
        assert page.get_by_role("link", name=new_title).count() == 1
        j.step("gemeente-changed")

        served = fingerprint(demo.site_dir)
        broken = path.read_text(encoding="utf-8").rstrip("\n") + "\nprijs: 5 euro per keer\n"
        path.write_text(broken, encoding="utf-8")
        line = broken.count("\n")
        failed = build(tmp_path)
        output = failed.stdout + failed.stderr
        (ARTIFACTS / "club" / "build-failed.txt").write_text(output, encoding="utf-8")
        assert failed.returncode == 1, output
        assert re.search(rf"offers/{re.escape(offer_id)}\.yaml:{line}:\d+: prijs: ", output), output
        assert "Bouwen gestopt" in output
        assert fingerprint(demo.site_dir) == served, "a failed build changed the served site"

        page.goto(f"{demo.base}aanbod/{offer_id}/")
        assert page.get_by_role("heading", level=1).inner_text() == new_title
        j.step("offer-after-failed-build")

    assert j.errors == [], f"JavaScript errors: {j.errors}"
    j.check_origins()
    j.check_accessible()
