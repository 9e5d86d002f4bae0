"""When to say "the collection does not answer this", and how to say it."""

from __future__ import annotations

from rag.answer.extractive import ExtractiveAnswerer
from rag.settings import AnswerSettings
from rag.types import Answer, Hit


class AbstentionGate:
    """Abstains when the best paper scores low, or when no sentence of the top papers comes close to the question."""

    def __init__(self, settings: AnswerSettings, extractive: ExtractiveAnswerer):
        self.settings = settings
        self.extractive = extractive

    def should_abstain(self, question: str, hits: list[Hit]) -> bool:
        if not hits or hits[0].score < self.settings.abstain_below:
            return True
        return self.extractive.best_similarity(question, hits) < self.settings.abstain_similarity_below

    def abstain(self, answer: Answer, hits: list[Hit]) -> Answer:
        """Fill ``answer`` with the abstention text, naming the closest papers so the user can judge."""
        closest = hits[: self.settings.closest_papers]
        names = "; ".join(f"\u201c{h.title}\u201d" + (f" ({h.metadata.year})" if h.metadata.year else "") for h in closest)
        answer.text = "The collection does not seem to answer this question." + (f" The closest papers found are: {names}." if names else "")
        answer.abstained = True
        return answer
