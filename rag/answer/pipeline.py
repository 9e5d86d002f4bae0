"""The answering step, as named steps: plan → retrieve → judge answerability → choose papers → write → validate.

Writing is extractive (the abstracts' own sentences) or by a model; a model that fails, or
cites nothing a source supports, is replaced by the extractive answer with a notice.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Iterator

from rag.answer.abstention import AbstentionGate
from rag.answer.answerability import cited_sides, missing_subject, names_present, owns
from rag.answer.attribution import CitationAttributor
from rag.answer.citations import CitationValidator, Validated
from rag.answer.compact import CompactSources
from rag.answer.evidence import EvidenceReader, PaperEvidence
from rag.answer.extractive import ExtractiveAnswerer
from rag.answer.generate import ModelWriter
from rag.answer.history import FollowUpRewriter, check_history
from rag.answer.llm import ChatModel
from rag.answer.metadata import RecordAnswerer, asks_authors, topicless
from rag.answer.prompts import PromptBuilder
from rag.answer.selection import PaperSelector
from rag.answer.shapes import Shaped, ShapedAnswerer, figure_table
from rag.embedding.cache import SentenceVectors
from rag.errors import BackendUnavailable, UserError
from rag.question.planner import QuestionPlanner
from rag.question.quantities import quantity_cue, reports_quantity
from rag.question.referents import describes_one, refers_to_one
from rag.retrieval.planned import PlannedHits, PlannedSearch
from rag.settings import AnswerSettings
from rag.storage.bm25 import BM25Store
from rag.text.words import EnglishStemmer
from rag.types import Answer, Hit, QuestionPlan, TextDelta

ModelFor = Callable[[str], ChatModel]
BACKENDS = ("extractive", "local", "openai")


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


@dataclass
class Judged:
    """What the answerability step saw: per-paper evidence, and whether (and how surely) the collection answers."""

    evidence: list[PaperEvidence]
    answerable: bool
    confidence: float


class AnswerPipeline:
    """Streams TextDelta events, then the final, validated Answer.

    ``model_for(backend)`` returns a loaded ChatModel (or raises BackendUnavailable); the
    caller owns and caches the models. Streamed text is the raw model output; the final
    Answer carries the validated, renumbered text.
    """

    def __init__(self, settings: AnswerSettings, planner: QuestionPlanner, search: PlannedSearch, bm25: BM25Store,
                 vectors: SentenceVectors, model_for: ModelFor):
        self.settings = settings
        self.planner = planner
        self.search = search
        self.bm25 = bm25
        self.model_for = model_for
        self.extractive = ExtractiveAnswerer(settings, vectors, EnglishStemmer())
        self.shaped = ShapedAnswerer(self.extractive, settings.figure_bonus, settings.contribution_bonus)
        self.evidence = EvidenceReader(vectors, bm25.tokenizer)
        self.abstention = AbstentionGate(settings)
        self.records = RecordAnswerer()
        self.selector = PaperSelector(settings.list_cut_weights, settings.list_cut_threshold, settings.max_list_papers,
                                      settings.stated_count_coherence)
        self.validator = CitationValidator(vectors, settings.support_threshold)
        self.prompts = PromptBuilder(settings.prompts_path, settings.source_chars)
        compact = CompactSources(self.extractive, settings.source_sentences) if settings.source_sentences else None
        self.writer = ModelWriter(self.prompts, self.validator, CitationAttributor(vectors, settings.attribution_threshold), compact, self.shaped)

    # -- steps ------------------------------------------------------------------------

    def plan(self, question: str, history: list[dict], backend: str, answer: Answer) -> QuestionPlan:
        """The question's plan; a follow-up whose earlier papers are unknown is rewritten to stand alone."""
        plan = self.planner.plan(question, history)
        if plan.follow_up and not plan.within:
            plan.search_text = self.standalone_question(plan.search_text, history, backend, answer)
        return plan

    def standalone_question(self, question: str, history: list[dict], backend: str, answer: Answer) -> str:
        """The follow-up rewritten to stand alone (by the backend's model when it has one, else by the keyword rule)."""
        complete = None
        if backend != "extractive":
            try:
                complete = self.model_for(backend).complete
            except BackendUnavailable:
                complete = None  # the answer step reports the failure once, below
        rewriter = FollowUpRewriter(self.settings.history_turns, complete, self.prompts.templates["rewrite"])
        try:
            return rewriter.rewrite(question, history)
        except BackendUnavailable as exc:
            answer.notices.append(f"follow-up rewriting by the {backend} backend failed ({exc}); used the keyword rule")
            return FollowUpRewriter(self.settings.history_turns).rewrite(question, history)

    def question_weights(self, question: str) -> dict[str, float]:
        """The question's terms with their IDF in the collection: what coverage is measured against.

        One home for both the answer step and eval/fit_answers.py, so the fitted models see the
        weights they are used with. Question scaffolding ("which", "those", "were") stays in:
        dropping it and refitting was tried on dev (docs/BENCHMARKS.md) and did not help there.
        """
        return self.bm25.term_weights(question)

    def read_evidence(self, plan: QuestionPlan, hits: list[Hit]) -> tuple[list[dict[str, float]], list[PaperEvidence]]:
        """The question's term weights (one dict per reading of its "A or B" alternatives), and what each hit
        offers it; one home for the answer step and eval/fit_answers.py."""
        question = plan.search_text or plan.question
        views = self.evidence.views(question, self.question_weights(question), either=plan.kind != "compare")
        return views, self.evidence.read(question, views, hits, constraints=plan.kind == "list")

    def judge(self, plan: QuestionPlan, planned: PlannedHits) -> Judged:
        views, evidence = self.read_evidence(plan, planned.hits)
        if plan.within:
            # Asked of papers already shown: they are on the topic, so the question is whether one of
            # them says anything close to it (the answerability model was fitted on fresh questions).
            best = max((e.best_similarity for e in evidence), default=0.0)
            # "What bitrate does the third one reach?" of a paper that says "8kbps": MiniLM puts that sentence
            # far from the question, but it is the answer. A named quantity needs its own words beside the number.
            reported = plan.quantity is not None and any(quantity_cue(s, plan.quantity) and reports_quantity(s, plan.quantity)
                                                         for e in evidence for s in e.sentences)
            return Judged(evidence, best >= self.settings.follow_up_min_similarity or reported, best)
        confidence = self.abstention.confidence(plan, views, self.bm25.unseen_weight(), evidence)
        if names_present(plan, planned.sides, planned.missing, evidence):
            return Judged(evidence, True, max(confidence, self.settings.answerability_threshold))
        return Judged(evidence, confidence >= self.settings.answerability_threshold, confidence)

    def choose(self, plan: QuestionPlan, planned: PlannedHits, judged: Judged) -> list[int]:
        """The source indexes the answer is about (lists and compares; a fact answer picks its own sentences)."""
        if plan.kind == "list" and plan.within:
            closest = self.selector.closest_papers(judged.evidence, self.settings.follow_up_margin, self.settings.follow_up_term_weight,
                                                   self.settings.follow_up_break_margin)
            # "Which of them looks at X, and what does it examine?" asks for one paper: the closest.
            return closest[: plan.count] if plan.count else closest
        if plan.kind == "list":
            return self.selector.list_papers(judged.evidence, plan.count)
        if plan.kind == "compare":
            return self.selector.compared_papers(plan, planned, judged.evidence)
        return []

    def compose(self, plan: QuestionPlan, hits: list[Hit], chosen: list[int]) -> tuple[str, list[Hit], Shaped | None]:
        """The extractive text (markers index the returned sources) and, for a shaped answer, its parts."""
        if plan.kind == "list":
            # A list cut off at its most papers may leave relevant ones out: "At least 8 papers ...".
            shaped = self.shaped.list_answer(plan, hits, chosen, capped=not plan.count and len(chosen) >= self.settings.max_list_papers)
        elif plan.kind == "compare":
            shaped = self.shaped.compare_answer(plan, hits, chosen)
        else:
            sources = self.selector.subject_papers(plan, hits[: self.settings.context_papers])
            return self.extractive.compose(plan.search_text or plan.question, sources, plan.kind), sources, None
        return shaped.text, hits, shaped

    def extract(self, plan: QuestionPlan, hits: list[Hit], chosen: list[int], answer: Answer, start: float) -> Iterator[TextDelta]:
        """The abstracts' own best sentences, each cited, validated like a model's answer."""
        text, sources, shaped = self.compose(plan, hits, chosen)
        self.finish(answer, self.validator.validate(text, sources), shaped, plan, "extractive")
        answer.timings.setdefault("first_token_ms", _ms(start))
        yield TextDelta(answer.text)

    def fact_sources(self, plan: QuestionPlan, hits: list[Hit]) -> list[Hit]:
        """The papers a model reads for a fact, method or yes/no question (``answer.model_fact_sources``).

        A question about one named method is written from that method's own papers, as the extractive
        answer is. With "answering", only the papers whose sentences the extractive answer quotes: given the
        best context_papers, the 1.5B model's first token came 2–3× later (it reads them all) for the same
        keywords, and it sometimes cited a paper that does not answer (docs/BENCHMARKS.md).
        """
        sources = self.selector.subject_papers(plan, hits[: self.settings.context_papers])
        if self.settings.model_fact_sources == "answering":
            answering = self.extractive.answering_papers(plan.search_text or plan.question, sources, plan.kind)
            sources = [sources[i] for i in answering] or sources
        return sources

    def generate(self, plan: QuestionPlan, hits: list[Hit], chosen: list[int], backend: str, answer: Answer, start: float) -> Iterator[TextDelta]:
        """A model writes the answer; markers are validated, and planned papers it left out are added."""
        # A list or compare is written over the papers the cut chose (short prompts, and [n] means one of them);
        # anything else over the best context_papers.
        if plan.kind in ("list", "compare") and chosen:
            sources, chosen = [hits[i] for i in chosen], list(range(len(chosen)))
        else:
            sources = self.fact_sources(plan, hits)
        checked = None

        def first_token() -> None:
            answer.timings["first_token_ms"] = _ms(start)

        for event in self.writer.stream(self.model_for(backend), plan, sources, first_token):
            if isinstance(event, TextDelta):
                yield event
            else:
                checked = event
        checked, added = self.writer.cover(checked, plan, sources, chosen)
        checked, figure = self.writer.cover_figure(checked, plan, sources)
        checked, bare = self.writer.cover_bare(checked, plan, sources)
        if checked.attributed:
            answer.notices.append(f"the {backend} model cited no sources; each citation was attributed afterwards to the source sentence its claim restates")
        if added:
            answer.notices.append(f"the {backend} model left out {len(added)} of the papers found; their sentences were added from the abstracts")
        if figure:
            answer.notices.append(f"the {backend} model's answer gave no {plan.quantity} figure; the abstract's sentence that reports it was added")
        if bare:
            answer.notices.append(f"the {backend} model's answer stated no evidence; the cited abstract's best sentence was added")
        # A compare gets the same table of reported figures as the extractive answer, read from the abstracts
        # (rows only for papers the answer cites): a small model's prose often drops the numbers.
        shaped = self.shaped.compare_answer(plan, sources, chosen) if plan.kind == "compare" and chosen else None
        self.finish(answer, checked, shaped, plan, backend)

    def finish(self, answer: Answer, checked: Validated, shaped: Shaped | None, plan: QuestionPlan, backend: str) -> None:
        table = figure_table(shaped, checked.citations, plan.quantity) if shaped and plan.kind == "compare" else ""
        answer.text = checked.text + (f"\n\n{table}" if table else "")
        answer.citations, answer.sentences, answer.backend = checked.citations, checked.sentences, backend
        answer.removed_citations = checked.removed
        answer.invalid_citations_before_validation = len(checked.removed)

    # -- the whole step -----------------------------------------------------------------

    def stream(self, question: str, history=None, filters: dict | None = None, backend: str | None = None,
               top_k: int | None = None, without: list[str] | None = None) -> Iterator[TextDelta | Answer]:
        start = time.perf_counter()
        backend = backend or self.settings.backend
        if backend not in BACKENDS:
            raise UserError(f"unknown answer backend '{backend}'; use extractive, local or openai")
        history = check_history(history)
        answer = Answer(question=question, text="", backend=backend)
        plan = answer.plan = self.plan(question, history, backend, answer)
        for key in without or []:  # filters read from the question that the user removed ("within": the follow-up scope)
            if key == "within":
                plan.within, plan.follow_up = [], False
            plan.filters.pop(key, None)
        answer.standalone_question = plan.search_text
        retrieve_start = time.perf_counter()
        planned = self.find(plan, top_k, filters)
        judged = self.judge(plan, planned)
        if len(plan.within) > 1 and plan.kind != "list" and describes_one(plan.question) and judged.evidence:
            # "Which datasets was the one aimed at medical image segmentation evaluated on?": the earlier paper
            # that comes closest to the description is "the one", and the answer is about it alone.
            closest = self.selector.closest_papers(judged.evidence, 0.0, self.settings.follow_up_term_weight)[0]
            plan.within = [planned.hits[closest].paper_id]
            planned = self.find(plan, top_k, filters)
            judged = self.judge(plan, planned)
        about_one = len(plan.within) == 1 and (refers_to_one(plan.question) or describes_one(plan.question))
        if plan.within and not judged.answerable and not about_one and not asks_authors(plan.question):
            # None of the earlier papers says anything close: the question may not be about them after
            # all, so it is asked of the whole collection (which may still find that nothing answers it).
            answer.notices.append(f"none of the previous answer's {len(plan.within)} papers answers this; searched the whole collection")
            plan.within, plan.follow_up = [], False
            planned = self.find(plan, top_k, filters)
            judged = self.judge(plan, planned)
        answer.sources = planned.hits
        answer.timings["retrieve_ms"] = _ms(retrieve_start)
        generate_start = time.perf_counter()
        answer.confidence = round(judged.confidence, 4)
        if self.settle(plan, planned, judged, answer, about_one):
            answer.timings["first_token_ms"] = _ms(start)
            yield TextDelta(answer.text)
        else:
            yield from self.write(plan, planned, self.choose(plan, planned, judged), backend, answer, start)
        answer.timings["generate_ms"] = _ms(generate_start)
        answer.timings["total_ms"] = _ms(start)
        yield answer

    def settle(self, plan: QuestionPlan, planned: PlannedHits, judged: Judged, answer: Answer, about_one: bool) -> bool:
        """Fill ``answer`` when it needs no writing: an answer from papers' records, or an abstention.

        False when the answer is to be written (:meth:`write`).
        """
        recorded = self.from_records(plan, planned, judged)
        if recorded:
            answer.text, answer.citations = recorded
        elif about_one and not judged.answerable and planned.hits:
            self.abstention.abstain_about(answer, planned.hits[0])
        elif missing := missing_subject(plan, judged.evidence):
            # "How does SparseGPT prune LLMs?" with no paper about SparseGPT: papers that only cite it do not answer.
            answer.confidence = min(answer.confidence, 0.0)
            self.abstention.abstain(answer, planned.hits, [missing])
        elif not judged.answerable or (planned.missing and len(planned.missing) == len(planned.sides)):
            self.abstention.abstain(answer, planned.hits, planned.missing)
        else:
            return False
        return True

    def from_records(self, plan: QuestionPlan, planned: PlannedHits, judged: Judged) -> tuple[str, list] | None:
        """The answer from papers' records (rag.answer.metadata), when the question asks for nothing an abstract says.

        "Who wrote ...?" is answered for the papers a follow-up points to, or for the best paper when the question
        names it (its title, or its method's name) or is judged answerable. A list question that is nothing but
        filters ("Which papers by Remedios are in the collection?") lists the papers they match.
        """
        hits = planned.hits
        if not hits:
            return None
        if asks_authors(plan.question):
            if plan.within:
                papers = hits[: self.settings.max_list_papers]
            # Named, or judged answerable at better than even odds: at the usual cut (0.25) "Who wrote the paper on protein
            # folding?" was answerable (0.31) with a hypergraph paper first; papers the question describes scored 0.74-0.89.
            elif (judged.confidence >= 0.5 or any(owns(hits[0], name) for name in plan.entities)
                  or hits[0].title.lower() in plan.question.lower()):
                papers = hits[:1]
            else:
                return None
            return self.records.authors(papers), self.records.citations(papers)
        if plan.kind == "list" and plan.filters and not plan.within and topicless(plan.search_text or plan.question):
            papers = hits[: self.settings.max_list_papers]
            return self.records.listing(papers, plan.filters, more=len(hits) > len(papers)), self.records.citations(papers)
        return None

    def find(self, plan: QuestionPlan, top_k: int | None, filters: dict | None) -> PlannedHits:
        """The plan's papers. A compare side that the collection only cites counts as missing, like one it never names."""
        planned = self.search.search(plan, top_k, filters)
        planned.missing = planned.missing + cited_sides(plan, planned.sides, planned.missing)
        return planned

    def write(self, plan: QuestionPlan, planned: PlannedHits, chosen: list[int], backend: str, answer: Answer, start: float) -> Iterator[TextDelta]:
        """The answer proper, once the question is judged answerable; a compare side the collection lacks gets a notice."""
        # Only here: an abstention names the missing side in its own text, and "left out of the
        # comparison" beside "cannot answer this question" told the user two different things.
        if planned.missing:
            answer.notices.append(self.abstention.missing_notice(planned.missing))
        if backend == "extractive":
            yield from self.extract(plan, planned.hits, chosen, answer, start)
        else:
            try:
                yield from self.generate(plan, planned.hits, chosen, backend, answer, start)
            except BackendUnavailable as exc:
                answer.notices.append(f"the {backend} backend failed: {exc}; showing the extractive answer instead")
                yield from self.extract(plan, planned.hits, chosen, answer, start)

    def answer(self, question: str, **options) -> Answer:
        """The final Answer of :meth:`stream`."""
        for event in self.stream(question, **options):
            if isinstance(event, Answer):
                return event
        raise RuntimeError("the answer stream ended without an answer")  # unreachable: stream always yields one
