"""After MkDocs: stamp offer and index pages into shells; write data, photos, open data, sitemap.

Big catalogues are split into tasks run by worker processes. The workers are forked, so they
inherit the offers instead of receiving them pickled (pickling costs more than rendering).
"""

import multiprocessing
import os
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from html import escape
from pathlib import Path

from ..catalogue.load import Offer
from ..catalogue.reference import Reference
from ..opendata.export import export_catalogue
from .data import write_data
from .overview import by_activity, by_doelgroep, by_gemeente
from .pages import PageRenderer, Settings, Shell, offer_description
from .sitemap import write_sitemap

CHUNK = 2500  # offers per worker task
PARALLEL_FROM = 1000  # use worker processes from this many offers on
OPEN_DATA_DIR = "open-data"
VALIDATE_OPEN_DATA_UP_TO = 500  # Frictionless validation is slow; `beweegkaart export` validates


@dataclass
class Job:
    """Everything the post-build tasks read."""

    offers: list[Offer]
    ref: Reference
    settings: Settings
    shells: dict[int, str]
    site_dir: Path


_JOB: Job | None = None  # set only while a forked pool runs (inherited by the workers)


def write_offer_pages(job: Job, offers: list[Offer]) -> int:
    """Write the page (and photos) of each offer; return the number written."""
    renderer = PageRenderer(job.settings, job.ref)
    shell = Shell(job.shells[3])
    made: set[Path] = set()
    for offer in offers:
        parent = job.site_dir / "aanbod" / offer.gemeente_slug
        if parent not in made:
            parent.mkdir(parents=True, exist_ok=True)
            made.add(parent)
        folder = parent / offer.slug
        folder.mkdir(exist_ok=True)
        page = shell.stamp(offer.data.titel, offer_description(offer), renderer.offer_body(offer))
        with open(folder / "index.html", "wb") as f:
            f.write(page.encode("utf-8"))
        for photo in offer.data.fotos:
            shutil.copyfile(offer.path.parent / photo.bestand, folder / photo.bestand)
    return len(offers)


def write_index_pages(job: Job) -> list[str]:
    """Index pages per gemeente, activity and target group; return their URLs."""
    renderer = PageRenderer(job.settings, job.ref)
    shell = Shell(job.shells[2])
    urls = []
    kinds = [
        ("aanbod", by_gemeente(job.offers), "Aanbod in gemeente {}",
         "Alle activiteiten in gemeente {} op de beweegkaart."),
        ("activiteit", by_activity(job.offers, job.ref), "{}",
         "Alle plekken waar je kunt doen aan: {}."),
        ("doelgroep", by_doelgroep(job.offers), "Aanbod bij {}",
         "Activiteiten die extra geschikt zijn bij: {}."),
    ]
    rows = {o.id: renderer.list_row(o, "../../")
            for o in sorted(job.offers, key=lambda o: (o.data.titel.lower(), o.id))}
    order = {oid: position for position, oid in enumerate(rows)}
    for prefix, groups, title, intro in kinds:
        for key, (label, found) in groups.items():
            folder = job.site_dir / prefix / key
            folder.mkdir(parents=True, exist_ok=True)
            text = intro.format(label)
            found = sorted(found, key=lambda o: order[o.id])
            body = renderer.list_body(f"<p>{escape(text)}</p>", [rows[o.id] for o in found])
            page = shell.stamp(title.format(label), text, body)
            (folder / "index.html").write_text(page, encoding="utf-8")
            urls.append(f"{prefix}/{key}/")
    return urls


def write_open_data(job: Job) -> None:
    """The open-data downloads (the lead's exporter) into site/open-data/."""
    export_catalogue(job.offers, job.site_dir / OPEN_DATA_DIR, job.settings.site_url,
                     validate=len(job.offers) <= VALIDATE_OPEN_DATA_UP_TO)


def run_task(job: Job, task: tuple) -> tuple[str, object, float]:
    """Run one named task; return (name, result, seconds)."""
    started = time.perf_counter()
    kind = task[0]
    if kind == "offers":
        result = write_offer_pages(job, job.offers[task[1]:task[2]])
    elif kind == "index":
        result = write_index_pages(job)
    elif kind == "data":
        result = write_data(job.offers, job.ref, job.site_dir / "data")
    else:
        write_open_data(job)
        result = None
    return kind, result, time.perf_counter() - started


def _forked_task(task: tuple):
    """Worker entry point: run a task on the inherited job."""
    return run_task(_JOB, task)


def run_tasks(job: Job, progress=None) -> dict:
    """Run every post-build task (in forked workers for big catalogues); collect results."""
    global _JOB
    n = len(job.offers)
    tasks = [("open-data",), ("index",), ("data",)]
    tasks += [("offers", i, min(i + CHUNK, n)) for i in range(0, n, CHUNK)]
    results: dict = {"offers": 0, "seconds": {}}
    jobs = os.cpu_count() or 1
    if n >= PARALLEL_FROM and jobs > 1:
        _JOB = job
        try:
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
                done = pool.map(_forked_task, tasks)
                for kind, result, seconds in done:
                    _collect(results, kind, result, seconds, n, progress)
        finally:
            _JOB = None
    else:
        for task in tasks:
            _collect(results, *run_task(job, task), n, progress)
    return results


def _collect(results: dict, kind: str, result, seconds: float, total: int, progress) -> None:
    """Add one task's result to the results."""
    results["seconds"][kind] = results["seconds"].get(kind, 0.0) + seconds
    if kind == "offers":
        results["offers"] += result
        if progress and total >= PARALLEL_FROM:
            progress(f"aanbodpagina's: {results['offers']}/{total}")
    else:
        results[kind] = result


def finish_site(offers: list[Offer], ref: Reference, settings: Settings, shells: dict[int, str],
                site_dir: Path, pages: list[str], progress=None) -> dict:
    """Everything after MkDocs; returns timings and sizes for the build report."""
    started = time.perf_counter()
    job = Job(offers, ref, settings, shells, site_dir)
    results = run_tasks(job, progress)
    urls = [*pages, *results["index"], *(f"aanbod/{o.id}/" for o in offers)]
    write_sitemap(site_dir, settings.site_url, urls)
    return {"offers": len(offers), "pages": len(urls), "data": results["data"],
            "post_build_s": time.perf_counter() - started, "task_s": results["seconds"]}
