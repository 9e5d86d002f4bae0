"""When to say "the collection does not answer this", and how to say it."""

from __future__ import annotations

from rag.answer.answerability import AnswerabilityModel, question_features
from rag.answer.evidence import PaperEvidence
from rag.settings import AnswerSettings
from rag.text.topicality import Topicality
from rag.text.words import spoken_list
from rag.types import Answer, Hit, QuestionPlan


class AbstentionGate:
    """The answerability model's verdict, and the abstention text that names the closest papers."""

    def __init__(self, settings: AnswerSettings):
        self.settings = settings
        self.model = AnswerabilityModel(settings.answerability_weights, settings.answerability_threshold)
        self.topicality = Topicality.load(settings.topicality_path)

    def confidence(self, plan: QuestionPlan, views: list[dict[str, float]], unseen_weight: float, evidence: list[PaperEvidence]) -> float:
        """p(the collection answers the question); 0 when nothing was retrieved. ``views``: see EvidenceReader.views."""
        if not evidence:
            return 0.0
        return self.model.probability(question_features(plan, views, unseen_weight, evidence, self.topicality))

    @staticmethod
    def missing_notice(missing: list[str]) -> str:
        names = spoken_list((f"\u201c{m}\u201d" for m in missing), "or")
        return f"the collection has no paper about {names}, so it is left out of the comparison"

    @staticmethod
    def abstain_about(answer: Answer, paper: Hit) -> Answer:
        """A follow-up about one earlier paper ("Does it use a transformer?") that the paper does not answer.

        Said of that paper: the whole collection is not searched instead, because "it" is that paper,
        and sentences about transformers from four other papers answered a question nobody asked.
        """
        answer.text = (f"\u201c{paper.title}\u201d does not seem to answer this: its abstract says nothing close to it. "
                       "Ask without \u201cit\u201d or \u201cthe second one\u201d to search the whole collection.")
        answer.abstained = True
        return answer

    def abstain(self, answer: Answer, hits: list[Hit], missing: list[str] | None = None) -> Answer:
        """Fill ``answer`` with the abstention text, naming the closest papers so the user can judge."""
        closest = hits[: self.settings.closest_papers]
        names = "; ".join(f"\u201c{h.title}\u201d" + (f" ({h.metadata.year})" if h.metadata.year else "") for h in closest)
        if missing:
            lead = f"The collection has no paper about {spoken_list(missing, 'or')}, so it cannot answer this question."
        else:
            lead = "The collection does not seem to answer this question."
        answer.text = lead + (f" The closest papers found are: {names}." if names else "")
        answer.abstained = True
        return answer
