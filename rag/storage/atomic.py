"""Whole-file writes that a crash cannot leave half done: write beside, fsync, then rename over."""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO, Callable


def write_atomic(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write ``path`` through ``write(fh)``; readers see the old file or the new one, never a part.

    The temporary file is ``<name>.tmp`` in the same folder (a rename is atomic only within one
    file system); a crash leaves at most that, which the next write replaces.
    """
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        write(fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
