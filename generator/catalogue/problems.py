"""`Problem`: one thing wrong in one offer file, and how it is printed."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a warning) in one file, at a line and column."""

    path: str
    line: int
    column: int
    field: str
    message: str
    value: object = None
    has_value: bool = False
    severity: str = "error"

    def format(self) -> str:
        """The `path:line:column: field: message (got VALUE)` line the validator prints."""
        field = f" {self.field}:" if self.field else ""
        prefix = "waarschuwing: " if self.severity == "warning" else ""
        got = f" (got {short_repr(self.value)})" if self.has_value else ""
        return f"{self.path}:{self.line}:{self.column}:{field} {prefix}{self.message}{got}"


def short_repr(value: object, limit: int = 60) -> str:
    """A short printable form of a bad value."""
    text = repr(value) if isinstance(value, str) else _plain(value)
    text = text.replace("\r", "\\r").replace("\n", "\\n")  # one problem, one output line
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _plain(value: object) -> str:
    """Render YAML-ish values the way the user wrote them."""
    if value is True:
        return "ja"
    if value is False:
        return "nee"
    if value is None:
        return "leeg"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_plain(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_plain(v) for v in value) + "]"
    return str(value)
