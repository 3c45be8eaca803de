"""A fresh build's folder: the site is made next to site/ and takes its place when it is done.

A build whose site folder the cache knows nothing about (no cache yet, or a folder another
tool wrote) writes every file. It writes them into a staging folder beside site/, so the
offer pages can be written while other offers are still being validated (by the worker that
rendered them), and the site folder is still untouched when an offer turns out invalid.
"""

import os
import shutil
from pathlib import Path

from .output import digest


def staging_folder(site_dir: Path) -> Path:
    """An empty folder beside site_dir, on the same file system (what a crashed build left
    there is removed first)."""
    folder = site_dir.parent / f".{site_dir.name}.nieuw"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def publish(staging: Path, site_dir: Path) -> None:
    """Put the staging folder in site_dir's place (the old folder, if any, is removed)."""
    old = site_dir.parent / f".{site_dir.name}.oud"
    if old.exists():
        shutil.rmtree(old)
    if site_dir.exists():
        os.replace(site_dir, old)
    os.replace(staging, site_dir)
    if old.exists():
        shutil.rmtree(old)


def write_file(path: Path, data: bytes) -> tuple[int, int]:
    """Write bytes (making the folder); return the file's (size, mtime_ns)."""
    try:
        f = open(path, "wb")  # noqa: SIM115
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        f = open(path, "wb")  # noqa: SIM115
    with f:
        f.write(data)
        stat = os.fstat(f.fileno())
    return stat.st_size, stat.st_mtime_ns


def write_offer_files(folder: Path, offer_id: str, page: bytes,
                      photos: list[tuple[str, str, int, int]]) -> list[tuple]:
    """An offer's page and photos under folder/aanbod/<id>/; their manifest entries
    (path, key, size, mtime_ns) in the form `Output` keeps them."""
    rel = f"aanbod/{offer_id}/index.html"
    entries = [(rel, digest(page), *write_file(folder / rel, page))]
    for source, name, size, mtime in photos:
        target = f"aanbod/{offer_id}/{name}"
        shutil.copyfile(source, folder / target)
        stat = os.stat(folder / target)
        entries.append((target, f"{source}:{size}:{mtime}", stat.st_size, stat.st_mtime_ns))
    return entries
