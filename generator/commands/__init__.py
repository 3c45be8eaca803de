"""Sub-commands of `beweegkaart`: one module each, with `HELP`, `add_arguments` and `run`."""

from . import export, importer, synth, validate

# Order here is the order in `beweegkaart --help`.
MODULES = {
    "validate": validate,
    "synth": synth,
    "import": importer,
    "export": export,
}
