"""The quantity a question asks about, and how a sentence that reports it looks.

>>> asked_quantity("How do LD-Pruner and A-SDM compare in speedup?"), asked_quantity("What FID does RCG get?")
('speedup', 'FID')
>>> reports_quantity("Medusa-1 achieves over 2.2x speedup.", "speedup"), reports_quantity("We propose Medusa.", "speedup")
(True, False)
>>> reports_quantity("We reduce the inference time of Stable Diffusion by 34.9%.", "speedup")
True
>>> reports_quantity("InfoBatch losslessly saves 40% overall cost.", "FLOPs")
True
>>> reports_quantity("The compressed models speeds up inference by up to 22.35%.", "speedup")
True
"""

from __future__ import annotations

import re

# (name, words in a question that ask for it, what a sentence reporting it contains besides a number)
_QUANTITIES: list[tuple[str, str, str]] = [
    ("speedup", r"speed[- ]?ups?|\bspeeds?\b|faster|how fast|acceleration|accelerate", r"\d\s*(?:x|×)(?!\w)|speeds?[- ]?up|faster|acceleration|accelerat|\bspeed\b"
     # Speed-ups are also reported as time or latency saved ("reduce the inference time by 34.9%"), or as
     # throughput gained ("20% higher training throughput").
     r"|(?:inference|generation|decoding|sampling|training|running|wall-?clock|run)[- ]?time|latency|throughput"),
    ("throughput", r"throughput|tokens?\s+per\s+second|tokens?/s|fps|frames per second", r"per second|/s\b|fps|throughput"),
    ("time", r"how long|how much time|latency|run-?time|wall-?clock|seconds|minutes|hours", r"seconds?|minutes?|hours?|\bms\b|\bs\b|latency|time"),
    ("accuracy", r"accuracy|top-1|top-5", r"accuracy|top-1|top-5|%"),
    ("F1", r"\bf1\b|f-score|f-measure", r"\bf1\b|f-score|f-measure"),
    ("FID", r"\bfid\b", r"\bfid\b"),
    ("BLEU", r"\bbleu\b", r"\bbleu\b"),
    ("PSNR", r"\bpsnr\b|\bssim\b|\blpips\b", r"psnr|ssim|lpips|\bdb\b"),
    ("perplexity", r"perplexity", r"perplexity"),
    ("Dice", r"\bdice\b|\bm?iou\b|intersection over union", r"\bdice\b|\bm?iou\b|intersection over union"),
    ("AUC", r"\bauc\b|\bauroc\b|area under", r"\bauc\b|\bauroc\b|area under"),
    ("error rate", r"error rate|\bwer\b|\bcer\b", r"error|\bwer\b|\bcer\b"),
    # Parameters as a size ("how many parameters", "fewer parameters", "compare in parameters"), not as a thing a
    # method acts on ("how do they handle redundant fine-tuned parameters?", which asks for a mechanism).
    ("parameters", r"(?:how\s+many|number\s+of|count\s+of|fewer|more|less|extra|additional|trainable)\s+(?:\S+\s+){0,2}?(?:parameters?|params)\b"
     r"|\b(?:parameters?|params)\s+(?:count|savings|budget|overhead|do|does|did)\b|\b(?:in|of)\s+(?:terms\s+of\s+)?(?:parameters?|params)\s*[?,.]"
     r"|parameter-efficien|trainable", r"parameters?|params|times fewer|x fewer|fewer"),
    # Memory is also reported as storage or model size saved ("saving 33% ... of the model size").
    ("memory", r"memory|vram|\bgb\b|footprint", r"memory|\bgb\b|\bmb\b|footprint|storage|model\s+sizes?|(?:reduc|sav)\w*\s+(?:\S+\s+){0,3}?(?:size|space)"),
    # Compute saved is as often reported as cost ("saves 40% overall cost") or GPU hours as in FLOPs.
    ("FLOPs", r"flops|macs|compute|computation|computational cost", r"flops|macs|comput|\bcosts?\b|gpu[- ]hours?"),
    ("bitrate", r"bitrate|bit-rate|\bbpp\b|kbps|bits per pixel|compression ratio|compression rate", r"bpp|kbps|bit|compression|ratio"),
    ("data", r"how much data|training data|data savings|save data", r"data|samples|examples|%"),
    # "How do the gains reported by the two papers compare?": a relative figure (8x, 10x, 35%), not a size ("13B").
    ("gain", r"\bgains?\b|\bimprovements?\b|how\s+much\s+better", r"increas|improv|gain|better|higher|faster|\d\s*(?:x|×)|%"),
    ("count", r"how many|number of", r""),
    ("amount", r"how much|how large|how big|how small|by how", r""),
]
_ASKED = [(name, re.compile(rf"(?:{words})", re.I)) for name, words, _ in _QUANTITIES]
_REPORTED = {name: re.compile(cue, re.I) for name, _, cue in _QUANTITIES if cue}
# A reported figure: a number that is not part of a name ("Medusa-2", "GPT-4", "ViT-H/14") or a year, nor of a
# version ("2.2.1"); a sentence's closing period may follow it ("... over 2.2x.", "saves 40%.").
FIGURE = re.compile(r"(?<![\w.\-/])(\d+(?:[.,]\d+)?(?:\s?-\s?\d+(?:\.\d+)?)?\s?(?:x|×|%|times|fps|bpp|kbps|dB|ms|seconds?|minutes?|hours?|GB|MB|[KMB]\b)?)(?!\w|\.\d)")
_YEAR = re.compile(r"(?:19|20)\d\d")


_SIZE = re.compile(r"\d\s?(?:[KMB]|GB|MB)$")
# What a size-suffixed number ("70B", "13B", "8GB") can report; for anything else it names a model or a dataset.
_SIZE_QUANTITIES = {"parameters", "memory", "data", "count", "amount", None}


def figures(sentence: str, quantity: str | None = None) -> list[re.Match[str]]:
    """The reported figures of a sentence, left to right.

    Left out: years, names with digits ("GPT-4"), list enumerators ("2) For the tuning-free
    method ..."), and, unless the quantity is a size, sizes such as "70B" (a model, not a speed-up).

    >>> [m.group(1) for m in figures("2) On 13B and 70B models it is 1.6x faster (34.9%).", "speedup")]
    ['1.6x', '34.9%']
    >>> [m.group(1) for m in figures("It runs faster than 16-bit baselines at 15% speedup.", "speedup")]
    ['15%']
    """
    out = []
    for m in FIGURE.finditer(sentence):
        number = m.group(1).strip()
        if _YEAR.fullmatch(number):
            continue
        if number.isdigit() and sentence[m.end():m.end() + 1] == ")":
            continue
        if re.match(r"-[A-Za-z]", sentence[m.end():m.end() + 2]):
            continue  # a compound modifier, not a result: "16-bit baselines", "3-layer"
        if _SIZE.search(number) and quantity not in _SIZE_QUANTITIES:
            continue
        out.append(m)
    return out


def asked_quantity(question: str) -> str | None:
    """The first quantity the question asks about, or None."""
    return next((name for name, pattern in _ASKED if pattern.search(question)), None)


def quantity_cue(sentence: str, quantity: str | None) -> re.Match[str] | None:
    """Where in the sentence the words reporting ``quantity`` stand (None if absent or the quantity has no words)."""
    cue = _REPORTED.get(quantity or "")
    return cue.search(sentence) if cue else None


def reports_quantity(sentence: str, quantity: str | None) -> bool:
    """A number in the sentence, next to the words that report ``quantity`` (any number when none is named)."""
    if not figures(sentence, quantity):
        return False
    cue = _REPORTED.get(quantity or "")
    return cue is None or bool(cue.search(sentence))
