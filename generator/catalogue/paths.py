"""Dotted field paths in offer data: naming, setting, and ordering fields like the schema."""

from pydantic import BaseModel


def field_path(loc) -> str:
    """('rooster', 0, 'tot') -> 'rooster[0].tot'."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def set_path(target: dict, dotted: str, value) -> None:
    """Set target['a']['b'] = value for the dotted name 'a.b'."""
    *parents, last = dotted.split(".")
    for part in parents:
        target = target.setdefault(part, {})
    target[last] = value


def submodel(annotation) -> type[BaseModel] | None:
    """Find the model class inside an annotation such as `Kosten | None` or `list[Foto]`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = submodel(arg)
        if found:
            return found
    return None


def in_schema_order(data, model: type[BaseModel] | None):
    """The same data with keys in the order `model` declares them, recursively.

    Keys the model does not know are kept at the end, so the validator can report them.
    """
    if isinstance(data, list):
        return [in_schema_order(item, model) for item in data]
    if not isinstance(data, dict) or model is None:
        return data
    fields = model.model_fields
    keys = [k for k in fields if k in data] + [k for k in data if k not in fields]
    return {
        k: in_schema_order(data[k], submodel(fields[k].annotation)) if k in fields else data[k]
        for k in keys
    }
