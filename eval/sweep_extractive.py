"""Sweep answer settings (extractive weights, cuts, thresholds) on the dev questions, sharing one loaded model and store.

    python eval/sweep_extractive.py --data-dir DIR --set answer.figure_bonus=0.3,1.0 --set answer.list_cut_threshold=0.4,0.5

Dev files only (answers-dev.jsonl + conversations-dev.jsonl); prints the target measures per setting.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_answers import QUESTIONS, SETS, targets  # noqa: E402

from rag import Assistant, Components, load_settings  # noqa: E402
from rag.evaluation import evaluate  # noqa: E402
from rag.settings.loading import override  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--set", action="append", default=[], help="SECTION.FIELD=v1,v2")
    args = parser.parse_args()
    base = Assistant(data_dir=args.data_dir).components
    grid = [(name, [json.loads(v) for v in values.split(",")]) for name, values in (s.split("=", 1) for s in args.set)]
    out = Path(tempfile.mkdtemp(prefix="sweep-"))
    for n, combo in enumerate(itertools.product(*[values for _, values in grid])):
        update = dict(zip([name for name, _ in grid], combo))
        settings = override(load_settings(overrides={"data_dir": args.data_dir}), update)
        # Heavy parts are shared; the answer step (and anything that reads its settings) is built anew.
        parts = Components(settings, embedder=base.embedder, store=base.store, catalog=base.catalog, bm25=base.bm25,
                           sentence_vectors=base.sentence_vectors)
        summary = evaluate([QUESTIONS / f for f in SETS["dev"]], Assistant(components=parts), out_dir=out / str(n))
        print(json.dumps({**update, **{k: v for k, v in targets(summary).items() if k not in ("counts",)}}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
