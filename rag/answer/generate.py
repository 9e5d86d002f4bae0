"""A model writes the answer: a prompt per question kind, then citation checks and a coverage check.

After generation every marker is validated (a marker may only name a retrieved paper). A
reply with no marker gets post-hoc attribution. For list and compare questions, a planned
paper the model left out gets its extractive item appended, with a notice, so a small model
cannot silently drop half of a list; a fact question's asked figure that the model left out gets
the abstract's sentence that reports it.
"""

from __future__ import annotations

import re
from typing import Callable, Iterator

from rag.answer.attribution import CitationAttributor
from rag.answer.citations import CitationValidator, Validated
from rag.answer.compact import CompactSources
from rag.answer.llm import ChatModel
from rag.answer.naming import list_item, paper_name
from rag.answer.prompts import PromptBuilder
from rag.answer.shapes import ShapedAnswerer
from rag.errors import BackendUnavailable
from rag.question.quantities import reports_quantity
from rag.text.markers import cite, rewrite_markers, strip_markers
from rag.text.sentences import split_sentences
from rag.text.words import words
from rag.types import Hit, QuestionPlan, TextDelta

OPENING = re.compile(r"\W*\d+\s+papers?\b", re.IGNORECASE)  # the list prompt's opening line: "3 papers in the collection ..."
CLAUSE_END = re.compile(r"[:.]\s")
BARE_WORDS = 6  # fewer words than this, markers aside, and an answer states no evidence ("Yes, it does [1].")


class ModelWriter:
    """Streams a model's answer, then returns the validated result (or raises BackendUnavailable)."""

    def __init__(self, prompts: PromptBuilder, validator: CitationValidator, attributor: CitationAttributor,
                 compact: CompactSources | None, shaped: ShapedAnswerer):
        self.prompts = prompts
        self.validator = validator
        self.attributor = attributor
        self.compact = compact
        self.shaped = shaped

    def stream(self, model: ChatModel, plan: QuestionPlan, sources: list[Hit], on_first: Callable[[], None]) -> Iterator[TextDelta | Validated]:
        question = plan.search_text or plan.question
        texts = self.compact.texts(question, sources) if self.compact else None
        pieces: list[str] = []
        for piece in model.stream(self.prompts.messages(question, sources, texts, kind=plan.kind)):
            if not pieces:
                on_first()
            pieces.append(piece)
            yield TextDelta(piece)
        yield self.check("".join(pieces), sources)

    def check(self, reply: str, sources: list[Hit]) -> Validated:
        checked = self.validator.validate(reply, sources)
        if not checked.citations and checked.text:
            attributed = self.validator.validate(self.attributor.attribute(checked.text, sources), sources)
            if attributed.citations:
                attributed.removed = checked.removed
                attributed.attributed = True
                checked = attributed
        if not checked.citations:
            raise BackendUnavailable("its reply cited none of the sources" if checked.text else "its reply was empty")
        return checked

    def cover(self, checked: Validated, plan: QuestionPlan, sources: list[Hit], planned: list[int]) -> tuple[Validated, list[str]]:
        """Append an extractive item for each planned paper the model did not cite; returns the names added."""
        cited = self.itemised(checked) if plan.kind == "list" else {c.paper_id for c in checked.citations}
        left_out = [i for i in planned if sources[i].paper_id not in cited]
        if not left_out or plan.kind not in ("list", "compare"):
            return checked, []
        sentences = self.shaped.best_sentences(plan.search_text or plan.question, sources, left_out, plan.quantity)
        lines = [list_item(paper_name(sources[i].title, sources[i].abstract), " ".join(cite(text, i + 1) for text in sentences[i]))
                 for i in left_out if i in sentences]
        return self.append(checked, sources, "\n" + "\n".join(lines)), [sources[i].title for i in left_out if i in sentences]

    @staticmethod
    def itemised(checked: Validated) -> set[str]:
        """Papers a list answer cites outside its opening count line ("3 papers in the collection address ...").

        A small model often cites every paper in that line and writes no item for them
        ("1 paper in the collection addresses the need for test-time tuning. [1]"): cited, but the
        user learns nothing about the paper, so it gets its extractive item like a paper left out.
        """
        by_number = {c.number: c.paper_id for c in checked.citations}
        sentences = checked.sentences
        opening = strip_markers(sentences[0].text) if sentences else ""
        # An opening that runs on into an item ("... draft tokens. - EESD utilizes a segment of the LLM [1].") is an item.
        run_on = CLAUSE_END.split(opening + " ", maxsplit=1)[1:]
        if OPENING.match(opening) and len(words(run_on[0] if run_on else "")) < BARE_WORDS:
            sentences = sentences[1:]
            while sentences and not words(strip_markers(sentences[0].text)):  # its markers, split off: "... tuning. [1]"
                sentences = sentences[1:]
        return {by_number[int(n)] for sentence in sentences for n in sentence.citations if int(n) in by_number}

    def cover_figure(self, checked: Validated, plan: QuestionPlan, sources: list[Hit]) -> tuple[Validated, bool]:
        """A fact question asking for a named figure ("What speedup does X report?") whose model answer states none:
        the sentence of a cited abstract that reports it is appended, cited. Returns whether one was.

        A small model often answers such a question with the paper's method and no number; the
        extractive answer's figure sentence is then what the user asked for. Only a named quantity
        (speedup, FID, accuracy, ...): "how many bits ..." may ask which model was used, and only the
        papers the model cited, the ones its answer is about.
        """
        if plan.kind != "fact" or plan.quantity in (None, "count", "amount"):
            return checked, False
        if any(reports_quantity(sentence, plan.quantity) for sentence in split_sentences(strip_markers(checked.text))):
            return checked, False
        cited = self.cited_sources(checked, sources)
        best = self.shaped.best_sentences(plan.search_text or plan.question, sources, cited, plan.quantity)
        for i in cited:
            figure = next((text for text in best.get(i, []) if reports_quantity(text, plan.quantity)), None)
            if figure:
                return self.quote(checked, sources, i, figure), True
        return checked, False

    def cover_bare(self, checked: Validated, plan: QuestionPlan, sources: list[Hit]) -> tuple[Validated, bool]:
        """A fact, yes/no or method answer with no evidence in it ("No [1].") gets the cited paper's best sentence.

        The yes/no prompt asks for "Yes" or "No" and then the evidence; a 1.5B model often stops after
        the first word, which leaves the user to open the paper to learn why. Returns whether one was added.
        """
        if plan.kind in ("list", "compare") or not checked.citations or len(words(strip_markers(checked.text))) >= BARE_WORDS:
            return checked, False
        first = self.cited_sources(checked, sources)[0]
        best = self.shaped.best_sentences(plan.search_text or plan.question, sources, [first], plan.quantity).get(first)
        if not best:
            return checked, False
        return self.quote(checked, sources, first, best[0]), True

    @staticmethod
    def cited_sources(checked: Validated, sources: list[Hit]) -> list[int]:
        """Indexes into ``sources`` of the papers ``checked`` cites, in the order of their markers."""
        index = {h.paper_id: i for i, h in enumerate(sources)}
        return list(dict.fromkeys(index[c.paper_id] for c in checked.citations))

    def quote(self, checked: Validated, sources: list[Hit], i: int, sentence: str) -> Validated:
        """``checked`` with ``sentence`` of ``sources[i]``'s abstract appended as a cited quote."""
        return self.append(checked, sources, "\n\nFrom the abstract: " + cite(sentence, i + 1))

    def append(self, checked: Validated, sources: list[Hit], addition: str) -> Validated:
        """``checked`` with ``addition`` (markers citing by source index, from 1) appended, validated again."""
        # Markers of the checked text are already renumbered; the addition cites by source index, so
        # the whole text is validated again against the same sources with the old numbers mapped back.
        index = {h.paper_id: i for i, h in enumerate(sources)}
        back = {c.number: index[c.paper_id] + 1 for c in checked.citations}
        text = rewrite_markers(checked.text, lambda numbers: [back[n] for n in numbers if n in back])
        rechecked = self.validator.validate(text + addition, sources)
        rechecked.removed, rechecked.attributed = checked.removed, checked.attributed
        return rechecked
