"""After MkDocs: stamp offer and index pages into the shells, write data, photos, open data, sitemap."""

import os
import shutil
from html import escape
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from ..catalogue import Offer
from ..export import export_catalogue
from ..reference import Reference, load_reference
from .data import write_data
from .overview import by_activity, by_doelgroep, by_gemeente
from .pages import PageRenderer, Settings, Shell, offer_description
from .sitemap import write_sitemap

CHUNK = 2000  # offers per worker task
PARALLEL_FROM = 4000  # use worker processes from this many offers on
OPEN_DATA_DIR = "open-data"
VALIDATE_OPEN_DATA_UP_TO = 5000  # Frictionless validation of the export is slow at national scale


def write_offer_pages(offers: list[Offer], settings: Settings, shell_text: str, site_dir: Path,
                      ref_folder: Path) -> int:
    """Write the page (and photos) of each offer; return the number written."""
    renderer = PageRenderer(settings, load_reference(ref_folder))
    shell = Shell(shell_text)
    for offer in offers:
        folder = site_dir / "aanbod" / offer.id
        folder.mkdir(parents=True, exist_ok=True)
        page = shell.stamp(offer.data.titel, offer_description(offer), renderer.offer_body(offer))
        (folder / "index.html").write_text(page, encoding="utf-8")
        for photo in offer.data.fotos:
            shutil.copyfile(offer.path.parent / photo.bestand, folder / photo.bestand)
    return len(offers)


def _write_chunk(args) -> int:
    """Worker process entry point for write_offer_pages."""
    return write_offer_pages(*args)


def write_all_offer_pages(offers: list[Offer], settings: Settings, shell: str, site_dir: Path,
                          ref: Reference, progress=None) -> None:
    """Write every offer page, in worker processes for big catalogues."""
    chunks = [offers[i:i + CHUNK] for i in range(0, len(offers), CHUNK)]
    jobs = os.cpu_count() or 1
    done = 0
    if len(offers) >= PARALLEL_FROM and jobs > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            tasks = [(chunk, settings, shell, site_dir, ref.folder) for chunk in chunks]
            for written in pool.map(_write_chunk, tasks):
                done += written
                if progress:
                    progress(f"aanbodpagina's: {done}/{len(offers)}")
    else:
        write_offer_pages(offers, settings, shell, site_dir, ref.folder)


def write_index_pages(offers: list[Offer], ref: Reference, settings: Settings, shell_text: str,
                      site_dir: Path) -> list[str]:
    """Index pages per gemeente, activity and target group; return their URLs."""
    renderer = PageRenderer(settings, ref)
    shell = Shell(shell_text)
    urls = []
    kinds = [
        ("aanbod", by_gemeente(offers), "Aanbod in gemeente {}",
         "Alle activiteiten in gemeente {} op de beweegkaart."),
        ("activiteit", by_activity(offers, ref), "{}",
         "Alle plekken waar je kunt doen aan: {}."),
        ("doelgroep", by_doelgroep(offers), "Aanbod bij {}",
         "Activiteiten die extra geschikt zijn bij: {}."),
    ]
    for prefix, groups, title, intro in kinds:
        for key, (label, found) in groups.items():
            folder = site_dir / prefix / key
            folder.mkdir(parents=True, exist_ok=True)
            text = intro.format(label)
            body = renderer.list_body(f"<p>{escape(text)}</p>", found)
            page = shell.stamp(title.format(label), text, body)
            (folder / "index.html").write_text(page, encoding="utf-8")
            urls.append(f"{prefix}/{key}/")
    return urls


def finish_site(offers: list[Offer], ref: Reference, settings: Settings, shells: dict[int, str],
                site_dir: Path, pages: list[str], progress=None) -> dict:
    """Everything after MkDocs; returns timings and sizes for the build report."""
    report: dict = {"offers": len(offers)}
    started = time.perf_counter()
    write_all_offer_pages(offers, settings, shells[3], site_dir, ref, progress)
    report["offer_pages_s"] = time.perf_counter() - started
    index_urls = write_index_pages(offers, ref, settings, shells[2], site_dir)
    report["data"] = write_data(offers, ref, site_dir / "data")
    export_catalogue(offers, site_dir / OPEN_DATA_DIR, settings.site_url,
                     validate=len(offers) <= VALIDATE_OPEN_DATA_UP_TO)
    urls = [*pages, *index_urls, *(f"aanbod/{o.id}/" for o in offers)]
    write_sitemap(site_dir, settings.site_url, urls)
    report["pages"] = len(urls)
    return report
