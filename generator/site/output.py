"""Writing the site: a file is written only when its content differs from the last build.

The previous build's manifest (path -> digest, size, mtime) says what is on disk; a file whose
size or mtime no longer matches (edited, deleted, or a fresh folder) is written again. Files
of the previous build that are not produced now are removed.
"""

import os
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

from ..cache import digest

NOTHING = ("",)  # no manifest entry


class Output:
    """The files of one build of the site, written into `site_dir` when they changed."""

    def __init__(self, site_dir: Path, previous: dict[str, tuple[str, int, int]]):
        """Start a build; `previous` is the manifest the last build into `site_dir` left."""
        self.site_dir = site_dir
        self.root = os.path.join(str(site_dir), "")  # plain strings in the per-file paths
        self.previous = previous
        self.manifest: dict[str, tuple[str, int, int]] = {}
        self.written = 0
        self.made: set[str] = set()
        self.adopted = False  # whether `adopt` was given files

    def _unchanged(self, rel: str, key: str) -> bool:
        """True when the file on disk is the one the last build wrote with this digest."""
        old = self.previous.get(rel)
        if old is None or old[0] != key:
            return False
        try:
            stat = os.stat(self.root + rel)
        except OSError:
            return False
        if (stat.st_size, stat.st_mtime_ns) != (old[1], old[2]):
            return False
        self.manifest[rel] = old
        return True

    def _store(self, rel: str, key: str, data: bytes) -> None:
        """Write the bytes and remember them in the manifest."""
        path = self.root + rel
        folder = os.path.dirname(path)
        if folder not in self.made:
            try:
                os.mkdir(folder)  # (as pathlib's mkdir: no stat of the parent first)
            except FileExistsError:
                pass
            except FileNotFoundError:
                os.makedirs(folder, exist_ok=True)
            self.made.add(folder)
        with open(path, "wb") as f:
            f.write(data)
        stat = os.stat(path)
        self.manifest[rel] = (key, stat.st_size, stat.st_mtime_ns)
        self.written += 1

    def write(self, rel: str, content: str | bytes) -> bool:
        """A file from its content; True when it was written."""
        data = content.encode("utf-8") if isinstance(content, str) else content
        key = digest(data)
        if self._unchanged(rel, key):
            return False
        self._store(rel, key, data)
        return True

    def adopt(self, entries: list[tuple[str, str, int, int]], written: bool = True) -> None:
        """Files written into site_dir by someone else for this build (worker processes), or
        found unchanged there (`written` False): (path, key, size, mtime_ns) each, as
        `write_known` and `copy` would have noted them."""
        for rel, key, size, mtime in entries:
            self.manifest[rel] = (key, size, mtime)
        self.written += len(entries) if written else 0
        self.adopted = self.adopted or bool(entries)

    def write_known(self, rel: str, key: str, content: Callable[[], bytes]) -> None:
        """A file whose digest is known already; its content is only fetched when needed."""
        if self.manifest.get(rel, ("",))[0] == key:  # adopted
            return
        if not self._unchanged(rel, key):
            self._store(rel, key, content())

    def write_many(self, files: Iterable[tuple[str, str, object]],
                   content: Callable[[object], bytes]) -> None:
        """`write_known` for many files, in one loop: (path, digest, handle) each, where
        `content(handle)` gives the bytes of a file that has to be written."""
        manifest, previous, root, stat = self.manifest, self.previous, self.root, os.stat
        adopted = self.adopted
        for rel, key, handle in files:
            if adopted and manifest.get(rel, NOTHING)[0] == key:  # adopted
                continue
            old = previous.get(rel)
            if old is not None and old[0] == key:
                try:
                    found = stat(root + rel)
                except OSError:
                    found = None
                if found is not None and (found.st_size, found.st_mtime_ns) == (old[1], old[2]):
                    manifest[rel] = old
                    continue
            self._store(rel, key, content(handle))

    def copy(self, rel: str, source: Path) -> None:
        """A copy of a file (a photo, a theme asset), keyed by the source's path, size and mtime."""
        stat = os.stat(source)
        key = f"{source}:{stat.st_size}:{stat.st_mtime_ns}"
        if self.manifest.get(rel, ("",))[0] == key:  # adopted
            return
        if not self._unchanged(rel, key):
            target = self.site_dir / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            new = os.stat(target)
            self.manifest[rel] = (key, new.st_size, new.st_mtime_ns)
            self.written += 1

    def remove_stale(self) -> int:
        """Delete files the last build wrote that this build did not produce; return how many."""
        stale = [rel for rel in self.previous if rel not in self.manifest]
        for rel in stale:
            (self.site_dir / rel).unlink(missing_ok=True)
        for folder in sorted({(self.site_dir / rel).parent for rel in stale}, reverse=True):
            try:
                folder.rmdir()  # only when empty
            except OSError:
                pass
        return len(stale)
