"""The answering step, as named steps: rewrite the follow-up, retrieve, abstain or write, validate, fall back."""

from __future__ import annotations

import time
from typing import Callable, Iterator

from rag.answer.abstention import AbstentionGate
from rag.answer.attribution import CitationAttributor
from rag.answer.citations import CitationValidator
from rag.answer.compact import CompactSources
from rag.answer.extractive import ExtractiveAnswerer
from rag.answer.history import FollowUpRewriter, check_history
from rag.answer.llm import ChatModel
from rag.answer.prompts import PromptBuilder
from rag.embedding.cache import SentenceVectors
from rag.errors import BackendUnavailable, UserError
from rag.settings import AnswerSettings
from rag.text.words import EnglishStemmer
from rag.types import Answer, Hit, TextDelta

Retrieve = Callable[[str, int | None, dict | None], list[Hit]]
ModelFor = Callable[[str], ChatModel]
BACKENDS = ("extractive", "local", "openai")


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


class AnswerPipeline:
    """Streams TextDelta events, then the final, validated Answer.

    ``model_for(backend)`` returns a loaded ChatModel (or raises BackendUnavailable);
    the caller owns and caches the models. Streamed text is the raw model output; the
    final Answer carries the validated, renumbered text.
    """

    def __init__(self, settings: AnswerSettings, retrieve: Retrieve, vectors: SentenceVectors, model_for: ModelFor):
        self.settings = settings
        self.retrieve = retrieve
        self.model_for = model_for
        self.vectors = vectors
        self.extractive = ExtractiveAnswerer(settings, self.vectors, EnglishStemmer())
        self.abstention = AbstentionGate(settings, self.extractive)
        self.validator = CitationValidator(self.vectors, settings.support_threshold)
        self.prompts = PromptBuilder(settings.prompts_path, settings.source_chars)
        self.attributor = CitationAttributor(self.vectors, settings.attribution_threshold)
        self.compact = CompactSources(self.extractive, settings.source_sentences) if settings.source_sentences else None

    def standalone_question(self, question: str, history: list[dict[str, str]], backend: str, answer: Answer) -> str:
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

    def generate(self, question: str, hits: list[Hit], backend: str, answer: Answer, start: float) -> Iterator[TextDelta]:
        """A model writes the answer from the numbered sources; its markers are then validated (or attributed)."""
        sources = hits[: self.settings.context_papers]
        pieces: list[str] = []
        model = self.model_for(backend)
        texts = self.compact.texts(question, sources) if self.compact else None
        for piece in model.stream(self.prompts.messages(question, sources, texts)):
            if not pieces:
                answer.timings["first_token_ms"] = _ms(start)
            pieces.append(piece)
            yield TextDelta(piece)
        checked = self.validator.validate("".join(pieces), sources)
        answer.removed_citations = checked.removed
        answer.invalid_citations_before_validation = len(checked.removed)
        if not checked.citations and checked.text:
            attributed = self.validator.validate(self.attributor.attribute(checked.text, sources), sources)
            if attributed.citations:
                answer.notices.append(
                    f"the {backend} model cited no sources; each citation was attributed afterwards to the source sentence its claim restates"
                )
                checked = attributed
        if not checked.citations:
            raise BackendUnavailable("its reply cited none of the sources" if checked.text else "its reply was empty")
        answer.text, answer.citations, answer.sentences, answer.backend = checked.text, checked.citations, checked.sentences, backend

    def extract(self, question: str, hits: list[Hit], answer: Answer, start: float) -> Iterator[TextDelta]:
        """The abstracts' own best sentences, each cited, validated like a model's answer."""
        checked = self.validator.validate(self.extractive.compose(question, hits), hits[: self.settings.context_papers])
        answer.text, answer.citations, answer.sentences, answer.backend = checked.text, checked.citations, checked.sentences, "extractive"
        answer.timings.setdefault("first_token_ms", _ms(start))
        yield TextDelta(answer.text)

    def stream(self, question: str, history=None, filters: dict | None = None, backend: str | None = None,
               top_k: int | None = None) -> Iterator[TextDelta | Answer]:
        start = time.perf_counter()
        backend = backend or self.settings.backend
        if backend not in BACKENDS:
            raise UserError(f"unknown answer backend '{backend}'; use extractive, local or openai")
        history = check_history(history)
        answer = Answer(question=question, text="", backend=backend)
        answer.standalone_question = self.standalone_question(question, history, backend, answer) if history else question
        retrieve_start = time.perf_counter()
        answer.sources = self.retrieve(answer.standalone_question, top_k, filters)
        answer.timings["retrieve_ms"] = _ms(retrieve_start)
        generate_start = time.perf_counter()
        if self.abstention.should_abstain(answer.standalone_question, answer.sources):
            self.abstention.abstain(answer, answer.sources)
            answer.timings["first_token_ms"] = _ms(start)
            yield TextDelta(answer.text)
        elif backend == "extractive":
            yield from self.extract(answer.standalone_question, answer.sources, answer, start)
        else:
            try:
                yield from self.generate(answer.standalone_question, answer.sources, backend, answer, start)
            except BackendUnavailable as exc:
                answer.notices.append(f"the {backend} backend failed: {exc}; showing the extractive answer instead")
                yield from self.extract(answer.standalone_question, answer.sources, answer, start)
        answer.timings["generate_ms"] = _ms(generate_start)
        answer.timings["total_ms"] = _ms(start)
        yield answer

    def answer(self, question: str, **options) -> Answer:
        """The final Answer of :meth:`stream`."""
        for event in self.stream(question, **options):
            if isinstance(event, Answer):
                return event
        raise RuntimeError("the answer stream ended without an answer")  # unreachable: stream always yields one
