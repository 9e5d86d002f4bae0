"""`evaluate` and `compare`: the Python face of `rag eval`."""

from __future__ import annotations

import json
import time
from pathlib import Path

from rag.evaluation.compare import Comparison, compare_results
from rag.evaluation.faithfulness import LLMJudge, load_judge_prompts
from rag.evaluation.questions import load_question_files
from rag.evaluation.report import write_comparison_report, write_run_report
from rag.evaluation.runner import EvalRunner, ragas_rows
from rag.evaluation.summary import EvalSummary, summarize


def _questions(questions, limit: int | None) -> tuple[list, list[str]]:
    """Questions (or conversations) from a file, several files, or a list of EvalQuestion / Conversation."""
    items, problems = load_question_files(questions)
    return (items[:limit] if limit else items), problems


def _write_jsonl(path: Path, rows) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def default_out_dir(assistant) -> Path:
    return Path(assistant.settings.evaluation.out_root) / time.strftime("%Y%m%d-%H%M%S")


def evaluate(questions, assistant, out_dir: str | Path | None = None, backend: str | None = None, top_k: int | None = None,
             resume: bool = False, limit: int | None = None, judge: bool = False, progress: bool = False,
             rejected_lines: list[str] | None = None) -> EvalSummary:
    """Ask every question, score it, and write results.jsonl, summary.json, report.md/.html and ragas.jsonl.

    >>> from rag import Assistant
    >>> from rag.evaluation import evaluate
    >>> summary = evaluate("eval/questions/dev.jsonl", Assistant(), out_dir="/tmp/run")  # doctest: +SKIP
    >>> summary.metrics["hit@5"]                                                         # doctest: +SKIP
    0.84
    """
    items, problems = _questions(questions, limit)
    out = Path(out_dir) if out_dir else default_out_dir(assistant)
    llm_judge = None
    if judge:
        from rag.evaluation.judge_backend import judge_complete

        llm_judge = LLMJudge(judge_complete(assistant.settings), load_judge_prompts(assistant.settings.evaluation.judge_prompts))
    results = EvalRunner(assistant, out, backend, top_k, resume, llm_judge, progress).evaluate(items)
    config = {"backend": backend or assistant.settings.answer.backend, "top_k": top_k or assistant.settings.retrieval.top_k,
              "mode": assistant.settings.retrieval.mode}
    summary = summarize(results, [*problems, *(rejected_lines or [])], config)
    summary.out_dir = str(out)
    (out / "summary.json").write_text(json.dumps(summary.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    _write_jsonl(out / "ragas.jsonl", ragas_rows(results))
    write_run_report(out, summary, results)
    return summary


def compare(questions, assistant_a, assistant_b, label_a: str = "a", label_b: str = "b", out_dir: str | Path | None = None,
            resume: bool = False, limit: int | None = None, progress: bool = False, **kwargs) -> Comparison:
    """Evaluate two configurations on the same questions into out_dir/<label>/ and write comparison.md/.html.

    >>> c = compare("q.jsonl", Assistant.from_config("a.yaml"), Assistant.from_config("b.yaml"), "a", "b")  # doctest: +SKIP
    >>> [(m.name, m.diff, m.low, m.high) for m in c.metrics][:1]                                             # doctest: +SKIP
    """
    from rag.evaluation.runner import RESULTS, read_results

    items, problems = _questions(questions, limit)
    problems += kwargs.pop("rejected_lines", None) or []
    out = Path(out_dir) if out_dir else default_out_dir(assistant_a)
    summaries = []
    for label, assistant in ((label_a, assistant_a), (label_b, assistant_b)):
        summaries.append(evaluate(items, assistant, out / label, resume=resume, progress=progress, rejected_lines=problems, **kwargs))
    cfg = assistant_a.settings.evaluation
    ids = {t.id for item in items for t in getattr(item, "turns", [item])}
    runs = [[r for r in read_results(out / label / RESULTS) if r.id in ids] for label in (label_a, label_b)]
    comparison = compare_results(runs[0], runs[1],
                                 summaries[0], summaries[1], label_a, label_b, cfg.bootstrap_samples, cfg.seed)
    comparison.out_dir = str(out)
    (out / "comparison.json").write_text(json.dumps(comparison.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    write_comparison_report(out, comparison)
    return comparison
