"""Fit the answer step's two small models on labelled dev questions: the list cut and answerability.

    python eval/fit_answers.py --data-dir /tmp/sample-store [--out docs/bench/fit-answers.json]

Dev files only (eval/questions/dev.jsonl, answers-dev.jsonl, absent-near-dev.jsonl, topics-dev.jsonl,
absent-extra-dev.jsonl, conversations-dev.jsonl); the
holdout files are never read here. For answerability, each answerable question is asked
twice: as it is (label 1) and with its gold papers hidden (``exclude_paper_ids``: the
collection then does not answer it, label 0): a near miss that shares the question's topic.
Absent questions are label 0. The list cut is fitted on every paper retrieved for a list
question, labelled by gold membership. Both fits report leave-one-question-out estimates,
so the printed quality is not the training fit; the risk–coverage table is over those estimates.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag import Assistant, UserError  # noqa: E402
from rag.answer.answerability import FEATURES, names_present, question_features  # noqa: E402
from rag.answer.evidence import paper_features  # noqa: E402
from rag.evaluation.questions import load_conversations, load_questions  # noqa: E402
from rag.evaluation.scoring import GoldResolver  # noqa: E402

QUESTIONS = ROOT / "eval" / "questions"
DEV = ("dev.jsonl", "answers-dev.jsonl", "absent-near-dev.jsonl", "topics-dev.jsonl", "absent-extra-dev.jsonl")


def observe(assistant: Assistant, question: str, history: list[dict], filters: dict | None):
    """The plan, the hits and the raw features the answer step would see."""
    answerer = assistant.components.answerer
    plan = answerer.planner.plan(question, history)
    planned = answerer.search.search(plan, None, filters)
    views, evidence = answerer.read_evidence(plan, planned.hits)  # as AnswerPipeline.judge reads it
    named = names_present(plan, planned.sides, planned.missing, evidence)  # answered whatever the model says
    return plan, planned, evidence, named, question_features(plan, views, answerer.bm25.unseen_weight(), evidence, answerer.abstention.topicality)


def collect(assistant: Assistant) -> tuple[list[dict], list[dict]]:
    gold = GoldResolver(assistant.components.catalog.id_for_title)
    asked: list[tuple[object, list[dict]]] = []
    for name in DEV:
        questions, _ = load_questions(QUESTIONS / name)
        asked += [(q, []) for q in questions]
    for conversation in load_conversations(QUESTIONS / "conversations-dev.jsonl"):
        history: list[dict] = []
        for turn in conversation.turns:
            asked.append((turn, list(history)))
            answer = assistant.ask(turn.question, history=history or None)
            history += [{"role": "user", "content": turn.question}, answer.message()]
    questions, papers = [], []
    for q, history in asked:
        grades = gold.resolve(q)
        plan, planned, evidence, named, features = observe(assistant, q.question, history, None)
        if plan.within:
            continue  # a follow-up within the papers already shown is judged by answer.follow_up_min_similarity instead
        questions.append({"id": q.id, "label": int(q.answerable), "features": features.tolist(), "kind": plan.kind, "near_miss": False, "named": named})
        # Follow-ups choose among papers already shown (a different question), so the cut is fitted on fresh lists.
        if (plan.kind == "list" or (plan.kind == "compare" and len(planned.sides) < 2)) and not plan.within and q.answerable:
            for row, e in zip(paper_features(evidence), evidence):
                papers.append({"id": q.id, "label": int(e.hit.paper_id in grades), "features": row.tolist()})
        hidden = [k for k in grades if assistant.components.catalog.get(k) is not None]  # gold papers found in the catalog
        if q.answerable and hidden:
            try:
                *_, named, features = observe(assistant, q.question, history, {"exclude_paper_ids": hidden})
            except UserError:
                continue  # a follow-up within its gold papers only: nothing is left once they are hidden
            questions.append({"id": q.id + "/hidden", "label": 0, "features": features.tolist(), "kind": plan.kind, "near_miss": True, "named": named})
    return questions, papers


def fit(rows: list[dict], c: float, near_miss_weight: float = 1.0) -> tuple[list[float], np.ndarray]:
    """Weights fitted on all rows, and leave-one-question-out probabilities (a question's rows held out together)."""
    from sklearn.linear_model import LogisticRegression

    x = np.array([r["features"] for r in rows])
    y = np.array([r["label"] for r in rows])
    weight = np.array([near_miss_weight if r.get("near_miss") else 1.0 for r in rows])
    groups = np.array([r["id"].split("/")[0] for r in rows])

    def model(mask):
        return LogisticRegression(C=c, max_iter=5000, class_weight="balanced").fit(x[mask], y[mask], sample_weight=weight[mask])

    final = model(np.ones(len(rows), dtype=bool))
    held_out = np.zeros(len(rows))
    for group in sorted(set(groups)):
        test = groups == group
        if len(set(y[~test])) < 2:
            continue
        held_out[test] = model(~test).predict_proba(x[test])[:, 1]
    return [round(float(final.intercept_[0]), 3), *[round(float(w), 3) for w in final.coef_[0]]], held_out


def risk_coverage(rows: list[dict], probabilities: np.ndarray) -> list[dict]:
    """Per threshold: coverage (share answered), risk (answered but unanswerable), abstention on absent and near misses.

    A question whose named methods each have their own paper is answered at any threshold, as the answer step does.
    """
    out = []
    labels = np.array([r["label"] for r in rows])
    named = np.array([r.get("named", False) for r in rows])
    near = np.array([r["near_miss"] for r in rows])
    for t in np.round(np.arange(0.05, 0.96, 0.05), 2):
        answered = (probabilities >= t) | named
        out.append({
            "threshold": float(t), "coverage": round(float(answered.mean()), 3),
            "risk": round(float((answered & (labels == 0)).sum() / max(1, answered.sum())), 3),
            "abstain_absent": round(float((~answered)[(labels == 0) & ~near].mean()), 3),
            "abstain_near_miss": round(float((~answered)[near].mean()), 3),
            "false_abstention": round(float((~answered)[labels == 1].mean()), 3),
        })
    return out


def list_quality(rows: list[dict], probabilities: np.ndarray, threshold: float, most: int) -> dict:
    by_question: dict[str, list[tuple[float, int]]] = {}
    for row, p in zip(rows, probabilities):
        by_question.setdefault(row["id"], []).append((p, row["label"]))
    recall, precision = [], []
    for items in by_question.values():
        chosen = [label for p, label in items if p >= threshold][:most] or [items[0][1]]
        gold = sum(label for _, label in items)
        if gold:
            recall.append(sum(chosen) / gold)
        precision.append(sum(chosen) / len(chosen))
    return {"lists": len(by_question), "recall_in_retrieved": round(float(np.mean(recall)), 3), "precision": round(float(np.mean(precision)), 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--c", type=float, default=1.0, help="inverse regularisation strength of both logistic fits")
    parser.add_argument("--near-miss-weight", type=float, default=0.5, help="sample weight of the hidden-gold near misses")
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    assistant = Assistant(data_dir=args.data_dir)
    questions, papers = collect(assistant)
    answer_weights, answer_cv = fit(questions, args.c, args.near_miss_weight)
    list_weights, list_cv = fit(papers, args.c)
    settings = assistant.settings.answer
    report = {
        "answerability": {"features": FEATURES, "weights": answer_weights, "rows": len(questions),
                          "risk_coverage_held_out": risk_coverage(questions, answer_cv)},
        "list_cut": {"weights": list_weights, "rows": len(papers),
                     "held_out": {str(t): list_quality(papers, list_cv, t, settings.max_list_papers) for t in (0.3, 0.4, 0.5, 0.6, 0.7)}},
    }
    print(json.dumps(report, indent=1))
    if args.out:
        Path(args.out).write_text(json.dumps({**report, "questions": questions, "papers": papers}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
