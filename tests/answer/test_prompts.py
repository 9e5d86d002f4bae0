"""PromptBuilder: the shape instruction per question kind, with the number of sources filled in."""

from __future__ import annotations

from rag.answer.prompts import PromptBuilder
from rag.types import Hit, PaperMeta


def _hit(n: int) -> Hit:
    return Hit(paper_id=f"p{n}", title=f"Paper {n}", abstract=f"Abstract {n}.", score=1.0, metadata=PaperMeta())


def test_a_list_prompt_names_how_many_papers_it_lists():
    builder = PromptBuilder("config/prompts.yaml", source_chars=400)
    three = builder.messages("Which papers prune LLMs?", [_hit(1), _hit(2), _hit(3)], kind="list")[0]["content"]
    one = builder.messages("Which papers prune LLMs?", [_hit(1)], kind="list")[0]["content"]
    # A 1.5B model copied "N papers address" word for word; it is told the number instead.
    assert '"3 papers in the collection address' in three and '"1 paper in the collection address' in one
    assert "{papers}" not in three and "N papers" not in three
    assert "{papers}" not in builder.messages("What is Medusa?", [_hit(1)], kind="fact")[0]["content"]
