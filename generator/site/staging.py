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


def write_file(path: Path | str, data: bytes) -> tuple[int, int]:
    """Write bytes into a new or existing file (making its folder); return the file's
    (size, mtime_ns). (os-level calls: half the time of open() and pathlib per page.)"""
    path = str(path)
    folder = os.path.dirname(path)
    try:
        os.mkdir(folder)  # an offer's folder is new in a staging folder
    except FileExistsError:
        pass
    except FileNotFoundError:
        os.makedirs(folder, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        view = memoryview(data)
        while view:  # (os.write may write less than it was given)
            view = view[os.write(fd, view):]
        stat = os.fstat(fd)
    finally:
        os.close(fd)
    return stat.st_size, stat.st_mtime_ns


def write_offer_files(folder: Path, offer_id: str, page: bytes,
                      photos: list[tuple[str, str, int, int]], page_key: str = "") -> list[tuple]:
    """An offer's page and photos under folder/aanbod/<id>/; their manifest entries
    (path, key, size, mtime_ns) in the form `Output` keeps them (`page_key`: the page's
    digest, when it is known already)."""
    rel = f"aanbod/{offer_id}/index.html"
    entries = [(rel, page_key or digest(page), *write_file(f"{folder}/{rel}", page))]
    for source, name, size, mtime in photos:
        target = f"aanbod/{offer_id}/{name}"
        shutil.copyfile(source, folder / target)
        stat = os.stat(folder / target)
        entries.append((target, f"{source}:{size}:{mtime}", stat.st_size, stat.st_mtime_ns))
    return entries
