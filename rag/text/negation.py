"""Words a text says are absent: "needs no fine-tuning", "without retraining", "training-free".

A question that asks for papers *without* something is answered by the sentence that negates it
("it involves no fine-tuning of the target LLM"), not by the one that mentions it most ("Medusa is
fine-tuned on top of a frozen backbone"). Bag-of-words overlap counts both alike, and MiniLM hardly
tells them apart, so term matching treats a negated question word as matched only where the text
negates it too (:func:`negation_aware`).

>>> sorted(negated_words("Which of them needs no fine-tuning?"))
['fine-tuning']
>>> sorted(negated_words("A training-free method that works without any retraining."))
['retraining', 'training']
>>> sorted(negated_words("Medusa is fine-tuned on top of a frozen backbone LLM."))
[]
>>> sorted(negated_words("It avoids costly retraining.", own=True)), sorted(negated_words("Which papers avoid retraining?"))
(['retraining'], [])
"""

from __future__ import annotations

import re
from typing import Callable, Iterable

from rag.text.words import STOPWORDS, words

# A cue, then the words it governs (up to the next clause break). "not only ... but also" negates nothing.
_CUE = re.compile(
    r"\b(?:no|not(?!\s+only)|without|never|neither|nor|free\s+of|(?:eliminat|remov|avoid|obviat|bypass)\w*\s+(?:the\s+)?need\s+(?:for|of|to))\s+"
    r"(?P<scope>[^,;:.!?()]+)",
    re.I,
)
# What a paper may say of itself to avoid something ("avoids retraining", "eliminates the need for
# fine-tuning"). Only a text's own negations: in a question "remove noise" asks for denoising, so
# questions are read with _CUE alone.
_RELIEF = re.compile(r"\b(?:avoid|eliminat|obviat|bypass|dispens\w*\s+with|free\s+from|get\w*\s+rid\s+of)\w*\s+(?P<scope>[^,;:.!?()]+)", re.I)
_SUFFIXED = re.compile(r"\b([A-Za-z][A-Za-z\-]*?)-free\b", re.I)  # "training-free", "tuning-free", "data-free"
_SCOPE_WORDS = 4  # "not need any fine-tuning", "without access to the training data"
# Words that open a negated scope but are not what is negated ("requires no additional ...").
_SCOPE_FILLER = frozenset({"any", "additional", "extra", "further", "need", "needs", "needing", "require", "requires", "requiring",
                           "required", "longer", "explicit", "costly", "expensive", "separate", "access"})


def _scopes(text: str, own: bool = False) -> list[list[str]]:
    """Each negated scope of ``text`` as its content words, in cue order, then the "-free" prefixes."""
    cues = [*_CUE.finditer(text or ""), *(_RELIEF.finditer(text or "") if own else [])]
    out = [[w for w in words(m.group("scope"))[:_SCOPE_WORDS] if w not in STOPWORDS and w not in _SCOPE_FILLER and len(w) > 2] for m in cues]
    out += [[w for w in words(m.group(1)) if w not in STOPWORDS and len(w) > 2] for m in _SUFFIXED.finditer(text or "")]
    return [scope for scope in out if scope]


def negated_words(text: str, own: bool = False) -> set[str]:
    """The lower-cased content words ``text`` places under a negation (or a "-free" suffix).

    ``own``: ``text`` is a paper's, so "avoids X" and "eliminates the need for X" count too.
    """
    return {w for scope in _scopes(text, own) for w in scope}


def negated_phrases(text: str) -> list[list[str]]:
    """Each negated scope of ``text`` as its content words: "without weight training" → [["weight", "training"]].

    >>> negated_phrases("Which of them needs no fine-tuning, and works without weight training?")
    [['fine-tuning'], ['weight', 'training']]
    """
    return _scopes(text)


def negation_aware(asked: set[str], text_terms: set[str], text_negated: set[str]) -> set[str]:
    """``text_terms`` as a match for a question that negates ``asked``: a negated question term counts
    only where the text negates it too, so a sentence that merely mentions it matches nothing for it.

    All three are sets of the same kind of term (one tokenizer's stems).

    >>> sorted(negation_aware({"tune"}, {"medusa", "tune"}, set()))
    ['medusa']
    >>> sorted(negation_aware({"tune"}, {"eagl", "tune"}, {"tune"}))
    ['eagl', 'tune']
    """
    if not asked:
        return text_terms
    return {t for t in text_terms if t not in asked or t in text_negated}


def contradicts(phrases: list[set[str]], text_terms: set[str], text_negated: set[str]) -> bool:
    """Whether a text affirms what the question negates: it holds every word of a negated phrase and negates none.

    Such a sentence ("Medusa is fine-tuned on top of a frozen backbone") is about the very thing
    the question rules out, however close MiniLM puts it to "which needs no fine-tuning?". A whole
    phrase must be affirmed: "without weight training" is not contradicted by every paper that
    mentions weights.

    >>> contradicts([{"fine", "tune"}], {"medusa", "fine", "tune"}, set()), contradicts([{"fine", "tune"}], {"eagl", "fine", "tune"}, {"tune"})
    (True, False)
    >>> contradicts([{"weight", "train"}], {"weight", "prune"}, set())
    False
    """
    return any(phrase and phrase <= text_terms and not phrase & text_negated for phrase in phrases)


def negated_stem_phrases(text: str, terms_of: Callable[[Iterable[str]], set[str]]) -> list[set[str]]:
    """:func:`negated_phrases` as sets of one tokenizer's terms."""
    return [stems for stems in (terms_of(phrase) for phrase in negated_phrases(text)) if stems]


def negated_terms(text: str, terms_of: Callable[[Iterable[str]], set[str]], own: bool = False) -> set[str]:
    """:func:`negated_words` as terms of one tokenizer (``terms_of`` maps words to its stems)."""
    found = negated_words(text, own)
    return terms_of(found) if found else set()
