"""`python -m generator`: the `beweegkaart` command."""

from .commands.cli import console_main

console_main()
