"""Which papers an answer is about: the list cut for "which papers" questions, and each compared side's paper.

The list cut is a per-paper relevance decision (a logistic model over the paper's retrieval
and sentence evidence, fitted by ``eval/fit_answers.py`` on labelled lists), not a fixed k:
a question with seven matching papers lists seven, one with three lists three.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from rag.answer.evidence import PAPER_FEATURES, PaperEvidence, logistic, paper_features
from rag.answer.answerability import introduces, owns, specific_subject
from rag.errors import UserError
from rag.question.quantities import reports_quantity
from rag.retrieval.planned import PlannedHits, mentions
from rag.types import Hit, QuestionPlan

N_FEATURES = len(PAPER_FEATURES)


class PaperSelector:
    """Chooses the source indexes (0-based) an answer's items are written about."""

    def __init__(self, weights: list[float], threshold: float, max_papers: int, coherence: float = 1.0):
        if len(weights) != N_FEATURES + 1:
            raise UserError(f"answer.list_cut_weights needs {N_FEATURES + 1} numbers (a bias and one weight per paper feature); see config/default.yaml")
        self.weights = weights
        self.threshold = threshold
        self.max_papers = max_papers
        self.coherence = coherence

    def probabilities(self, evidence: list[PaperEvidence]) -> list[float]:
        return [float(p) for p in logistic(self.weights, paper_features(evidence))] if evidence else []

    def list_papers(self, evidence: list[PaperEvidence], count: int | None = None) -> list[int]:
        """Every paper above the cut, best first, at most ``max_papers``; the best paper always.

        A question that states how many papers it is about ("the two codecs") gets that many
        (see :meth:`coherent_set`), in retrieval order.
        """
        probabilities = self.probabilities(evidence)
        if count:
            return self.coherent_set(evidence, probabilities, min(count, self.max_papers))
        chosen = [i for i, p in enumerate(probabilities) if p >= self.threshold and not evidence[i].contradicts]
        return chosen[: self.max_papers] or ([0] if evidence else [])

    def coherent_set(self, evidence: list[PaperEvidence], probabilities: list[float], count: int) -> list[int]:
        """``count`` papers with the most relevance plus ``coherence`` × their mean title cosine to each other.

        "The two neural audio codecs", "ZeRO and its follow-up": the papers asked about belong
        together, so a relevant paper unlike the rest ("machine perception under lossy
        compression") loses to one that is both relevant and alike. Greedy from the best pair,
        among the first ``max_papers`` (exhaustive for a pair).
        """
        pool = list(range(min(len(evidence), max(self.max_papers, count))))
        if count >= len(pool):
            return pool
        if count == 1 or any(evidence[i].title_vector is None for i in pool):
            return sorted(sorted(pool, key=lambda i: -probabilities[i])[:count])
        vectors = np.array([evidence[i].title_vector for i in pool])
        alike = vectors @ vectors.T

        def worth(members: list[int]) -> float:
            pairs = [alike[a, b] for k, a in enumerate(members) for b in members[k + 1:]]
            return sum(probabilities[i] for i in members) + self.coherence * float(np.mean(pairs))

        chosen = list(max(combinations(pool, 2), key=lambda pair: worth(list(pair))))
        while len(chosen) < count:
            chosen.append(max((i for i in pool if i not in chosen), key=lambda i: worth([*chosen, i])))
        return sorted(chosen)

    def closest_papers(self, evidence: list[PaperEvidence], margin: float, term_weight: float = 0.0, break_margin: float = 0.0) -> list[int]:
        """"Which of them ...?" asked of papers already shown: those that come closest to it.

        They are all on the topic (the list cut would keep every one), so what decides is which
        of them says something close to the new question: its best sentence's similarity, plus
        ``term_weight`` times the most of the question's IDF-weighted words one of its sentences
        holds. The words matter because MiniLM hardly tells "tested on LLaMA" or "needs no
        test-time tuning" from the rest of the topic, while the one paper that says so holds them.
        """
        if not evidence:
            return []
        # "Which of them needs no fine-tuning?": a paper that says it is fine-tuned, and never that it is not, is out.
        allowed = [i for i, e in enumerate(evidence) if not e.contradicts] or list(range(len(evidence)))
        closeness = [e.best_similarity + term_weight * e.sentence_coverage for e in evidence]
        best = max(closeness[i] for i in allowed)
        ranked = sorted(allowed, key=lambda i: -closeness[i])
        chosen = [i for i in ranked if closeness[i] >= best - margin]
        # Up to ``break_margin`` below the best, the papers above the largest drop in closeness join too:
        # where two papers say it, the second can sit 0.1 below the first and both far above the rest.
        wide = [i for i in ranked if closeness[i] >= best - break_margin]
        if len(wide) > len(chosen):
            drops = [closeness[ranked[k]] - (closeness[ranked[k + 1]] if k + 1 < len(ranked) else 0.0) for k in range(len(wide))]
            chosen = ranked[: max(len(chosen), drops.index(max(drops)) + 1)]
        return chosen[: self.max_papers]

    @staticmethod
    def subject_papers(plan: QuestionPlan, hits: list[Hit]) -> list[Hit]:
        """A question about one named method ("Does RECE need fine-tuning?") is answered from that method's own papers.

        Otherwise a paper that says something close about another method ("Zero-TPrune eliminates the
        need for fine-tuning") outscores it. Unchanged when no retrieved paper owns the name.
        """
        asked = specific_subject(plan)
        if not asked:
            return hits
        return [h for h in hits if owns(h, asked)] or hits

    def reporting_papers(self, evidence: list[PaperEvidence], chosen: list[int], quantity: str | None) -> list[int]:
        """A topic compare "in speedup": the chosen papers that report the figure; each one that reports none gives
        its place to the likeliest relevant paper that does and is at least half as likely relevant as the cut asks.
        Unchanged when fewer than two papers would report one.

        A paper that states no speedup cannot be compared in speedup, and an item without a figure pushes
        out a paper just under the cut that has one ("BiTA ... 2.7x" behind "we propose EESD").
        """
        if quantity in (None, "count", "amount") or not chosen:
            return chosen
        reports = [any(reports_quantity(s, quantity) for s in e.sentences) for e in evidence]
        probabilities = self.probabilities(evidence)
        kept = [i for i in chosen if reports[i]]
        near = sorted((i for i, p in enumerate(probabilities)
                       if i not in chosen and reports[i] and p >= self.threshold / 2 and not evidence[i].contradicts),
                      key=lambda i: -probabilities[i])
        reporting = sorted([*kept, *near[: len(chosen) - len(kept)]])
        return reporting if len(reporting) >= 2 else chosen

    def compared_papers(self, plan: QuestionPlan, planned: PlannedHits, evidence: list[PaperEvidence]) -> list[int]:
        """One paper per named side (its own best match, preferring one that names it); a topic compare is a list."""
        if len(planned.sides) < 2:
            chosen = self.list_papers(evidence, plan.count)
            # A stated count ("the two codecs") names the papers; otherwise those that report the asked figure come first.
            return chosen if plan.count else self.reporting_papers(evidence, chosen, plan.quantity)
        index = {e.hit.paper_id: i for i, e in enumerate(evidence)}
        chosen: list[int] = []
        for side, ranked in zip(plan.entities, planned.sides):
            if side in planned.missing:
                continue
            # Of the side's best three, one that names it; the paper that introduced the method before one that
            # revisits it ("DARE the Extreme" after "... an operation called DARE"), and one about it before one citing it.
            named = sorted((h for h in ranked[:3] if mentions(h, side)), key=lambda h: (not introduces(h, side), not owns(h, side))) or ranked[:1]
            for hit in named:
                if hit.paper_id in index and index[hit.paper_id] not in chosen:
                    chosen.append(index[hit.paper_id])
                    break
        return chosen or self.list_papers(evidence)
