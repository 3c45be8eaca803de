"""Sub-commands of `beweegkaart`: one module each, with `HELP`, `add_arguments` and `run`."""

from . import annotate, build, demo, docs, export, importer, new, report, synth, validate

# Order here is the order in `beweegkaart --help`.
MODULES = {
    "validate": validate,
    "synth": synth,
    "import": importer,
    "export": export,
    "build": build,
    "demo": demo,
    "new": new,
    "report": report,
    "annotate": annotate,
    "docs": docs,
}
