"""Write a folder's shipped chunk vectors (rag.ingest.prebuilt), e.g. after the chunker or the sample changes:

    python scripts/build_vectors.py data/sample
"""

import sys
from pathlib import Path

from rag.ingest.prebuilt import build

if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python scripts/build_vectors.py FOLDER")
    path, count = build(Path(sys.argv[1]))
    print(f"{count} chunk vectors written to {path}")
