"""`build_site`: validate the offers, then build the site with MkDocs and the adapter."""

import datetime as dt
import time
from pathlib import Path

from mkdocs.commands.build import build
from mkdocs.config import load_config

from .catalogue.load import load_catalogue
from .catalogue.problems import Problem
from .site.adapter import STATE_KEY, BuildState, read_settings


class BuildError(Exception):
    """The offers did not validate; `problems` holds the validator's errors."""

    def __init__(self, problems: list[Problem]):
        """Keep the problems for printing."""
        super().__init__(f"{len(problems)} fout(en) in de aanbod-bestanden")
        self.problems = problems


def build_site(offers_dir: Path, site_dir: Path, config_file: Path = Path("mkdocs.yml"),
               today: dt.date | None = None, progress=None, catalogue=None) -> dict:
    """Validate `offers_dir` and build the site into `site_dir`; return a build report."""
    started = time.perf_counter()
    today = today or dt.date.today()
    if catalogue is None:
        catalogue = load_catalogue([Path(offers_dir)], today=today)
    if catalogue.errors:
        raise BuildError(catalogue.errors)
    validated = time.perf_counter()
    config = load_config(str(config_file), site_dir=str(Path(site_dir).resolve()))
    settings, _ = read_settings(config)
    state = BuildState(catalogue, settings, Path(offers_dir), today, progress)
    config[STATE_KEY] = state
    if progress:
        progress(f"{len(catalogue.offers)} aanbod gecontroleerd; site bouwen met MkDocs...")
    build(config)
    report = {**state.report, "validate_s": validated - started,
              "total_s": time.perf_counter() - started, "warnings": catalogue.warnings}
    return report
