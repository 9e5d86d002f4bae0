"""Run the assistant over a question set, one results.jsonl line per question, resumable."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from rag.errors import UserError
from rag.types import Answer
from rag.evaluation.faithfulness import LLMJudge, SupportScorer, support_metrics
from rag.evaluation.questions import Conversation, EvalQuestion
from rag.evaluation.scoring import GoldResolver, QuestionResult, match_key, score_answer

RESULTS = "results.jsonl"


def read_results(path: Path) -> list[QuestionResult]:
    """Finished questions of an earlier run; a torn last line (crash mid-write) is ignored and redone."""
    if not path.is_file():
        return []
    done = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            done.append(QuestionResult.from_dict(json.loads(line)))
        except (json.JSONDecodeError, TypeError):
            continue
    return done


class EvalRunner:
    """Asks every question through ``assistant.ask`` and scores the answer.

    With ``resume`` the questions already in ``out_dir/results.jsonl`` are kept as they are
    and not asked again; without it an existing results file is an error (nothing is overwritten).
    """

    def __init__(self, assistant, out_dir: Path, backend: str | None = None, top_k: int | None = None,
                 resume: bool = False, judge: LLMJudge | None = None, progress: bool = True):
        self.assistant = assistant
        self.out_dir = Path(out_dir)
        self.backend = backend
        self.top_k = top_k
        self.resume = resume
        self.judge = judge
        self.progress = progress
        cfg = assistant.settings
        self.ks = tuple(cfg.evaluation.ks)
        self.ndcg_k = cfg.evaluation.ndcg_k
        self.support = SupportScorer(lambda texts: assistant.components.embedder.embed_query(texts), cfg.answer.support_threshold)
        self.gold = GoldResolver(assistant.components.catalog.id_for_title)

    def evaluate(self, questions: list[EvalQuestion | Conversation]) -> list[QuestionResult]:
        """Results for every question and every conversation turn, in order; resumable per question (per conversation)."""
        from tqdm import tqdm

        self.out_dir.mkdir(parents=True, exist_ok=True)
        path = self.out_dir / RESULTS
        if path.exists() and path.stat().st_size and not self.resume:
            raise UserError(f"{path} already holds results; pass --resume to continue that run or choose another --out")
        kept = read_results(path)
        # Rewrite the kept lines first so a torn line from a crash never stays in the file; lines of
        # questions outside this run (another --limit, an edited file) are kept too, never dropped.
        with path.open("w", encoding="utf-8") as handle:
            for result in kept:
                handle.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
        def ids(item) -> list[str]:
            return [t.id for t in item.turns] if isinstance(item, Conversation) else [item.id]

        wanted = {i for item in questions for i in ids(item)}
        done = {r.id: r for r in kept if r.id in wanted}
        # A conversation is redone whole unless every turn is kept: its turns depend on each other.
        todo = [item for item in questions if not all(i in done for i in ids(item))]
        with path.open("a", encoding="utf-8") as handle, tqdm(
            total=len(questions), initial=len(questions) - len(todo), desc="eval", unit="q", disable=not self.progress, file=sys.stderr
        ) as bar:
            for item in todo:
                for result in self.conversation(item) if isinstance(item, Conversation) else [self.one(item)]:
                    done[result.id] = result
                    handle.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
                handle.flush()
                bar.update(1)
        return [done[i] for item in questions for i in ids(item)]

    def one(self, question: EvalQuestion, history: list[dict] | None = None, conversation: str | None = None) -> QuestionResult:
        result, _ = self.ask(question, history, conversation)
        return result

    def ask(self, question: EvalQuestion, history: list[dict] | None = None, conversation: str | None = None) -> tuple[QuestionResult, Answer | None]:
        grades = self.gold.resolve(question)
        started = time.perf_counter()
        try:
            answer = self.assistant.ask(question.question, history=history or None, backend=self.backend, top_k=self.top_k)
        except UserError as exc:
            return self._failed(question, grades, str(exc)), None
        wall_ms = (time.perf_counter() - started) * 1000
        metrics = score_answer(question, answer, grades, self.ks, self.ndcg_k)
        support = self.support.score(answer)
        metrics.update(support_metrics(support))
        verdict = self.judge.judge(answer) if self.judge else None
        metrics["judge_faithful"] = None if not verdict or verdict["verdict"] not in ("faithful", "unfaithful") else float(verdict["verdict"] == "faithful")
        timings = {**answer.timings, "eval_wall_ms": round(wall_ms, 2), "finished_at": time.time()}
        timings.setdefault("total_ms", round(wall_ms, 2))
        context_n = self.assistant.settings.answer.context_papers
        return QuestionResult(
            id=question.id, type=question.type, question=question.question, answerable=question.answerable,
            gold=grades, gold_titles=question.gold_titles,
            retrieved=[{"paper_id": h.paper_id, "title": h.title, "score": round(float(h.score), 4),
                        "gold": match_key(h.paper_id, h.title, grades) is not None} for h in answer.sources],
            answer=answer.text,
            citations=[{"number": c.number, "paper_id": c.paper_id, "title": c.title,
                        "gold": match_key(c.paper_id, c.title, grades) is not None} for c in answer.citations],
            abstained=answer.abstained, backend=answer.backend, metrics=metrics, timings=timings,
            contexts=[h.abstract for h in answer.sources[:context_n]], support=support, judge=verdict,
            reference_answer=question.reference_answer, confidence=answer.confidence, answer_keywords=question.answer_keywords,
            conversation=conversation,
        ), answer

    def conversation(self, conversation: Conversation) -> list[QuestionResult]:
        """Every turn of one conversation, each asked with the earlier turns (and their cited papers) as history."""
        history: list[dict] = []
        results = []
        for turn in conversation.turns:
            result, answer = self.ask(turn, history, conversation.id)
            results.append(result)
            history.append({"role": "user", "content": turn.question})
            history.append(answer.message() if answer else {"role": "assistant", "content": ""})
        return results

    def _failed(self, question: EvalQuestion, grades: dict[str, float], error: str) -> QuestionResult:
        return QuestionResult(
            id=question.id, type=question.type, question=question.question, answerable=question.answerable,
            gold=grades, gold_titles=question.gold_titles, retrieved=[], answer="", citations=[], abstained=False,
            backend=self.backend or "", metrics={}, timings={"finished_at": time.time()}, error=error,
            reference_answer=question.reference_answer, answer_keywords=question.answer_keywords,
        )


def ragas_rows(results: list[QuestionResult]) -> list[dict[str, Any]]:
    """RAGAS column format: question, answer, contexts, ground_truth (reference answer, else gold titles)."""
    return [
        {"question": r.question, "answer": r.answer, "contexts": r.contexts,
         "ground_truth": r.reference_answer or "; ".join(r.gold_titles)}
        for r in results if not r.error
    ]
