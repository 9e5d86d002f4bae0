"""Answers shaped by the question: a list for "which papers", figures side by side for a compare.

Markers ``[n]`` index the sources the answer is validated against, as everywhere else; the
validator then renumbers them. The compare table is added after validation (see
:func:`figure_table`), because its rows name papers by their final numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.answer.answerability import introduces
from rag.answer.evidence import CONTRIBUTION
from rag.answer.extractive import ExtractiveAnswerer
from rag.answer.naming import defines, list_item, paper_name
from rag.question.planner import topic_clause
from rag.question.quantities import figures, quantity_cue, reports_quantity
from rag.text.markers import cite, strip_markers
from rag.types import Citation, Hit, QuestionPlan

@dataclass
class Shaped:
    """A composed answer: its text (markers index the sources) and, for a compare, each paper's figure."""

    text: str
    figures: dict[str, str]
    names: dict[str, str]


# The most sentences of a method's own description that a compare item chooses among (see ShapedAnswerer._items).
METHOD_SPAN_CHOICE = 6
# Between two figures of one coordinated report: "2.36x and 1.93x", "3x, 5x", "3x to 5x", "0.1/0.2 bpp".
_COORDINATED = re.compile(r"\s*(?:,\s*(?:and\s+|or\s+)?|and|or|/|to|\u2013|-)\s*")


def _unit(figure: str) -> str:
    return re.sub(r"^[\d.,\s\-]+", "", figure).strip().lower()


# Farthest a figure may stand from the words naming its quantity, in characters ("accelerates OPT-66B by 1.70x": 16).
FIGURE_REACH = 40


def figure_in(sentence: str, quantity: str | None, reach: int | None = None) -> str | None:
    """The reported figure of a sentence ("2.2x", "3.31", "40%"), nearest to the words naming the quantity.

    Figures reported together in one unit come together, as the sentence writes them: a table
    that showed one of "2.36x and 1.93x acceleration on OpenSora and PixArt" would drop half the result.

    >>> figure_in("For instance, 2.36times and 1.93times acceleration are achieved on OpenSora and PixArt.", "speedup")
    '2.36times and 1.93times'
    >>> figure_in("We reduce the inference time by 34.9% while improving FID by 5.2%.", "speedup")
    '34.9%'

    ``reach``: the farthest (in characters) the figure may stand from those words; a table cell must name the
    quantity's own figure, while choosing a sentence that reports it ("FID ... 2.23/1.98 on CIFAR-10, ...,
    3.49/1.74 on ImageNet-64") needs no such limit.

    >>> figure_in("It saves 38.8% FLOPs and gives up to 1.53x speed-up over SDXL while maintaining nearly the same FID.", "FID", FIGURE_REACH) is None
    True
    """
    if not reports_quantity(sentence, quantity):
        return None
    numbers = figures(sentence, quantity)
    if not numbers:
        return None
    in_order = list(numbers)
    cue = quantity_cue(sentence, quantity)
    if cue:
        def distance(m: re.Match[str]) -> int:
            return min(abs(m.start() - cue.start()), abs(m.end() - cue.end()))

        numbers.sort(key=distance)
        if reach is not None and distance(numbers[0]) > reach:
            return None  # "... 1.53x speed-up over SDXL while maintaining nearly the same FID": no FID figure here
    first = last = in_order.index(numbers[0])
    unit = _unit(numbers[0].group(1))

    def joined(a, b) -> bool:
        return _unit(b.group(1)) == unit and bool(_COORDINATED.fullmatch(sentence[a.end(1):b.start(1)]))

    while first > 0 and joined(in_order[first - 1], in_order[first]):
        first -= 1
    while last + 1 < len(in_order) and joined(in_order[last], in_order[last + 1]):
        last += 1
    return sentence[in_order[first].start(1):in_order[last].end(1)].strip()


# A compare that asks how the papers differ (in approach), besides or instead of a figure.
_DIFFER = re.compile(r"\b(?:differ\w*|contrast\w*|distinguish\w*|what does .{1,40}? add|improve\w* on)\b", re.I)
# A compare of how the papers work ("what is the core strategy of each?", "how do they differ in the way they handle
# ...?", "the optimizers they rely on"): each item quotes the mechanism, as a method question's answer does.
_ASKS_HOW = re.compile(r"\b(?:strateg(?:y|ies)|mechanisms?|(?:core|key|main)\s+ideas?|the\s+way\s+(?:they|each|it)|rel(?:y|ies)\s+on|"
                       r"how\s+(?:does|do)\s+(?:each|they|both|the\s+two)\b(?!\s+(?:compare|perform|fare|score|rank)))", re.I)


class ShapedAnswerer:
    """Writes list and compare answers from the abstracts' own sentences, one cited item per paper."""

    def __init__(self, extractive: ExtractiveAnswerer, quantity_bonus: float = 0.3, contribution_bonus: float = 0.1):
        self.extractive = extractive
        self.quantity_bonus = quantity_bonus
        self.contribution_bonus = contribution_bonus

    def best_sentences(self, question: str, sources: list[Hit], chosen: list[int], quantity: str | None = None,
                       per_paper: int = 1, kind: str = "fact", contribution: bool = True, lead: bool = False,
                       figure_fallback: bool = False, sides: dict[int, str] | None = None,
                       spans: dict[int, list[str]] | None = None, extra: frozenset[int] = frozenset()) -> dict[int, list[str]]:
        """For each chosen source index, the sentences its item quotes (at most ``per_paper``, in abstract order).

        Asked for a figure: the best sentence that reports it (any best sentence when none does).
        Otherwise the sentence that says what the paper contributes ("we propose ...") and
        answers the question, never the abstract's opening background when anything else fits.
        ``contribution=False`` drops the preference for "we propose ...": a follow-up among papers
        already shown asks for one property ("which of them needs no fine-tuning?"), and the previous
        answer has already quoted what each paper contributes. ``figure_fallback``: a paper none of
        whose chosen sentences reports the asked figure also quotes its best sentence with a measured result.
        ``sides``: the method each source index is the paper of, where the question names it. ``spans``: for
        the source indexes it holds, the only sentences to choose from. ``extra``: indexes that quote one more.
        """
        sides = sides or {}
        span_texts = {i: {strip_markers(text) for text in span} for i, span in (spans or {}).items()}
        scored: dict[int, list[tuple[float, int, str]]] = {}
        wanted = set(chosen)
        for cand in self.extractive.rank(question, sources, kind):
            if cand.hit_index not in wanted or (cand.hit_index in span_texts and strip_markers(cand.text) not in span_texts[cand.hit_index]):
                continue
            score = cand.score + (self.contribution_bonus if contribution and CONTRIBUTION.search(cand.text) else 0.0)
            if quantity and figure_in(cand.text, quantity):
                score += self.quantity_bonus
                # Of two sentences that report it, the one whose figure stands by the quantity's words ("at 15%
                # speedup") over one that names the quantity here and a figure of something else there ("faster
                # inference ..., while enabling memory compression gains of more than 4x").
                if figure_in(cand.text, quantity, FIGURE_REACH):
                    score += self.quantity_bonus / 4
            scored.setdefault(cand.hit_index, []).append((score, cand.position, strip_markers(cand.text)))
        out = {}
        for i, items in scored.items():
            ranked = sorted(items, key=lambda item: -item[0])
            if lead:
                # Papers compared on their approach: each item opens with what the paper itself proposes; for a side
                # the question names, the sentence that defines it ("a novel operation called DARE (Drop And REscale)").
                in_order = sorted(items, key=lambda item: item[1])
                own = next((item for item in in_order if i in sides and defines(item[2], sides[i])), None)
                own = own or next((item for item in in_order if CONTRIBUTION.search(item[2])), None)
                if own:
                    ranked = [own, *[item for item in ranked if item is not own]]
            best = ranked[:per_paper + (i in extra)]
            if figure_fallback and quantity and not any(figure_in(text, quantity) for _, _, text in best):
                # No sentence reports the asked figure in the asked words ("73.87% FLOPs reduction" for a training
                # speed-up): the paper's best sentence with a measured result (a percentage, a ratio) goes beside
                # what it proposes, since a compare is read for its numbers.
                measured = next((item for item in ranked[len(best):] if any(_unit(m.group(1)) for m in figures(item[2], quantity))), None)
                best = [*best, measured] if measured else best
            out[i] = [text for _, _, text in sorted(best, key=lambda item: item[1])]
        return out

    def _items(self, question: str, sources: list[Hit], chosen: list[int], quantity: str | None,
               per_paper: int = 1, kind: str = "fact", contribution: bool = True, lead: bool = False,
               figure_fallback: bool = False, sides: dict[int, str] | None = None) -> tuple[list[str], dict[str, str], dict[str, str]]:
        sides = sides or {}
        spans = None
        if kind == "method":
            # How each works: quoted from the run of sentences that describes its method ("we propose GEAR ...", "GEAR
            # first applies quantization ...", "It then employs a low rank matrix ..."), one more of them for two papers;
            # the best-scoring pair overall had GEAR's "By adeptly integrating three techniques ..." and its scores.
            spans = {i: span for i in chosen if (span := self.extractive.method_span(sources[i], sides.get(i), METHOD_SPAN_CHOICE))}
        # Each of two methods described ("what is the core strategy of each?"), not set against each other ("how do
        # they differ"): one sentence more from its own description, which is all mechanism.
        extra = frozenset(spans) if spans and len(chosen) <= 2 and not _DIFFER.search(question) else frozenset()
        sentences = self.best_sentences(question, sources, chosen, quantity, per_paper, kind, contribution, lead, figure_fallback, sides,
                                        spans, extra)
        lines, figures, names = [], {}, {}
        for i in chosen:
            if i not in sentences:
                continue
            hit = sources[i]
            # A compared method goes by the name the question gave it, when this paper introduced it ("DARE", not
            # its paper's title, "Language Models are Super Mario").
            own = paper_name(hit.title, hit.abstract)
            names[hit.paper_id] = own if not sides.get(i) or own.lower() == sides[i].lower() else sides[i]
            lines.append(list_item(names[hit.paper_id], " ".join(cite(text, i + 1) for text in sentences[i])))
            figure = next((f for f in (figure_in(text, quantity, FIGURE_REACH) for text in sentences[i]) if f), None) if quantity else None
            if figure:
                figures[hit.paper_id] = figure
        return lines, figures, names

    def list_answer(self, plan: QuestionPlan, sources: list[Hit], chosen: list[int], capped: bool = False) -> Shaped:
        """``capped``: the list stopped at its most papers (``answer.max_list_papers``), so the count is a floor."""
        lines, _, names = self._items(plan.search_text or plan.question, sources, chosen, plan.quantity, kind="list",
                                      contribution=not plan.within)
        count = len(lines)
        opening = list_opening(plan.search_text or plan.question, count, bool(plan.within), capped and count == len(chosen)) if count else ""
        return Shaped("\n".join([opening, *lines]) if lines else "", {}, names)

    def compare_answer(self, plan: QuestionPlan, sources: list[Hit], chosen: list[int]) -> Shaped:
        # Two papers compared on no asked figure ("how do they differ in approach?"): each item quotes its
        # two best sentences, since a difference of approach is rarely said in one.
        # "How do they differ, and how do their speeds compare?": what each proposes, then its figure.
        question = plan.search_text or plan.question
        differ = bool(_DIFFER.search(question))
        how = plan.quantity is None and bool(_ASKS_HOW.search(question))
        # Asked how each works: the mechanism rarely fits in the contribution sentence, so two each, also for three papers
        # (three for two papers described one by one, see _items); and no figure is preferred, since the scores are not what was asked.
        per_paper = 2 if ((plan.quantity in (None, "amount") or differ) and len(chosen) <= 2) or (how and len(chosen) <= 3) else 1
        asked = plan.quantity not in (None, "amount", "count") and not how
        sides = {i: name for i in chosen for name in plan.entities if introduces(sources[i], name)}
        lines, figures, names = self._items(question, sources, chosen, None if how else plan.quantity or "amount",
                                            per_paper, kind="method" if how else "fact", lead=per_paper > 1, figure_fallback=asked,
                                            sides=sides)
        what = plan.quantity if plan.quantity not in (None, "count", "amount") else "what they report"
        opening = f"Comparing {len(lines)} papers on {what}:" if len(lines) > 1 else ""
        return Shaped("\n".join([opening, *lines]).strip(), figures, names)


def list_opening(question: str, count: int, within: bool, at_least: bool = False) -> str:
    """The line above a list's items, in the question's own words where they are a verb phrase.

    >>> list_opening("Which papers erase concepts from diffusion models?", 7, False)
    '7 papers in the collection erase concepts from diffusion models:'
    >>> list_opening("Which of them uses early layers to draft tokens?", 1, True)
    'Of the papers above, 1 uses early layers to draft tokens:'
    >>> list_opening("Which ones need no fine-tuning?", 1, True)
    'Of the papers above, 1 needs no fine-tuning:'
    >>> list_opening("What methods exist for multi-agent reinforcement learning?", 1, False)
    '1 paper in the collection addresses multi-agent reinforcement learning:'
    >>> list_opening("Which paper recognizes emotion from speech?", 3, False)
    '3 papers in the collection recognize emotion from speech:'
    >>> list_opening("Are there any survey papers in the collection?", 3, False)
    '3 survey papers in the collection:'
    >>> list_opening("How many papers are about diffusion models?", 8, False, at_least=True)
    'At least 8 papers in the collection address diffusion models:'
    """
    topic, verb_phrase = topic_clause(question)
    plural = count != 1
    kind = re.fullmatch(r"(\S+(?:\s+\S+)?)\s+papers", topic)
    if kind and not verb_phrase and not within:  # "Are there any survey papers?" → "3 survey papers in the collection:"
        return f"{'At least ' if at_least else ''}{count} {kind.group(1)} paper{'s' if plural else ''} in the collection:"
    phrase = _agree(topic, plural) if verb_phrase else f"{'address' if plural else 'addresses'} {topic}"
    if within:
        return f"Of the papers above, {count} {phrase}:"
    return f"{'At least ' if at_least else ''}{count} paper{'s' if plural else ''} in the collection {phrase}:"


# The irregular verbs a question puts first ("which of those were tested ..."), singular → plural.
_IRREGULAR = {"is": "are", "was": "were", "has": "have", "does": "do", "goes": "go"}
_IRREGULAR_SINGULAR = {plural: singular for singular, plural in _IRREGULAR.items()}
# Present-tense verbs that end in "ed" like a past tense: "which ones need no fine-tuning?" → "1 paper needs ...".
_ED_PRESENT = frozenset("need speed exceed proceed succeed feed seed embed shed breed bleed heed".split())


def _agree(phrase: str, plural: bool) -> str:
    """``phrase`` with its first word, a present- or past-tense verb, made to agree with one paper or several."""
    verb, _, rest = phrase.partition(" ")
    low = verb.lower()
    singular = low in _IRREGULAR or (low.endswith("s") and not low.endswith(("ss", "us")))  # not "focus"
    if plural and singular:
        if low in _IRREGULAR:
            verb = _IRREGULAR[low]
        elif low.endswith("ies"):
            verb = verb[:-3] + "y"
        elif re.search(r"(?:ss|sh|ch|x|zz)es$", low) or low == "focuses":  # "matches", "buzzes"; not "recognizes", "uses"
            verb = verb[:-2]
        else:
            verb = verb[:-1]
    elif not plural and not singular:
        if low in _IRREGULAR_SINGULAR:
            verb = _IRREGULAR_SINGULAR[low]
        elif re.search(r"[^aeiou]y$", low):
            verb = verb[:-1] + "ies"
        elif re.search(r"(?:s|sh|ch|x|z|o)$", low):
            verb = verb + "es"
        elif not low.endswith("ed") or low in _ED_PRESENT:  # a past tense ("tested") agrees with both; "need" is no past tense
            verb = verb + "s"
    return f"{verb} {rest}".strip()


def figure_table(shaped: Shaped, citations: list[Citation], quantity: str | None) -> str:
    """A plain-text table (paper | method | reported figure) once two or more papers report the asked figure."""
    rows = [(c.number, shaped.names.get(c.paper_id) or paper_name(c.title, ""), shaped.figures[c.paper_id])
            for c in sorted(citations, key=lambda c: c.number) if c.paper_id in shaped.figures]
    if len(rows) < 2:
        return ""
    header = f"| paper | method | reported {quantity if quantity not in (None, 'amount', 'count') else 'figure'} |\n|---|---|---|"
    return header + "".join(f"\n| {number} | {name} | {figure} |" for number, name, figure in rows)
