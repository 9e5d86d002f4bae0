"""Evaluation of retrieval and answers: metrics, reports, and A/B comparison.

>>> from rag.evaluation import evaluate      # doctest: +SKIP
>>> evaluate("eval/questions/dev.jsonl", assistant).metrics["mrr"]  # doctest: +SKIP
"""

from rag.evaluation.api import compare, evaluate
from rag.evaluation.compare import Comparison, MetricComparison
from rag.evaluation.questions import EvalQuestion, load_questions
from rag.evaluation.summary import EvalSummary

__all__ = ["Comparison", "EvalQuestion", "EvalSummary", "MetricComparison", "compare", "evaluate", "load_questions"]
