"""Word topicality: the packaged table, and a table built from abstracts by eval/build_topicality.py."""

from __future__ import annotations

import gzip
import importlib.util
import json
from pathlib import Path

import pytest

from rag.errors import UserError
from rag.storage.bm25.tokenizer import BM25Tokenizer
from rag.text.topicality import Topicality

ROOT = Path(__file__).resolve().parents[2]


def _stem(word: str) -> str:
    return BM25Tokenizer().tokenize([word])[0][0]


def test_the_packaged_table_tells_topic_words_from_words_that_only_say_something_about_a_topic():
    topicality = Topicality.load()
    for word in ("video", "watermark", "graph", "agent", "hallucination"):
        assert topicality.weight(_stem(word)) == 1.0, word
    for word in ("get", "avoid", "much", "let"):
        assert topicality.weight(_stem(word)) < 0.1, word
    assert topicality.weight("zorblaxian") == 1.0  # a word no abstract uses: a rare name, so a topic word


def test_a_table_built_from_abstracts_weighs_a_repeated_word_over_one_said_once(tmp_path):
    spec = importlib.util.spec_from_file_location("build_topicality", ROOT / "eval" / "build_topicality.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    papers = [{"title": f"Paper {i}", "abstract": "Our codec codes audio; the codec is fast. We avoid artifacts."} for i in range(6)]
    papers += [{"title": "Other", "abstract": "We avoid a pitfall."}]
    data = tmp_path / "papers.jsonl.gz"
    with gzip.open(data, "wt") as f:
        f.writelines(json.dumps(p) + "\n" for p in papers)
    out = tmp_path / "table.tsv.gz"
    assert build.main([str(data), "--out", str(out), "--min-df", "5"]) == 0
    topicality = Topicality.load(out)
    # "codec" twice in each abstract that uses it: bursty, so left out of the table (fully topical);
    # "avoid" once in every abstract: in the table, weighing nothing.
    assert _stem("codec") not in topicality.burstiness and topicality.weight(_stem("codec")) == 1.0
    assert topicality.weight(_stem("avoid")) == 0.0


def test_an_unreadable_table_is_a_one_line_error_naming_the_setting(tmp_path):
    plain = tmp_path / "table.tsv.gz"
    plain.write_text("video\t3.86\n")  # not gzipped
    for path in (tmp_path / "missing.tsv.gz", plain):
        with pytest.raises(UserError, match=r"answer\.topicality_path") as caught:
            Topicality.load(path)
        assert "\n" not in str(caught.value)
