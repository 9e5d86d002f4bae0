"""Question analysis: a typed plan made before retrieval, by rules (a few ms, no model).

>>> plan = QuestionPlanner().plan("How does Medusa compare with EAGLE in speedup?")
>>> plan.kind, plan.entities, plan.quantity
('compare', ['Medusa', 'EAGLE'], 'speedup')
>>> QuestionPlanner().plan("Which papers quantize LLM weights since 2024?").filters
{'year_from': 2024}
"""

from __future__ import annotations

import re

from rag.question.constraints import read_constraints
from rag.question.counts import stated_count
from rag.question.quantities import asked_quantity
from rag.question.referents import Referents, chooses_among_earlier
from rag.text.words import content_words
from rag.types import QuestionPlan

_COMPARE = re.compile(
    r"\b(compar(?:e|es|ed|ing|ison)|versus|vs\.?|differ(?:s|ence|ences|ent)?|contrast(?:s|ed)?|trade-?offs?\s+between|improves?\s+(?:up)?on|"
    r"adds?\s+(?:on\s+top\s+of|over|beyond))\b", re.I)
# "Compare the two codecs", "how does the follow-up differ from the original": sides described, not named.
_TWO_SIDES = re.compile(
    r"\b(?:two|both|each|their|them|these|those|the\s+other|the\s+original|the\s+(?:first|second|newer|older|later|earlier)|"
    r"its\s+(?:follow-up|extension|successor)|versions?)\b", re.I)
# "How much do the data pruning papers save?": a figure asked of every paper on a topic.
_TOPIC_FIGURES = re.compile(r"\bthe\s+(?:\S+\s+){0,4}?(?:papers|methods|approaches|works|techniques)\b", re.I)
# A question that asks for a number, not for a mechanism.
_NUMERIC_ASK = re.compile(
    r"\bhow\s+(?:much|many|fast|long|large|big|small|well|accurate|effective|compact)\b|\bby\s+how\b|"
    r"\bwhat\s+(?:\S+\s+){0,2}?(?:speed-?up|accuracy|fid|score|rate|ratio|throughput|size|number|percentage|bitrate|perplexity)\b", re.I)
# "Summarize the main approaches to X", "Give an overview of methods for X": a survey, answered as a list.
_SURVEY = (r"(?:please\s+)?(?:summari[sz]e|review|describe|outline|give\s+(?:me\s+)?an?\s+overview\s+of|overview\s+of)\s+(?:(?!how\b)\S+\s+){0,3}?"
           r"(?:papers|studies|methods|approaches|techniques|work|research|literature)(?:\s+(?:to|for|of|on|in))?\b")  # not "works": "describe how X works"
# "What work is there on X?", "what research exists on X": the field's papers, a list.
_WORK_ON = (r"(?:what|which)\s+(?:\S+\s+){0,2}?(?:work|research|literature)\s+(?:is\s+there|exists?|has\s+been\s+(?:done|published)|"
            # "What work addresses X?": the field's work doing something (the verb stays with the topic).
            r"(?=(?!does\b|is\b|was\b|has\b)[a-z]+s\b))")
# "What learnable pooling operators have been proposed as ...?", "what shortcomings ... have been identified": the
# literature's answers to a question, a list.
_PROPOSED = (r"(?:what|which)\s+[^?.]{0,120}?\s+(?:have|has)\s+been\s+(?:proposed|developed|introduced|suggested|explored|studied|"
             r"identified|designed|presented|put\s+forward)")
# "Are there surveys or new algorithms on ...?": is there such work at all.
_ARE_THERE = (r"(?:are|is)\s+there\s+(?:any\s+)?(?:\S+\s+){0,2}?(?:papers?|works?|studies|methods|surveys?|algorithms|approaches|"
              r"techniques|articles)\b")
# "Can you list ...", "could you please recommend ...": a request's polite opening, shared by _LIST and _LEAD.
_POLITE = r"(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?)?"
# "papers on token merging", "give me 3 papers on X", "recommend some work on X": shared by _LIST and _LEAD.
_PAPERS = r"(?:papers?|works?|studies|research|articles)"
_ASK_FOR = r"(?:give|show|recommend|suggest|point)\s+(?:me\s+)?(?:to\s+)?(?:\S+\s+){0,2}?" + _PAPERS
# Asking for the state of a field: "What are recent advances in X?", "What has been done on X?", "I need papers on X.",
# "Any papers on X?", "What do the papers in the collection say about X?". Shared by _LIST and _LEAD.
_FIELD = (r"(?:what\s+(?:are|is|have\s+been)\s+(?:the\s+)?(?:\S+\s+){0,2}?(?:advances|progress|developments|trends|directions|state\s+of\s+the\s+art)\s+"
          r"(?:in|on|for|of|regarding)|what\s+has\s+been\s+(?:done|published|written|proposed)\s+(?:on|in|about|for|regarding)|"
          r"i\s*(?:'\s*m|\s+am)?\s+(?:need|want|looking\s+for|would\s+like|searching\s+for)\s+(?:\S+\s+){0,2}?" + _PAPERS
          + r"(?:\s+(?:on|about|regarding|for|related\s+to|relevant\s+to))?|"
          r"any\s+" + _PAPERS + r"\s+(?:on|about|regarding|for|that|using)|"
          r"what\s+do(?:es)?\s+(?:the\s+)?(?:papers?|works?|studies|research|literature)\s+(?:(?:in|of)\s+(?:the|this|my)\s+(?:collection|corpus|library)\s+)?"
          r"(?:say|tell\s+(?:me|us))\s+(?:about|on|regarding))")
# "Tell me about Medusa", "Explain EAGLE": what a named method is (_METHOD; rag.answer.answerability.names_only).
ASK_ABOUT = r"(?:(?:please|can\s+you|could\s+you)\s+)?(?:tell\s+me\s+(?:more\s+)?about|explain|describe|summari[sz]e)"
# "How many papers are about diffusion models?": answered by listing them, with the count as the opening.
_HOW_MANY = r"how\s+many\s+(?:\S+\s+){0,3}?(?:papers|works|studies|articles|preprints)\b"
_LIST = re.compile(
    r"^\s*(?:(?:and|so|also|then|now)\s+)?" + _POLITE + r"(?:(?:which|what)\s+(?:\S+\s+){0,4}?(?:papers?|works|studies|articles|methods|approaches|techniques|"
    r"models|systems|frameworks|ways)\b|which\s+ones?\b|which\s+of\s+(?:them|these|those|the\s+\w+)|(?:list|name|enumerate|survey|find|show)\b|"
    + _PAPERS + r"\s+(?:on|about|regarding|for|that|which|using)\b|" + _ASK_FOR + r"\b|"
    + _ARE_THERE + "|" + _SURVEY + "|" + _WORK_ON + "|" + _PROPOSED + "|" + _HOW_MANY + "|" + _FIELD + ")",
    re.I,
)
_FRESH_LABEL = re.compile(r"^\s*(?:(?:unrelated|new|different|another|other|separate)(?:\s+(?:question|topic|subject))?|"
                          r"(?:switching|changing|change\s+of|on\s+another|on\s+a\s+different)\s+(?:the\s+)?(?:questions?|topics?|subjects?|note))\s*[:,\-–—]\s*", re.I)
_YESNO = re.compile(r"^\s*(?:(?:and|so|but)\s+)?(?:does|do|did|is|are|was|were|can|could|has|have|had|will|would|should)\b", re.I)
_METHOD = re.compile(r"\bhow\s+(?:does|do|did|is|are|was|were|can|could)\b|\b(?:describe|explain)\s+how\b|\b(?:what|which)\s+(?:mechanism|technique|trick|idea|strategy)\b|"
                     # "What is the key idea of SiD?", "what is the main contribution of X?", "what does X propose?"
                     r"\bwhat\s+(?:is|are|was|were)\s+(?:the\s+)?(?:key|main|core|central|basic|underlying)\s+(?:idea|insight|intuition|principle|contribution|mechanism|trick)s?\b|"
                     r"\bwhat\s+(?:does|do|did)\s+.+?\s+propose\b|"
                     r"^\s*" + ASK_ABOUT + r"\s+(?!how\b)(?:the\s+)?[A-Z]|"
                     r"^\s*what\s+(?:is|are)\s+(?-i:[A-Z][\w\-+]*)\s*\??\s*$", re.I)  # "What is RECE?"
# The span naming the compared things: "how do SPAN compare", "compare SPAN in ...", "difference between SPAN".
_COMPARE_SPAN = [
    # "Compare the Dice scores reported by A, B and C", "compare the training speedups of A and B": the figure first, then the sides.
    re.compile(r"\b(?:compare|contrast)\s+the\s+(?:[\w\-]+\s+){0,3}?(?:(?:reported|achieved|obtained|reached|claimed)\s+(?:by|in|for)|of|by)\s+"
               r"(?P<span>.+?)(?=\s+(?:in\s+terms\s+of|on|when|at)\s+|\s*[:?;]|\.?\s*$)", re.I),
    # "How much memory do A and B save?": a figure asked of two named things.
    re.compile(r"\bhow\s+(?:much|many|fast|well|large|big|small|accurate)\s+(?:\S+\s+){0,3}?(?:do|does|did)\s+(?P<span>.+?)\s+"
               r"(?:save|reach|get|achieve|report|use|need|cut|reduce|gain|take|obtain|score|require|run|compress|speed|improve)\b", re.I),
    re.compile(r"\bhow\s+(?:do|does|did)\s+(?P<span>.+?)\s+(?:compare|differ|contrast|stack\s+up)\b"
               r"(?:\s+(?:with|to|from|against)\s+(?P<other>.+?)(?=\s+(?:in|on|for|regarding|when|at|by)\s+|\s*[?.,;:]|$))?", re.I),
    re.compile(r"\b(?:compare|contrast)\s+(?P<span>.+?)(?:\s*[:?;]|\s+(?:in|on|regarding|with\s+respect\s+to|for|when|by|at)\s+(?!its\b)|$)", re.I),
    re.compile(r"\bdifferences?\s+between\s+(?P<span>.+?)(?:\s*[:?;]|$)", re.I),
    re.compile(r"(?P<span>[\w\-+.]+(?:\s+[\w\-+]+){0,3}\s+(?:vs\.?|versus)\s+[\w\-+]+(?:\s+[\w\-+]+){0,3}?)(?=\s*[:?;,]|\s+(?:in|on|for)\s+|$)", re.I),
]
# Tried in order; the first that cuts the span in two or more parts wins. A determiner after the
# cut ("... and the one that ...", "... with the newer ...") marks a real boundary inside long descriptions.
_ONE_AND_OTHER = re.compile(r"(?P<head>[^.?:]*?)\s*[:;,]\s*one\s+(?P<a>.+?)[,;]\s*(?:and\s+|while\s+)?the\s+other\s+(?P<b>.+?)(?:[.?]|$)", re.I)
_SEPARATORS = [
    r"\s+(?:vs\.?|versus)\s+",
    r",?\s+(?:and|with|to|from)\s+(?=(?:the|its|their|a|an)\s)",
    r",\s*(?:and\s+)?|\s+and\s+",
    r"\s+with\s+",
    r"\s+to\s+",
]
_PLURAL_HEAD = re.compile(r"^(?:methods|models|approaches|papers|techniques|networks|codecs|systems|frameworks)$", re.I)
# "Which is better, Medusa or EAGLE?": two names and a comparative.
# "Which paper reports the highest speedup?": the papers that report the figure, side by side in a table.
_SUPERLATIVE = re.compile(r"\b(?:highest|largest|biggest|greatest|best|fastest|lowest|smallest|most|least|top|maximum|minimum)\b", re.I)
_WHICH_ONE = re.compile(r"^\s*(?:which|what)\s+(?:\S+\s+){0,3}?(?:papers?|methods?|approach(?:es)?|models?|techniques?|works?)\b", re.I)
_COMPARATIVE = re.compile(r"\b(?:better|worse|faster|slower|cheaper|stronger|weaker|higher|lower|bigger|larger|smaller|greater|quicker|"
                          r"lighter|heavier|best|fastest|more|less)\b", re.I)
# Words that describe no particular paper: a side made only of these cannot be searched for.
_GENERIC = frozenset(
    """later earlier extended extension version original first second newer older new old one ones follow-up followup
    previous same line work works method methods paper papers approach approaches model models technique techniques
    their its goal goals mechanism mechanisms idea ideas speeds difference differences result results""".split()
)
_NAMED = re.compile(r"(?<![\w-])(?:[A-Za-z]*[A-Z][a-z]*[A-Z0-9][\w\-+]*|[A-Z]-[A-Za-z0-9][\w\-+]*|[A-Z]{2,}[\w\-+]*|[A-Z][a-z]+-[A-Za-z0-9][\w\-]*|[A-Z][\w]*\+\+|[A-Z][a-z]{2,})(?![\w-])")
# Capitalised words that name no method: question words, generic acronyms, units.
_NOT_NAMES = frozenset(
    """what which how who when where why whose does do did is are was were can could has have had will would should
    the a an and or but also so then now compare list name find show give are there these those them it its unrelated
    paper papers method methods approach approaches model models llm llms ai ml nlp cv gpu gpus cpu cnn cnns rnn gan gans vae
    rl kv api sota fid psnr ssim bleu f1 flops tflops bpp kbps mb gb tb i ok yes no""".split()
)


# A one-word name that can only be a method's ("SparseGPT", "ZeRO++", "OTOv2", "RECE"): inner capitals, a digit or '+';
# a capitalised common word ("Medusa", "Transformers") may be a sentence's first word or a generic term.
SPECIFIC_NAME = re.compile(r"^(?=\S*(?:[A-Z]\S*[A-Z]|\d|\+))[A-Za-z][\w\-+]*$")


def _split_span(span: str) -> list[str]:
    span = re.sub(r"^(?:the|both)\s+", "", span.strip(" ,.?"), flags=re.I)
    for index, separator in enumerate(_SEPARATORS):
        # A determiner boundary cuts once: the description after it may hold "with a ..." of its own.
        parts = [p.strip(" ,.") for p in re.split(separator, span, maxsplit=1 if index == 1 else 0, flags=re.I)]
        parts = [re.sub(r"^(?:the|its|their)\s+", "", p, flags=re.I) for p in parts if p]
        if len(parts) >= 2 and all(parts):
            # "the VQGAN-based and GAN-based compression methods": the plural head noun belongs to every side.
            tail = parts[-1].split()[1:]
            if tail and _PLURAL_HEAD.search(tail[-1]):
                return [f"{p} {' '.join(tail)}" if len(p.split()) == 1 else p for p in parts]
            return parts
    return [span] if span else []


def _searchable(side: str) -> bool:
    return bool(named_entities(side)) or any(w not in _GENERIC for w in content_words(side))


def compared_entities(question: str) -> list[str]:
    """The compared sides of a compare question ("Medusa", "EAGLE"); [] when it compares a whole topic.

    >>> compared_entities("How do LD-Pruner and A-SDM compare in speedup?")
    ['LD-Pruner', 'A-SDM']
    >>> compared_entities("How do the speculative decoding papers compare in speedup?")
    []
    """
    pair = _ONE_AND_OTHER.search(question)
    if pair:
        # "Two restoration methods: one transfers ..., the other defines ...": each side is the shared head plus its clause.
        head = re.sub(r"^(?:two|both|the\s+two)\s+(?:use\s+)?", "", pair.group("head").strip(" :;,"), flags=re.I)
        return [f"{head} {pair.group('a').strip(' ,;')}".strip(), f"{head} {pair.group('b').strip(' ,;.?')}".strip()]
    for pattern in _COMPARE_SPAN:
        match = pattern.search(question)
        if match:
            other = match.groupdict().get("other")
            sides = _split_span(match.group("span")) + (_split_span(other) if other else [])
            parts = _inherit_head([p for p in sides if _searchable(p)])
            return parts if len(parts) >= 2 else []
    return []


def _inherit_head(sides: list[str]) -> list[str]:
    """"the accelerator that adds heads" and "the one that drafts features": the second is an accelerator too."""
    if not sides:
        return sides
    head = re.split(r"\s+(?:that|which|who|with|using|from|for)\s+", sides[0], maxsplit=1, flags=re.I)[0]
    return [sides[0]] + [re.sub(r"^one\b", head, side, flags=re.I) if head != sides[0] else side for side in sides[1:]]


def named_entities(text: str) -> list[str]:
    """Names of methods or datasets (Medusa, EAGLE, SpQR, MoE++, LD-Pruner, Segment Anything), in order.

    >>> named_entities("How compact is a Robust Weight Signature compared with LoRA?")
    ['Robust Weight Signature', 'LoRA']
    """
    found: list[str] = []
    last_end = -2
    for match in _NAMED.finditer(text):
        token = match.group(0).strip("-")
        opening = not text[: match.start()].strip() and re.fullmatch(r"[A-Z][a-z]+", token)
        if token.lower() in _NOT_NAMES or opening:  # "Two papers ...", "Without ...": a capital that opens the question
            last_end = -2
            continue
        if found and match.start() == last_end + 1 and text[last_end] == " ":
            found[-1] = f"{found[-1]} {token}"  # adjacent capitalised words are one name
        elif token not in found:
            found.append(token)
        last_end = match.end()
    return found


def asking_sentence(question: str) -> str:
    """The sentence that asks, where a question gives context first: the last one ending in '?'.

    >>> asking_sentence("Guidance doubles the cost per step. Which papers cut it?")
    'Which papers cut it?'
    >>> asking_sentence("Which papers prune LLMs?")
    'Which papers prune LLMs?'
    """
    parts = re.split(r"(?<=[.?!])\s+(?=[A-Z])", question.strip())
    asks = [p for p in parts if p.rstrip().endswith("?")]
    return asks[-1] if len(parts) > 1 and asks else question


class QuestionPlanner:
    """Question (+ history) → QuestionPlan: kind, named entities, asked quantity, filters, follow-up scope."""

    def __init__(self, referents: Referents | None = None):
        self.referents = referents or Referents()

    def kind(self, question: str) -> str:
        if _COMPARE.search(question) and (len(compared_entities(question)) >= 2 or _TOPIC_FIGURES.search(question) or _TWO_SIDES.search(question)):
            return "compare"
        if asked_quantity(question) and _NUMERIC_ASK.search(question) and _TOPIC_FIGURES.search(question):
            return "compare"
        if asked_quantity(question) not in (None, "count", "amount") and _SUPERLATIVE.search(question) and _WHICH_ONE.search(question):
            return "compare"
        if _COMPARATIVE.search(question) and len(named_entities(question)) >= 2 and re.search(r"\b(?:or|and|vs\.?|than)\b", question):
            return "compare"
        if _NUMERIC_ASK.search(question) and len(compared_entities(question)) >= 2:  # "How much memory do A and B save?"
            return "compare"
        # "Classifier-free guidance doubles the cost per step. Which papers cut it?": context first, then the ask.
        ask = asking_sentence(question)
        if _LIST.search(question) or _LIST.search(ask):
            return "list"
        if _METHOD.search(question) and not _NUMERIC_ASK.search(question):
            return "method"
        if _YESNO.search(ask):
            return "yesno"
        return "fact"

    @staticmethod
    def _named_sides(question: str) -> list[str]:
        """The sides of a compare worded without "A and B" or "A vs B": "which is faster, A or B?", or two specific
        names anywhere ("What does ZeRO++ add on top of ZeRO, and how do their gains compare?")."""
        names = named_entities(question)
        if _COMPARATIVE.search(question) and len(names) >= 2:
            return names
        specific = [name for name in names if SPECIFIC_NAME.match(name)]
        # Not where the question compares a topic's papers ("the pruning papers on LLaMA and OPT"): names there are testbeds.
        topic = _TOPIC_FIGURES.search(question)
        if topic and re.match(r"the\s+(?:two|three|four|both)\s+\S+$", topic.group(0), re.I):
            topic = None  # "the two papers": the named ones
        return specific if len(specific) >= 2 and not topic else []

    @staticmethod
    def _names_something_new(question: str, history: list[dict]) -> bool:
        """A question naming a method the last turn never mentioned ("Does RECE need fine-tuning?") is not about its papers.

        Unless it says it chooses among them: in "which of those were tested on LLaMA?" the name is
        what to look for in those papers, not a new subject.
        """
        if chooses_among_earlier(question):
            return False
        names = named_entities(question)
        last = " ".join(str(m.get("content", "")) for m in history[-2:]).lower()
        return bool(names) and bool(last) and not any(n.lower() in last for n in names)

    def plan(self, question: str, history: list[dict] | None = None) -> QuestionPlan:
        constraints = read_constraints(question)
        # "Unrelated question: which papers ...": the label says a fresh topic starts; what follows is the question.
        text = _FRESH_LABEL.sub("", constraints.text).strip() or constraints.text
        fresh = text != constraints.text
        kind = self.kind(text)
        # A compare names its sides, or none ("how do the speculative decoding papers compare": a whole topic).
        entities = (compared_entities(text) or self._named_sides(text)) if kind == "compare" else named_entities(text)
        fresh = fresh or self._names_something_new(text, history or [])
        within, follow_up = self.referents.scope(text, [] if fresh else history or [])
        count = stated_count(text) if kind in ("list", "compare") else None
        return QuestionPlan(question=question, kind=kind, follow_up=follow_up, entities=entities, quantity=asked_quantity(text),
                            count=count, filters=constraints.filters, search_text=text, within=within)


_TOPIC_COMPARE = re.compile(
    r"^\s*(?:how|what)\b.*?\bthe\s+(.+?)\s+(?:papers|methods|approaches|works|techniques)\s+(?:compare\s+(?:in|on|regarding)\s+|report\s+(?:for\s+)?)?(.*)$", re.I)
# Words that qualify "approaches", "methods" or "papers" without naming a topic: "the main approaches", "the different methods".
_QUALIFIERS = re.compile(r"(?:(?:main|key|major|different|common|various|existing|current|popular|standard|typical|general|principal|"
                         r"primary|leading|notable|prominent|important|best|most|recent|new|latest|available|state-of-the-art|sota|modern|"
                         r"effective|successful|prior|previous|well-known|promising)\s*)+", re.I)
_LEAD = re.compile(
    r"^\s*(?:(?:and|so|also|then|now)\s+)?" + _POLITE + r"(?:" + _FIELD + r"|(?:which|what)\s+(?:\S+\s+){0,4}?(?:papers?|works|studies|articles|methods|approaches|techniques|models|"
    r"systems|frameworks|ways|ones?)|list\s+(?:the\s+)?(?:\S+\s+){0,4}?(?:papers|methods|approaches|works)?|(?:are|is)\s+there\s+(?:any\s+)?"
    r"(?:papers?|works?|studies|methods)|which\s+of\s+(?:them|these|those)|" + _PAPERS + r"(?=\s+(?:on|about|regarding|for)\b)|" + _ASK_FOR + "|"
    + _SURVEY + "|" + _WORK_ON + "|" + _HOW_MANY
    # "(Can you) find (me) papers about X", "find work related to X".
    + r"|find\s+(?:me\s+)?(?:\S+\s+){0,2}?" + _PAPERS + r"(?:\s+(?:related|relevant)\s+to)?" + r")\s*",
    re.I,
)


def topic_phrase(question: str) -> str:
    """What a list question is about, to search for: "Which papers erase concepts from X?" → "erase concepts from X".

    A question that gives context first keeps it: "Guidance doubles the cost per step. Which papers cut it?"
    is searched as "Guidance doubles the cost per step. cut it".
    """
    ask = asking_sentence(question)
    if ask == question:
        return topic_clause(question)[0]
    return f"{question[: question.rindex(ask)].strip()} {topic_clause(ask)[0]}"


def topic_clause(question: str) -> tuple[str, bool]:
    """The topic phrase, and whether it is the question's own verb phrase about the papers.

    "Which papers erase concepts from X?" → ("erase concepts from X", True): the answer can say
    "7 papers in the collection erase concepts from X". "What methods exist for X?" and "Which
    papers are about X?" → ("X", False): a noun phrase, which the answer says the papers address.
    """
    # The asking sentence says what the papers do: "Guidance doubles the cost. Which papers cut it?" → "cut it".
    asking = asking_sentence(question)
    if asking != question and re.fullmatch(r"\s*(?:what|which)\s+[^?]*?\b(?:papers|works|studies)\s+(?:are\s+there|exist)\s*\??\s*", asking, re.I):
        # "I'm interested in X. What theory and application papers are there?": the topic is the context's.
        context = question[: question.rindex(asking)].strip(" .")
        return re.sub(r"^(?:i\s*'?\s*m|i\s+am)\s+(?:\w+\s+)?(?:interested|working|looking)\s+(?:in|on|into|at|for)\s+", "", context, flags=re.I), False
    question = asking
    proposed = re.match(r"^\s*(?:what|which)\s+(.{1,120}?)\s+(?:have|has)\s+been\s+(.*?)\s*\??\s*$", question, re.I)
    if proposed:  # "What pooling operators have been proposed as X?" → "pooling operators proposed as X"
        return f"{proposed.group(1)} {proposed.group(2)}".strip(), False
    there = re.match(r"^\s*(?:are|is)\s+there\s+(?:any\s+)?(?!(?:\S+\s+){0,2}?papers\b)(.+?)\s*\??\s*$", question, re.I)
    if there and re.match(_ARE_THERE, question.strip(), re.I):  # "Are there surveys or new algorithms on X?" → that noun phrase
        return there.group(1), False
    figures = _TOPIC_COMPARE.match(question.strip())
    # Not "What are the main approaches to X?", whose "main" qualifies the approaches and names no topic (it was
    # searched as "main to X" and opened "N papers address main to X").
    if figures and not _QUALIFIERS.fullmatch(figures.group(1)):
        # "How do the speculative decoding papers compare in speedup?" → "speculative decoding speedup"
        return f"{figures.group(1)} {figures.group(2)}".strip(" ?."), False
    lead = _LEAD.match(question.strip())
    rest = question.strip()[lead.end() if lead else 0:].strip(" ?.")
    # "What techniques are used for X?" names a topic; "What methods are used to prune LLMs?" says what the papers do.
    rest = re.sub(r"^(?:are|is|were|have\s+been)\s+(?:\w+ly\s+)?(?:used|applied|employed|available|proposed|adopted)\s+(?=(?:for|in|to)\s)",
                  "", rest, flags=re.I) if lead else rest
    to = re.match(r"to\s+(?=\S)", rest, re.I) if lead else None
    if to:
        # "What are the main approaches to KV cache compression?" names a topic; "What are the key techniques to
        # reduce KV cache memory?" says what the papers do.
        return rest[to.end():], not re.search(r"approach(?:es)?\s*$", lead.group(0), re.I)
    rest = re.sub(r"^(?:that|which|who)\s+", "", rest, flags=re.I)
    # "What papers are there in the collection on pruning?": where to look is no part of the topic.
    rest = re.sub(r"^(?:are\s+there\s+)?(?:in|from)\s+(?:the|this|my|your)\s+(?:collection|corpus|library)\s+", "", rest, flags=re.I)
    # "Are there any survey papers in the collection?": the kind of paper is the topic.
    kind_of_paper = re.match(r"^(?:are|is)\s+there\s+(?:any\s+)?((?:\S+\s+){1,2}?papers)\b", question.strip(), re.I)
    after = question.strip()[kind_of_paper.end():].strip(" ?.") if kind_of_paper else "-"
    if kind_of_paper and not re.sub(r"^(?:in|on)\s+(?:the|this|my|your)\s+(?:collection|corpus|library)\b|^here\b", "", after, flags=re.I).strip():
        return kind_of_paper.group(1), False
    # "Which one of the pruning methods needs no retraining?": the choice is among those methods, and what follows is the verb phrase.
    rest = re.sub(r"^of\s+(?:the|these|those)\s+(?:\S+\s+){0,4}?(?:papers|methods|approaches|works|techniques|models)\s+", "", rest, flags=re.I)
    noun = re.sub(r"^(?:exist\s+|are\s+there\s+)?(?:for|on|about|regarding|addressing)\s+", "", rest, flags=re.I)
    if lead:  # "What techniques are used in X?", "find work related to X"; not a question that opens "In the study on ..."
        noun = re.sub(r"^(?:in|(?:related|relevant)\s+to)\s+", "", noun, flags=re.I)
    noun = re.sub(r"^(?:are|is)\s+(?:mainly\s+)?(?:about|on)\s+", "", noun, flags=re.I)
    if not noun:
        return question.strip(" ?"), False
    # A verb phrase follows "which papers" / "which of them" directly; "list ...", "are there ..." and a
    # stripped "for"/"about" leave a noun phrase.
    verb = (bool(lead) and noun == rest and not re.match(r"\s*(?:list|are|is|please|summari[sz]e|review|describe|outline|give|overview)\b", lead.group(0), re.I)
            and not re.search(r"\b(?:on|in|about|for|regarding|of|to)\s*$", lead.group(0), re.I) and bool(re.match(r"[a-z]", noun)))
    return noun, verb
