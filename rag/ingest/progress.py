"""A quick estimate of how many papers a set of input files holds, for a progress bar with an ETA.

Line-oriented formats (JSONL, CSV/TSV, plain or gzipped) hold about one paper per line,
so a raw byte scan counts them at disk/zlib speed, a small fraction of embedding time.
Other formats (listing pages, BibTeX) give no cheap count: the estimate is then None
and the bar shows a rate without an ETA.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Iterable

from rag.ingest.formats import format_for


def _count_lines(path: Path) -> int:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    count, last = 0, b"\n"
    with opener(path, "rb") as handle:
        while block := handle.read(1 << 20):
            count += block.count(b"\n")
            last = block[-1:]
    return count + (last != b"\n")


def estimate_papers(files: Iterable[Path]) -> int | None:
    """Papers in ``files`` counted as non-header lines; None if any file is not line-oriented.

    >>> estimate_papers([Path("data/arxiv.jsonl.gz")])   # doctest: +SKIP
    74728
    """
    total = 0
    for path in files:
        known = format_for(path.name)
        if known is None or not known.lines:
            return None
        try:
            total += max(0, _count_lines(path) - (1 if known.header else 0))
        except (OSError, EOFError, gzip.BadGzipFile):
            return None  # the parser reports the broken file properly; no estimate here
    return total
