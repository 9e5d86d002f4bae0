"""Follow-ups: which earlier papers "them", "these", "which of those", "the second one" point to.

An assistant message in the history may carry ``paper_ids`` (the chat, the eval runner and
the OpenAI-style API all send them); otherwise the papers are read back from the message's
"References:" block by title.
"""

from __future__ import annotations

import re
from typing import Callable

from rag.ingest.identity import normalize_title
from rag.text.words import words

# Words that point back at an earlier answer, or open a follow-up. Not "such" ("concepts such as
# nudity"), "both" or "either", which fresh questions use as often as follow-ups do.
_CUES = frozenset("it its they them their theirs those these ones former latter".split())
_OPENERS = re.compile(r"^\s*(and|or|but|also|so|what about|how about|then|same|which of|of these|of those|among)\b", re.IGNORECASE)
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "1st": 1, "2nd": 2, "3rd": 3}
_ORDINAL = re.compile(r"\bthe\s+(first|second|third|fourth|fifth|sixth|seventh|eighth|1st|2nd|3rd|last)\s+(?:one|paper|method|approach)\b", re.I)
# "which ones", "which of them", "any of those": a choice among the papers the conversation is about.
_SELECTION = re.compile(r"\b(?:which|any|none|all|each|some|how\s+many)\s+(?:ones?|of\s+(?:them|these|those|the\s+\w+))\b|\bamong\s+(?:them|these|those)\b", re.I)
# "The one aimed at medical images", "the one made only for video": one earlier paper, named by what it does.
_DESCRIBED_ONE = re.compile(r"\bthe\s+(?:one|paper|method)\s+(?:that|which|who|made|aimed|designed|built|meant|tailored|trained|tested|"
                            r"evaluated|for|with|about|on|using|based|from)\b", re.I)
# "How does the other codec train?", "and the other one?": an earlier paper besides the one just discussed.
_THE_OTHER = re.compile(r"\bthe\s+other\s+(?!hand\b|way\b)[a-z][\w\-]*\b", re.I)
# How many retrieved-but-uncited papers a choice right after a list also considers: the list cut's
# near misses sit just below its last cited paper; further down the ranking are other topics.
UNCITED_CANDIDATES = 3
# "What about ...?" after a choice among papers asks the same kind of question of the same papers.
_PARALLEL = re.compile(r"^\s*(?:and\s+)?(?:what|how)\s+about\b", re.I)
_MARKER_REF = re.compile(r"(?:paper|source|reference)?\s*\[(\d+)\]")
_REFERENCE_LINE = re.compile(r"^\[(\d+)\]\s+(.+?)(?:\s+\((?:[^()]*)\))?(?:\s+https?://\S+)?\s*$")


def is_follow_up(question: str) -> bool:
    """A question that leans on the conversation: pronouns ("those", "them"), a follow-up opening ("and ..."), or a
    choice among papers shown ("which one ...?")."""
    return (bool(_OPENERS.search(question)) or bool(set(words(question)) & _CUES) or bool(_ORDINAL.search(question))
            or bool(_MARKER_REF.search(question)) or chooses_among_earlier(question) or bool(_THE_OTHER.search(question)))


# "Is it possible to ...?", "is it true that ...": an impersonal "it", not a paper.
_IMPERSONAL_IT = re.compile(r"\b(?:is|was|would|will)\s+it\s+(?:be\s+)?(?:possible|true|better|worse|worth|necessary|feasible|known|common|hard|easy)\b", re.I)


def refers_to_one(question: str) -> bool:
    """A follow-up about one earlier paper: "does *it* use a transformer?", "the second one", "paper [2]"."""
    if _ORDINAL.search(question) or _MARKER_REF.search(question):
        return True
    return bool({"it", "its"} & set(words(question))) and not _IMPERSONAL_IT.search(question)


def chooses_among_earlier(question: str) -> bool:
    """A question that explicitly chooses among papers already shown: "which of those", "any of them", "among these",
    "the one aimed at medical images"."""
    return bool(_SELECTION.search(question)) or describes_one(question)


def describes_one(question: str) -> bool:
    """A follow-up about one earlier paper that it names by what the paper does: "How does the one made only for video
    get its speedup?". Which paper that is, is for the evidence to decide (AnswerPipeline)."""
    return bool(_DESCRIBED_ONE.search(question)) or bool(_THE_OTHER.search(question) and not re.search(r"\bthe\s+other\s+\w+s\b", question, re.I))


def papers_of(message: dict, id_for_title: Callable[[str], str | None] | None = None, key: str = "paper_ids") -> list[str]:
    """The cited paper ids of one assistant message, in marker order (``key="scope_ids"``: the papers it chose among)."""
    ids = message.get(key)
    if key != "paper_ids":
        return list(ids) if isinstance(ids, list) and all(isinstance(i, str) for i in ids) else []
    if isinstance(ids, list) and all(isinstance(i, str) for i in ids):
        return list(ids)
    if id_for_title is None:
        return []
    found: list[str] = []
    for line in str(message.get("content", "")).splitlines():
        match = _REFERENCE_LINE.match(line.strip())
        pid = id_for_title(normalize_title(match.group(2))) if match else None
        if pid and pid not in found:
            found.append(pid)
    return found


class Referents:
    """Resolves a follow-up to the previous answer's papers (or one of them, by ordinal or marker)."""

    def __init__(self, id_for_title: Callable[[str], str | None] | None = None):
        self.id_for_title = id_for_title

    def scope(self, question: str, history: list[dict]) -> tuple[list[str], bool]:
        """(paper ids to search within, whether it is a follow-up); ([], False) for a fresh question."""
        if not history or not is_follow_up(question):
            return [], False
        answers = [m for m in history if m.get("role") == "assistant"]
        previous = answers[-1] if answers else None
        papers = papers_of(previous, self.id_for_title) if previous else []
        if _THE_OTHER.search(question) and len(answers) >= 2:
            # "the other codec", after a list and then a question about one of its papers: the list's other papers.
            earlier = papers_of(answers[-2], key="scope_ids") or papers_of(answers[-2], self.id_for_title)
            others = [p for p in earlier if p not in papers]
            if others:
                return others, True
        if previous and (chooses_among_earlier(question) or _PARALLEL.search(question)):
            # After "which of them needs no tuning?" narrowed the list, "and which ones propose a metric?"
            # chooses again among the same papers, not among the one just named. A choice made right
            # after a list chooses among its cited papers and the UNCITED_CANDIDATES retrieved right
            # after them: a paper on the topic that the list's cut left out is still one of "them".
            scope = papers_of(previous, key="scope_ids")
            uncited = [p for p in papers_of(previous, key="source_ids") if p not in papers][:UNCITED_CANDIDATES]
            papers = scope or [*papers, *uncited]
        if not papers:
            return [], True
        match = _ORDINAL.search(question)
        if match:
            word = match.group(1).lower()
            index = len(papers) if word == "last" else _ORDINALS[word]
            return ([papers[index - 1]] if 1 <= index <= len(papers) else papers), True
        marker = _MARKER_REF.search(question)
        if marker and 1 <= int(marker.group(1)) <= len(papers):
            return [papers[int(marker.group(1)) - 1]], True
        return papers, True
