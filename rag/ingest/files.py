"""Which files an ingest reads: named files as given, folders walked for known formats.

>>> [p.name for p in iter_input_files(["data/sample"])][:1]
['000_6df2382d1ccda13c.txt']
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from rag.errors import UserError
from rag.ingest.formats import format_for


def iter_input_files(paths: Iterable[str | Path], skipped: list[Path] | None = None) -> list[Path]:
    """The files to ingest: named files as given, folders expanded recursively.

    Folders contribute only files whose suffix is in ``rag.ingest.formats``, sorted,
    skipping hidden files and folders; the other visible files are appended to ``skipped``
    (when given) so the caller can say what was left out. A file named explicitly is kept
    whatever its extension (the parser then says what it found). Raises UserError for a
    path that does not exist.
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
            for sub in walk_folder(path, skipped):
                add(sub)
        elif path.is_file():
            add(path)
        elif path.exists():
            # A FIFO or device would block or never end when read.
            raise UserError(f"not a regular file or folder: {item} — pass a file or folder of papers")
        else:
            raise UserError(f"path not found: {item} — check the path or pass a file or folder that exists")
    return found


def walk_folder(folder: Path, skipped: list[Path] | None = None) -> list[Path]:
    """Files of a known format under ``folder``, in path order, hidden ones left out (others go to ``skipped``)."""
    files: list[Path] = []
    # os.walk does not follow directory symlinks, so a link loop cannot recurse forever.
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in names:
            path = Path(root) / name
            if name.startswith(".") or not path.is_file():
                continue
            if format_for(name) is not None:
                files.append(path)
            elif skipped is not None:
                skipped.append(path)
    if skipped is not None:
        skipped.sort(key=lambda p: p.parts)
    return sorted(files, key=lambda p: p.relative_to(folder).parts)


def describe_skipped(skipped: list[Path], shown: int = 5) -> str:
    """One line for the files a folder walk left out, by suffix.

    >>> describe_skipped([Path("a/x.pdf"), Path("a/y.pdf"), Path("a/README.md")])
    'skipped 3 file(s) of types rag does not read (.md 1, .pdf 2): x.pdf, y.pdf, README.md'
    """
    by_suffix = Counter(path.suffix.lower() or "(no suffix)" for path in skipped)
    kinds = ", ".join(f"{suffix} {n}" for suffix, n in sorted(by_suffix.items()))
    names = ", ".join(p.name for p in skipped[:shown]) + (" …" if len(skipped) > shown else "")
    return f"skipped {len(skipped)} file(s) of types rag does not read ({kinds}): {names}"
