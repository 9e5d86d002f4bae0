"""The settings tree: defaults, YAML, env, overrides, and unknown keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.errors import UserError
from rag.settings import Settings, dump_default_yaml, load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_every_field_has_a_description():
    def walk(model):
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name} has no description"
            annotation = field.annotation
            if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
                walk(annotation)

    walk(Settings)


def test_default_yaml_matches_the_settings_tree():
    assert (ROOT / "config" / "default.yaml").read_text() == dump_default_yaml(), (
        "config/default.yaml is stale: regenerate it with python -m rag.settings > config/default.yaml"
    )
    assert load_settings(ROOT / "config" / "default.yaml") == load_settings()


def test_unknown_key_names_the_key(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("retrieval:\n  top_kk: 5\n")
    with pytest.raises(UserError, match="retrieval.top_kk"):
        load_settings(bad)


def test_precedence_yaml_then_env_then_overrides(tmp_path, monkeypatch):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("retrieval:\n  top_k: 7\nchroma:\n  port: 1234\n")
    assert load_settings(cfg).retrieval.top_k == 7
    monkeypatch.setenv("RAG__RETRIEVAL__TOP_K", "8")
    monkeypatch.setenv("RAG_CHROMA_HOST", "127.0.0.1")
    settings = load_settings(cfg)
    assert settings.retrieval.top_k == 8 and settings.chroma.host == "127.0.0.1" and settings.chroma.port == 1234
    assert load_settings(cfg, overrides={"retrieval.top_k": 9}).retrieval.top_k == 9


def test_data_dir_chain(monkeypatch, tmp_path):
    monkeypatch.setenv("RAG_DATA_DIR", str(tmp_path / "env"))
    assert load_settings().resolved_data_dir() == tmp_path / "env"
    assert load_settings(overrides={"data_dir": str(tmp_path / "arg")}).resolved_data_dir() == tmp_path / "arg"


def test_invalid_value_and_bad_yaml_are_one_line_errors(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("retrieval:\n  top_k: -3\n")
    with pytest.raises(UserError, match="retrieval.top_k") as info:
        load_settings(cfg)
    assert "\n" not in str(info.value)
    cfg.write_text("retrieval: [unclosed\n")
    with pytest.raises(UserError, match="not valid YAML"):
        load_settings(cfg)


def test_every_preset_file_loads():
    presets = sorted((ROOT / "config" / "presets").glob("*.yaml"))
    assert presets
    for preset in presets:
        assert load_settings(preset) != Settings(), f"{preset} changes nothing"
    cpu = load_settings(ROOT / "config" / "presets" / "local-cpu.yaml")
    assert cpu.answer.backend == "local" and cpu.answer.source_sentences == 3 and cpu.local_llm.repo_id


def test_a_key_given_twice_is_an_error_naming_it(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("retrieval:\n  top_k: 5\n  top_k: 7\n")
    with pytest.raises(UserError, match=r"key 'top_k' is given twice \(line 3\)"):
        load_settings(path)
    path.write_text("retrieval:\n  top_k: 5\nretrieval:\n  mode: bm25\n")
    with pytest.raises(UserError, match="key 'retrieval' is given twice"):
        load_settings(path)


def test_a_bad_environment_override_names_its_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("RAG__RETRIEVAL__TOP_K", "-3")
    with pytest.raises(UserError, match="invalid setting 'retrieval.top_k' in environment variable RAG__RETRIEVAL__TOP_K"):
        load_settings()
    path = tmp_path / "c.yaml"
    path.write_text("retrieval:\n  mode: bm25\n")
    with pytest.raises(UserError, match="RAG__RETRIEVAL__TOP_K"):
        load_settings(path)
    monkeypatch.delenv("RAG__RETRIEVAL__TOP_K")
    monkeypatch.setenv("RAG__RETRIEVAL__NO_SUCH_KEY", "1")
    with pytest.raises(UserError, match="unknown setting 'retrieval.no_such_key' in environment variable RAG__RETRIEVAL__NO_SUCH_KEY"):
        load_settings()


def test_chunk_overlap_must_stay_under_half_the_chunk(tmp_path):
    with pytest.raises(UserError, match=r"overlap_tokens \(256\) must be at most half of max_tokens \(256\)"):
        load_settings(overrides={"chunking.overlap_tokens": 256})
    assert load_settings(overrides={"chunking.overlap_tokens": 128}).chunking.overlap_tokens == 128
