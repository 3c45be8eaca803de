"""Problems as GitHub Actions workflow commands, so errors show up on the file and line.

Format: `::error file=PATH,line=N,col=N,title=FIELD::MESSAGE` (and `::warning ...`), see
https://docs.github.com/actions/reference/workflow-commands-for-github-actions
"""

import os
from pathlib import Path

from ..catalogue.problems import Problem, short_repr


def escape_data(text: str) -> str:
    """Escape a command's message: '%', CR and LF."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a command property value: also ':' and ','."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def relative_path(path: str, root: Path | None = None) -> str:
    """The path relative to the repository root (GitHub needs that), with forward slashes."""
    root = Path(root or os.environ.get("GITHUB_WORKSPACE") or Path.cwd())
    candidate = Path(path)
    if candidate.is_absolute():
        try:
            candidate = candidate.resolve().relative_to(root.resolve())
        except ValueError:
            pass
    return candidate.as_posix()


def annotation(problem: Problem, root: Path | None = None) -> str:
    """One `::error` or `::warning` line for a problem."""
    level = "warning" if problem.severity == "warning" else "error"
    message = problem.message
    if problem.has_value:
        message += f" (got {short_repr(problem.value)})"
    props = [f"file={escape_property(relative_path(problem.path, root))}",
             f"line={problem.line}", f"col={problem.column}"]
    if problem.field:
        props.append(f"title={escape_property(problem.field)}")
    return f"::{level} {','.join(props)}::{escape_data(message)}"


def step_summary(problems: list[Problem], files: int) -> str:
    """A short Markdown summary for the job page ($GITHUB_STEP_SUMMARY)."""
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity == "warning"]
    lines = [f"### Aanbod gecontroleerd: {files} bestand(en)", "",
             f"{len(errors)} fout(en), {len(warnings)} waarschuwing(en).", ""]
    if problems:
        lines += ["| Bestand | Regel | Veld | Melding |", "|---|---|---|---|"]
        for p in problems:
            kind = "waarschuwing: " if p.severity == "warning" else ""
            text = (kind + p.message).replace("|", "\\|")
            lines.append(f"| `{relative_path(p.path)}` | {p.line} | {p.field} | {text} |")
    return "\n".join(lines) + "\n"
