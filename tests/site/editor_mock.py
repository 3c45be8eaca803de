"""Screenshots of the web editor's steps for "Voor aanbieders", from a local mock (no internet).

The mock is a simplified drawing of the GitHub web editor: the file view, the editor, the
"propose changes" form and the automatic check. The check shows the real message of
`beweegkaart validate` for a real mistake, so the picture cannot drift from the validator.
`python -m tests.site.editor_mock` writes content/img/aanbieders/stap-*.png.
"""

import html
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.browser import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "content" / "img" / "aanbieders"
EXAMPLE = "offers/rotterdam/walking-football-charlois.yaml"
MISTAKE = ("  bedrag: 15.00", "  bedrag: vijftien euro")

STYLE = """
body { font: 15px/1.5 -apple-system, BlinkMacSystemFont, Helvetica, Arial, sans-serif; margin: 0;
       color: #1f2328; background: #fff; }
.bar { background: #24292f; color: #fff; padding: 10px 16px; font-weight: 600; }
.path { padding: 12px 16px; border-bottom: 1px solid #d0d7de; font-size: 16px; }
.path b { color: #0969da; }
.box { margin: 16px; border: 1px solid #d0d7de; border-radius: 6px; overflow: hidden; }
.head { display: flex; justify-content: space-between; align-items: center; background: #f6f8fa;
        padding: 8px 12px; border-bottom: 1px solid #d0d7de; }
pre { margin: 0; padding: 8px 12px; font: 13px/1.5 SFMono-Regular, Consolas, Menlo, monospace; }
.btn { border: 1px solid #d0d7de; border-radius: 6px; padding: 4px 12px; background: #f6f8fa; }
.green { background: #1f883d; color: #fff; border-color: #1f883d; font-weight: 600; }
.mark { outline: 4px solid #d1242f; outline-offset: 3px; border-radius: 6px; }
.changed { background: #fff8c5; display: inline-block; width: 100%; }
.error { background: #ffebe9; border-left: 4px solid #d1242f; padding: 8px 12px; display: block; }
label { display: block; font-weight: 600; margin: 12px 0 4px; }
input, textarea { width: 100%; box-sizing: border-box; font: inherit; padding: 6px 8px;
                  border: 1px solid #d0d7de; border-radius: 6px; }
.note { margin: 12px 16px; padding: 8px 12px; background: #ddf4ff; border-radius: 6px; }
.ok { color: #1a7f37; font-weight: 600; } .bad { color: #d1242f; font-weight: 600; }
"""


def lines(text: str, start: int, stop: int, mark: int | None = None, css: str = "changed") -> str:
    """Numbered lines start..stop of a text as HTML, one of them highlighted."""
    out = []
    for number, line in enumerate(text.splitlines()[start - 1:stop], start):
        row = f"{number:>3}  {html.escape(line)}"
        out.append(f'<span class="{css}">{row}</span>' if number == mark else row)
    return "\n".join(out)


def validator_message(broken: str) -> tuple[int, str]:
    """(line, message) that `beweegkaart validate` gives for the broken example."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "rotterdam" / Path(EXAMPLE).name
        path.parent.mkdir()
        path.write_text(broken, encoding="utf-8")
        result = subprocess.run([sys.executable, "-m", "generator", "validate", folder],
                                capture_output=True, text=True, cwd=ROOT, check=False)
    first = result.stdout.splitlines()[0]
    _path, line, _col, message = first.split(":", 3)
    return int(line), message.strip()


def pages() -> dict[str, str]:
    """The four steps as HTML pages: file view, editor, propose changes, the check."""
    text = (ROOT / EXAMPLE).read_text("utf-8")
    broken = text.replace(*MISTAKE)
    line, message = validator_message(broken)
    at = next(n for n, row in enumerate(text.splitlines(), 1) if row == MISTAKE[0])
    top = f'<div class="bar">GitHub · beweegkaart</div><div class="path">beweegkaart / offers / ' \
          f'rotterdam / <b>{Path(EXAMPLE).name}</b></div>'
    return {
        "stap-1-bestand.png": f"""{top}<div class="box"><div class="head">
            <span>{len(text.splitlines())} regels</span>
            <span class="btn mark" title="Edit this file">&#9998; Edit this file</span></div>
            <pre>{lines(text, 1, 18)}</pre></div>""",
        "stap-2-aanpassen.png": f"""{top}<div class="box"><div class="head">
            <span><b>Edit</b> · Preview</span>
            <span class="btn green mark">Commit changes...</span></div>
            <pre>{lines(text, at - 8, at + 4, at)}</pre></div>""",
        "stap-3-voorstellen.png": f"""{top}<div class="box" style="padding:12px 16px">
            <b>Propose changes</b><label>Commit message</label>
            <input value="Nieuwe prijs walking football">
            <label>Extended description</label>
            <textarea rows="2">Vanaf januari 15 euro per maand.</textarea>
            <p><span class="btn green mark">Propose changes</span></p></div>""",
        "stap-4-controle.png": f"""{top}<div class="box"><div class="head"><span>Checks</span>
            <span class="bad">&#10007; 1 fout</span></div>
            <pre>{lines(broken, line - 2, line + 1)}</pre>
            <span class="error mark"><b>Regel {line}:</b> {html.escape(message)}</span></div>
            <div class="note">Na het verbeteren: <span class="ok">&#10003; Alles in orde</span>.
            De beheerder kijkt je voorstel na en zet het op de kaart.</div>""",
    }


def take_editor_screenshots(browser, out_dir: Path = OUT) -> list[Path]:
    """Render the mock pages in Chromium and save one PNG per step."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    context = browser.new_context(viewport={"width": 760, "height": 420}, locale="nl-NL")
    page = context.new_page()
    for name, body in pages().items():
        page.set_content(f"<!doctype html><html lang='en'><meta charset='utf-8'>"
                         f"<style>{STYLE}</style><body>{body}</body></html>")
        target = out_dir / name
        page.screenshot(path=str(target), full_page=True)
        written.append(target)
    context.close()
    return written


def main() -> None:
    """Write the screenshots into content/img/aanbieders/."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for path in take_editor_screenshots(browser):
            print(path.relative_to(ROOT))
        browser.close()


if __name__ == "__main__":
    main()
