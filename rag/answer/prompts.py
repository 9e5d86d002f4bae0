"""Prompts for the model backends, loaded from a YAML file named in settings."""

from __future__ import annotations

from pathlib import Path

import yaml

from rag.errors import UserError
from rag.text.markers import defuse_markers
from rag.types import Hit

_PROJECT_ROOT = Path(__file__).resolve().parents[2]
_KEYS = ("system", "source", "user", "rewrite")


def _locate(path: str) -> Path:
    candidate = Path(path).expanduser()
    if candidate.is_absolute() or candidate.is_file():
        return candidate
    return _PROJECT_ROOT / candidate


class PromptBuilder:
    """Builds chat messages: the system rules, then the retrieved papers labelled [1]..[n].

    Each source shows the paper's best evidence chunks (falling back to its abstract),
    cut to ``source_chars``, which keeps the prompt small for CPU models.

    >>> builder = PromptBuilder("config/prompts.yaml", source_chars=1200)
    >>> builder.messages("What is Medusa?", [])[0]["role"]
    'system'
    """

    def __init__(self, path: str, source_chars: int):
        location = _locate(path)
        try:
            loaded = yaml.safe_load(location.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise UserError(f"cannot read prompts file {location} ({type(exc).__name__}); set answer.prompts_path to a valid YAML file") from None
        missing = [k for k in _KEYS if not isinstance((loaded or {}).get(k), str)]
        if missing:
            raise UserError(f"prompts file {location} lacks {', '.join(missing)}; copy them from config/prompts.yaml")
        self.templates = loaded
        self.source_chars = source_chars

    def source_text(self, hit: Hit) -> str:
        # Evidence chunks repeat the title; drop it so the model reads it once.
        chunks = [c.removeprefix(hit.title).strip(" .:\n") for c in hit.evidence] or [hit.abstract]
        text = " … ".join(dict.fromkeys(c for c in chunks if c)) or hit.abstract
        return defuse_markers(text[: self.source_chars])

    def messages(self, question: str, hits: list[Hit], texts: list[str] | None = None, kind: str = "fact") -> list[dict[str, str]]:
        """``texts``, when given, replaces each paper's evidence (e.g. CompactSources' best sentences).

        ``kind`` (the plan's question kind) picks the answer-shape instruction, e.g. one item per
        paper for a list question; a prompts file without that key gets none. ``{papers}`` in it
        becomes the number of sources ("3 papers").
        """
        bodies = [defuse_markers(t[: self.source_chars]) for t in texts] if texts is not None else [self.source_text(h) for h in hits]
        sources = "\n".join(
            self.templates["source"].format(
                number=i, title=defuse_markers(hit.title), year=f" ({hit.metadata.year})" if hit.metadata.year else "", text=body
            )
            for i, (hit, body) in enumerate(zip(hits, bodies), 1)
        )
        # "{papers}" becomes "3 papers": given "N papers address ...", a 1.5B model wrote "N papers" verbatim.
        # A plain replace, not format(): a user's prompts file may hold other braces.
        count = f"{len(hits)} paper{'' if len(hits) == 1 else 's'}"
        shape = (self.templates.get("shapes") or {}).get(kind, "").replace("{papers}", count)
        system = self.templates["system"].strip() + (f"\n{shape.strip()}" if shape else "")
        return [
            {"role": "system", "content": system},
            {"role": "user", "content": self.templates["user"].format(sources=sources.strip(), question=question).strip()},
        ]
