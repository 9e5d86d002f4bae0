"""Alternatives a question offers: "flow matching *or* normalizing flows", "Hessians, the Fisher information or loss curvature".

A paper that matches one alternative answers the question as fully as one that matches all of
them, but term coverage counted every alternative's words as asked for: a paper on flow matching
covered half of "which papers use flow matching or normalizing flows?" and fell below the list
cut. Coverage is therefore read once per alternative (see :func:`readings`), and the best
reading counts.

The phrases are found with word rules, not a parser: the last alternative runs from "or" to the
end of its clause (punctuation or a linking word such as "for", "using", "into"); earlier ones
are the comma-separated items before it, and the first of them starts after a word that
introduces a phrase ("such as", "by", "use", "do", an article). A phrase a rule cuts a word too long
or short only moves that word between "asked always" and "asked in one reading".
"""

from __future__ import annotations

import re
from itertools import product

# Words that end a clause after the last alternative ("... or compress models *using* forward passes").
_CLAUSE_END = frozenset(
    """of for in on at to with without using by from into onto than when while where which who that whose and but so
    instead rather as via through under over across within between against per if because after before during""".split()
)
# Words the first alternative starts after ("which papers *use* flow matching or ...", "such *as* ...").
_PHRASE_START = _CLAUSE_END | frozenset(
    """a an the which what papers paper methods method approaches approach works studies techniques models do does did
    use uses used employ employs apply applies is are was were be been have has e.g. i.e. like including include includes
    especially either""".split()
)
_MAX_WORDS = 4  # an alternative is a short noun or verb phrase; longer runs are clauses, not alternatives
_TOKEN = re.compile(r"[A-Za-z0-9][\w\-+.'/]*[\w+]|[A-Za-z0-9]|[,;:?!()]")
_NOT_ALTERNATIVES = re.compile(r"\b(?:whether\s+or\s+not|or\s+not|more\s+or\s+less|or\s+so|and/or)\b", re.I)
MAX_READINGS = 8  # three groups of two; more is a rare question and only costs time


def alternatives(question: str) -> list[list[str]]:
    """Groups of alternative phrases, in question order.

    >>> alternatives("Which papers use flow matching or normalizing flows?")
    [['flow matching', 'normalizing flows']]
    >>> alternatives("Which papers use second-order information such as Hessians, the Fisher information or loss curvature?")
    [['Hessians', 'Fisher information', 'loss curvature']]
    >>> alternatives("Which papers tune, train or compress models using only forward passes?")
    [['tune', 'train', 'compress models']]
    >>> alternatives("Which papers prune or quantize LLMs?")
    [['prune', 'quantize LLMs']]
    >>> alternatives("Which papers cut parameters by sharing or reusing the same weights?")
    [['sharing', 'reusing']]
    >>> alternatives("Does it work whether or not the model is fine-tuned?"), alternatives("Which papers speed up decoding?")
    ([], [])
    """
    text = _NOT_ALTERNATIVES.sub(" ", question.replace("and/or", "or"))
    tokens = _TOKEN.findall(text)
    groups: list[list[str]] = []
    for i, token in enumerate(tokens):
        if token.lower() != "or" or i == 0 or i + 1 >= len(tokens):
            continue
        last = _run(tokens, i + 1, step=1)
        if not last:
            continue
        items = [last]
        end = i - 1  # the item before "or" ends here (a comma before "or" is skipped: "A, B, or C")
        listed = "," in tokens[max(0, end - _MAX_WORDS) : end + 1]  # "A, B or C", "A, B, or C"
        if tokens[end] == ",":
            end -= 1
        while end >= 0:
            # Without commas nothing marks where the first item starts: it is taken no longer than the
            # last ("need retraining or calibration data" would otherwise take "need" as an alternative).
            item = _run(tokens, end, step=-1, limit=None if listed else len(last))
            if not item:
                break
            items.insert(0, item)
            end -= len(item)
            while end >= 0 and tokens[end].lower() in ("a", "an", "the"):
                end -= 1  # "Hessians, *the* Fisher information or ..."
            if end >= 0 and tokens[end] == ",":
                end -= 1  # another comma-separated item before this one
            else:
                break
        if len(items) >= 2:
            groups.append([" ".join(item) for item in items])
    return groups


def _run(tokens: list[str], start: int, step: int, limit: int | None = None) -> list[str]:
    """The words of one alternative from ``start``, forwards to the clause end or backwards to the phrase start."""
    stop = _CLAUSE_END if step == 1 else _PHRASE_START
    run: list[str] = []
    i = start
    while 0 <= i < len(tokens) and len(run) < (limit or _MAX_WORDS):
        token = tokens[i]
        if not token[0].isalnum() or token.lower() in stop or token.lower() == "or":
            break
        if step == 1 and run and token.lower() in ("a", "an", "the"):
            break  # "sharing or reusing *the* same weights": the object is common to both
        run.append(token)
        i += step
    if step == 1:
        while run and run[0].lower() in ("a", "an", "the"):
            run = run[1:]
        return run
    return run[::-1]


def readings(weights: dict[str, float], groups: list[list[set[str]]]) -> list[dict[str, float]]:
    """``weights`` once per choice of one alternative in every group.

    In each reading the other alternatives' own terms are dropped, and the chosen one's terms carry the
    weight the whole group had: the alternatives keep their share of the question. A paper that holds
    one alternative then covers the question; one that holds none misses as much of it as before
    ("adapt SAM to remote sensing or satellite imagery" asked of a paper on medical images). A term
    two alternatives share ("flow" below) belongs to each. With no groups, the one reading is ``weights``.

    >>> [{t: round(w, 2) for t, w in view.items()} for view in readings({"use": 1.0, "flow": 1.0, "match": 2.0, "normal": 2.0},
    ...                                                                  [[{"flow", "match"}, {"normal", "flow"}]])]
    [{'use': 1.0, 'flow': 1.67, 'match': 3.33}, {'use': 1.0, 'flow': 1.67, 'normal': 3.33}]
    """
    if not groups:
        return [weights]
    out: list[dict[str, float]] = []
    for choice in product(*groups):
        view = dict(weights)
        for group, chosen in zip(groups, choice):
            members = set().union(*group) & view.keys()
            kept = chosen & view.keys()
            whole, part = sum(view[t] for t in members), sum(view[t] for t in kept)
            for term in members - kept:
                del view[term]
            for term in kept:
                view[term] *= whole / part if part else 1.0
        out.append(view)
        if len(out) >= MAX_READINGS:
            break
    return out
