"""Which files an ingest reads: named files as given, folders walked for known formats.

>>> [p.name for p in iter_input_files(["data/sample"])][:1]
['000_6df2382d1ccda13c.txt']
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from rag.errors import UserError
from rag.ingest.formats import format_for


def iter_input_files(paths: Iterable[str | Path]) -> list[Path]:
    """The files to ingest: named files as given, folders expanded recursively.

    Folders contribute only files whose suffix is in ``rag.ingest.formats``, sorted,
    skipping hidden files and folders; a file named explicitly is kept whatever its
    extension (the parser then says what it found). Raises UserError for a path that
    does not exist.
    """
    found: list[Path] = []
    seen: set[Path] = set()

    def add(path: Path) -> None:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            found.append(path)

    for item in paths:
        path = Path(item).expanduser()
        if path.is_dir():
            for sub in walk_folder(path):
                add(sub)
        elif path.is_file():
            add(path)
        elif path.exists():
            # A FIFO or device would block or never end when read.
            raise UserError(f"not a regular file or folder: {item} — pass a file or folder of papers")
        else:
            raise UserError(f"path not found: {item} — check the path or pass a file or folder that exists")
    return found


def walk_folder(folder: Path) -> list[Path]:
    """Files of a known format under ``folder``, in path order, hidden ones left out."""
    files: list[Path] = []
    # os.walk does not follow directory symlinks, so a link loop cannot recurse forever.
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in names:
            path = Path(root) / name
            if not name.startswith(".") and format_for(name) is not None and path.is_file():
                files.append(path)
    return sorted(files, key=lambda p: p.relative_to(folder).parts)
