"""Question analysis: what a question asks, decided before retrieval (no model needed)."""

from rag.question.planner import QuestionPlanner

__all__ = ["QuestionPlanner"]
