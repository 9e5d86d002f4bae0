"""A paper's short name for list items and tables: "Medusa", "RCG", else its title; and the list item itself.

>>> paper_name("Medusa: Simple LLM Inference Acceleration Framework with Multiple Decoding Heads", "")
'Medusa'
>>> paper_name("Return of Unconditional Generation", "We present Representation-Conditioned Generation (RCG), a framework.")
'RCG'
"""

from __future__ import annotations

import re

_PREFIX = re.compile(r"^\s*([^:]{1,60}?)\s*:\s+\S")
# How an abstract names its own contribution, for paper_name (which finds the name) and defines (which checks one).
_PRESENTING = r"(?:propose|introduce|present|develop|design)"
_NAMING_WORDS = r"(?:called|named|dubbed|termed|coined)"
_INTRODUCED = re.compile(
    r"\b(?i:we|this paper|this work)\s+(?i:" + _PRESENTING + r"|call|dub|name|term)s?\b[^.]{0,120}?"
    r"(?:\(([A-Z][\w\-+]*[A-Z0-9+][\w\-+]*)\)|\b" + _NAMING_WORDS + r"\s+([A-Z][\w\-+]*[A-Z0-9+][\w\-+]*))"
)
_NAME_LIKE = re.compile(r"[A-Z]")
# "... an operation called DARE", not "the so-called DARE"; "we propose DARE".
_NAMING = r"(?<![\w-])" + _NAMING_WORDS + r"\s+(?:it\s+)?"
_OWN = r"\b(?:we|this\s+paper|this\s+work)\s+" + _PRESENTING + r"s?\s+(?:a\s+|an\s+|the\s+)?"
# Someone else's method, however it is introduced: "the DARE method proposed by Yu et al.".
_THEIRS = re.compile(r"\bet\s+al\b|\bproposed\s+by\b|\bintroduced\s+by\b", re.I)


def defines(text: str, name: str) -> bool:
    """Whether ``text`` gives its own contribution this name: "we propose DARE", "an operation called DARE (Drop And REscale)".

    >>> defines("We introduce a novel operation called DARE (Drop And REscale).", "DARE")
    True
    >>> defines("Yu et al. propose a method called DARE.", "DARE"), defines("We propose DARE-2.", "DARE")
    (False, False)
    """
    if _THEIRS.search(text):
        return False
    # The name as a whole word, as rag.text.words.name_pattern reads it ("DARE" is not in "DARE-2"; "C++" works).
    return bool(re.search(r"(?:" + _NAMING + r"|" + _OWN + r")" + re.escape(name) + r"(?![\w\-+])", text, re.I))


def paper_name(title: str, abstract: str, max_words: int = 8) -> str:
    """The method's name from the title prefix ("Name: subtitle") or the abstract ("... (NAME)"), else the title."""
    prefix = _PREFIX.match(title)
    if prefix and len(prefix.group(1).split()) <= 4 and _NAME_LIKE.search(prefix.group(1)):
        return prefix.group(1)
    introduced = _INTRODUCED.search(abstract or "")
    name = (introduced.group(1) or introduced.group(2)) if introduced else ""
    if len(name) >= 3:  # "(VQ)" is more often a term being abbreviated than the method's name
        return name
    words = title.split(":")[0].split()  # a long "Topic: subtitle" title keeps its topic part, so no name holds ": "
    return " ".join(words[:max_words]) + (" …" if len(words) > max_words else "")


# A name never holds ":" (see paper_name), so the first ": " of an item ends its label.
_ITEM_LABEL = re.compile(r"^\s*-\s+[^:\n]{1,120}:\s+")


def list_item(name: str, cited_sentence: str) -> str:
    """One item of a list or compare answer: the paper's name, then its cited sentence.

    >>> list_item("Medusa", "It adds decoding heads [1].")
    '- Medusa: It adds decoding heads [1].'
    """
    return f"- {name}: {cited_sentence}"


def item_claim(text: str) -> str:
    """What an answer line claims: a list item's sentence without its "- Name: " label (the label is ours, not a claim).

    >>> item_claim("- Medusa: It adds decoding heads [1].")
    'It adds decoding heads [1].'
    """
    return _ITEM_LABEL.sub("", text, count=1)
