"""Build the word-topicality table the answerability model reads (rag/text/topicality.tsv.gz).

    python eval/build_topicality.py ../shared/data/arxiv-cs-2025.jsonl.gz [--out rag/text/topicality.tsv.gz]

A word's burstiness is how often it occurs in an abstract that uses it at all: a topical word
("video", "watermark", "qubit") is repeated by the abstracts about it, a word that only says
something about a topic ("get", "avoid", "much") occurs once. Measured on 74,728 arXiv CS
abstracts, so the numbers do not depend on the user's (often small) collection. Stems are the
BM25 tokenizer's, the same the question is read with. Only stems found in at least
``--min-df`` abstracts and less bursty than the table's ``FULLY_TOPICAL`` are written: any
other word counts as fully topical (a rare word in a question is almost always a topic word).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.storage.bm25.tokenizer import BM25Tokenizer  # noqa: E402
from rag.text.topicality import FULLY_TOPICAL, TABLE  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", help="JSON Lines (.gz) of papers with title and abstract")
    parser.add_argument("--out", default=str(TABLE))
    parser.add_argument("--min-df", type=int, default=5)
    args = parser.parse_args(argv)
    opener = gzip.open if args.data.endswith(".gz") else open
    with opener(args.data, "rt", encoding="utf-8") as f:
        texts = [f"{r.get('title') or ''}\n{r.get('abstract') or ''}" for r in map(json.loads, f)]
    tokenizer, df, cf = BM25Tokenizer(), Counter(), Counter()
    for start in range(0, len(texts), 5000):
        for tokens in tokenizer.tokenize(texts[start:start + 5000]):
            counts = Counter(tokens)
            cf.update(counts)
            df.update(counts.keys())
    rows = sorted((t, (cf[t] + 1) / (df[t] + 1)) for t in df if df[t] >= args.min_df)
    rows = [(t, b) for t, b in rows if b < FULLY_TOPICAL and "\t" not in t and "\n" not in t]
    with gzip.open(args.out, "wt", encoding="utf-8") as out:
        out.write(f"# burstiness of BM25 stems in {len(texts)} abstracts ({Path(args.data).name}); min df {args.min_df}\n")
        out.writelines(f"{t}\t{b:.3f}\n" for t, b in rows)
    print(f"{len(rows)} stems written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
