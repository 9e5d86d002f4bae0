"""The upload box: validate files, copy them under data_dir/uploads/, ingest them."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from rag import Assistant, IngestReport, UserError
from rag.ingest.formats import SUFFIXES, format_for

# The upload box takes exactly what `rag ingest FOLDER` reads (the one table in rag.ingest.formats).
ALLOWED_SUFFIXES = SUFFIXES


def allowed_suffix(name: str) -> str | None:
    known = format_for(name)
    return known.suffix if known else None


def safe_basename(name: str) -> str:
    """A file name that cannot leave the uploads folder: no separators, no dot-only names."""
    base = re.split(r"[\\/]", name)[-1]
    base = re.sub(r"[^A-Za-z0-9._-]", "_", base).lstrip(".")
    return base or "upload"


@dataclass
class UploadResult:
    """What an upload did, as text for the Collection tab."""

    report: IngestReport | None
    stored: list[Path] = field(default_factory=list)

    def summary(self, max_rejections: int = 20) -> str:
        if self.report is None:
            return "No file uploaded."
        lines = [f"Ingested {len(self.stored)} file(s): {self.report.summary()}"]
        lines += [f"- rejected: {r}" for r in self.report.rejected[:max_rejections]]
        if len(self.report.rejected) > max_rejections:
            lines.append(f"- … and {len(self.report.rejected) - max_rejections} more rejected")
        return "\n".join(lines)


class UploadIngester:
    """Checks uploads against the size/type limits, stores them, and ingests them."""

    def __init__(self, assistant: Assistant, max_upload_mb: int):
        self.assistant = assistant
        self.max_bytes = max_upload_mb * 1024 * 1024
        self.max_upload_mb = max_upload_mb
        self.folder = Path(assistant.data_dir) / "uploads"

    def check(self, path: Path, shown_name: str) -> None:
        if allowed_suffix(shown_name) is None:
            raise UserError(f"'{shown_name}' has an unsupported type; upload one of {', '.join(ALLOWED_SUFFIXES)}")
        size = path.stat().st_size
        if size > self.max_bytes:
            raise UserError(
                f"'{shown_name}' is {size / 2**20:.1f} MB, over the {self.max_upload_mb} MB upload limit; "
                "split it or use `rag ingest` on the command line"
            )

    def destination(self, shown_name: str) -> Path:
        """Where an upload of this name is stored: inside the uploads folder, never over an earlier upload."""
        name = safe_basename(shown_name)
        suffix = allowed_suffix(name) or ""
        stem = name[: len(name) - len(suffix)] if suffix else name
        target, n = self.folder / name, 1
        # Never overwrite an earlier upload: what is stored is not lost.
        while target.exists():
            target, n = self.folder / f"{stem}-{n}{suffix}", n + 1
        return target

    def ingest(self, files: Iterable[str], progress: Callable[[int, int | None], None] | None = None) -> UploadResult:
        """Validate every file first (nothing is stored if one is bad), then copy and ingest them."""
        files = [Path(f) for f in files or []]
        if not files:
            return UploadResult(None)
        for path in files:
            self.check(path, _shown_name(path))
        self.folder.mkdir(parents=True, exist_ok=True)
        stored = []
        for path in files:
            target = self.destination(_shown_name(path))
            shutil.copyfile(path, target)
            stored.append(target)
        return UploadResult(self.assistant.ingest(stored, progress=progress), stored)


def _shown_name(path: Path) -> str:
    # Gradio keeps the user's file name as the basename of its temp copy.
    return path.name
