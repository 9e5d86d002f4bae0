"""The answering step: rewrite, retrieve, abstain or generate, validate, fall back."""

from __future__ import annotations

import time
from typing import Callable, Iterator

from rag.answer.attribution import CitationAttributor
from rag.answer.citations import CitationValidator
from rag.answer.compact import CompactSources
from rag.answer.extractive import ExtractiveAnswerer
from rag.answer.history import FollowUpRewriter, check_history
from rag.answer.lexical import Stems
from rag.answer.prompts import PromptBuilder
from rag.answer.sentences import SentenceVectors
from rag.answer.types import Answer, TextDelta
from rag.errors import BackendUnavailable, UserError
from rag.records import Hit
from rag.settings import AnswerSettings

Retrieve = Callable[[str, int | None, dict | None], list[Hit]]
ModelFor = Callable[[str], object]


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


class AnswerPipeline:
    """Streams TextDelta events, then the final, validated Answer.

    ``model_for(backend)`` returns a loaded ChatModel (or raises BackendUnavailable);
    the caller owns and caches the models. Streamed text is the raw model output; the
    final Answer carries the validated, renumbered text.
    """

    def __init__(self, settings: AnswerSettings, retrieve: Retrieve, embedder, model_for: ModelFor):
        self.settings = settings
        self.retrieve = retrieve
        self.model_for = model_for
        self.vectors = SentenceVectors(embedder)
        self.extractive = ExtractiveAnswerer(settings, self.vectors, Stems())
        self.validator = CitationValidator(self.vectors, settings.support_threshold)
        self.prompts = PromptBuilder(settings.prompts_path, settings.source_chars)
        self.attributor = CitationAttributor(self.vectors, settings.attribution_threshold)
        self.compact = CompactSources(self.extractive, settings.source_sentences) if settings.source_sentences else None

    def _abstain(self, answer: Answer, hits: list[Hit]) -> Answer:
        closest = hits[: self.settings.closest_papers]
        names = "; ".join(f"\u201c{h.title}\u201d" + (f" ({h.metadata['year']})" if h.metadata.get("year") else "") for h in closest)
        answer.text = "The collection does not seem to answer this question." + (f" The closest papers found are: {names}." if names else "")
        answer.abstained = True
        return answer

    def _should_abstain(self, question: str, hits: list[Hit]) -> bool:
        if not hits or hits[0].score < self.settings.abstain_below:
            return True
        return self.extractive.best_similarity(question, hits) < self.settings.abstain_similarity_below

    def _standalone(self, question: str, history: list[dict[str, str]], backend: str, answer: Answer) -> str:
        complete = None
        if backend != "extractive":
            try:
                complete = self.model_for(backend).complete
            except BackendUnavailable:
                complete = None  # the answer step reports the failure once, below
        rewriter = FollowUpRewriter(self.settings.history_turns, complete, self.prompts.templates["rewrite"])
        try:
            return rewriter.run(question, history)
        except BackendUnavailable as exc:
            answer.notices.append(f"follow-up rewriting by the {backend} backend failed ({exc}); used the keyword rule")
            return FollowUpRewriter(self.settings.history_turns).run(question, history)

    def _generate(self, question: str, hits: list[Hit], backend: str, answer: Answer, start: float) -> Iterator[TextDelta]:
        sources = hits[: self.settings.context_papers]
        pieces: list[str] = []
        model = self.model_for(backend)
        texts = self.compact.run(question, sources) if self.compact else None
        for piece in model.stream(self.prompts.run(question, sources, texts)):
            if not pieces:
                answer.timings["first_token_ms"] = _ms(start)
            pieces.append(piece)
            yield TextDelta(piece)
        checked = self.validator.run("".join(pieces), sources)
        answer.removed_citations = checked.removed
        answer.invalid_citations_before_validation = len(checked.removed)
        if not checked.citations and checked.text:
            attributed = self.validator.run(self.attributor.run(checked.text, sources), sources)
            if attributed.citations:
                answer.notices.append(
                    f"the {backend} model cited no sources; each citation was attributed afterwards to the source sentence its claim restates"
                )
                checked = attributed
        if not checked.citations:
            raise BackendUnavailable("its reply cited none of the sources" if checked.text else "its reply was empty")
        answer.text, answer.citations, answer.sentences, answer.backend = checked.text, checked.citations, checked.sentences, backend

    def _extract(self, question: str, hits: list[Hit], answer: Answer, start: float) -> Iterator[TextDelta]:
        checked = self.validator.run(self.extractive.run(question, hits), hits[: self.settings.context_papers])
        answer.text, answer.citations, answer.sentences, answer.backend = checked.text, checked.citations, checked.sentences, "extractive"
        answer.timings.setdefault("first_token_ms", _ms(start))
        yield TextDelta(answer.text)

    def stream(self, question: str, history=None, filters: dict | None = None, backend: str | None = None,
               top_k: int | None = None) -> Iterator[TextDelta | Answer]:
        start = time.perf_counter()
        backend = backend or self.settings.backend
        if backend not in ("extractive", "local", "openai"):
            raise UserError(f"unknown answer backend '{backend}'; use extractive, local or openai")
        history = check_history(history)
        answer = Answer(question=question, text="", backend=backend)
        answer.standalone_question = self._standalone(question, history, backend, answer) if history else question
        retrieve_start = time.perf_counter()
        answer.sources = self.retrieve(answer.standalone_question, top_k, filters)
        answer.timings["retrieve_ms"] = _ms(retrieve_start)
        generate_start = time.perf_counter()
        if self._should_abstain(answer.standalone_question, answer.sources):
            self._abstain(answer, answer.sources)
            answer.timings["first_token_ms"] = _ms(start)
            yield TextDelta(answer.text)
        elif backend == "extractive":
            yield from self._extract(answer.standalone_question, answer.sources, answer, start)
        else:
            try:
                yield from self._generate(answer.standalone_question, answer.sources, backend, answer, start)
            except BackendUnavailable as exc:
                answer.notices.append(f"the {backend} backend failed: {exc}; showing the extractive answer instead")
                yield from self._extract(answer.standalone_question, answer.sources, answer, start)
        answer.timings["generate_ms"] = _ms(generate_start)
        answer.timings["total_ms"] = _ms(start)
        yield answer

    def run(self, question: str, **options) -> Answer:
        """The final Answer of :meth:`stream`."""
        for event in self.stream(question, **options):
            if isinstance(event, Answer):
                return event
        raise RuntimeError("the answer stream ended without an answer")  # unreachable: stream always yields one
