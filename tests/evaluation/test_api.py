"""End-to-end `rag eval` against the ingested sample corpus: real model, real Chroma, real Assistant.ask."""

from __future__ import annotations

import json
from pathlib import Path

from rag.cli import main
from support import smollm_gguf

FIVE = Path(__file__).resolve().parents[1] / "fixtures" / "eval_five.jsonl"


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_eval_writes_every_output_and_resume_skips_finished_questions(sample_data_dir, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["eval", str(FIVE), "--data-dir", str(sample_data_dir), "--out", str(out), "--quiet"]) == 0
    for name in ("results.jsonl", "summary.json", "report.md", "report.html", "ragas.jsonl"):
        assert (out / name).stat().st_size > 0, name
    results = _lines(out / "results.jsonl")
    assert [r["id"] for r in results] == ["fact-02", "fact-03", "topic-01", "compare-01", "absent-01"]
    assert all(r["error"] is None and r["retrieved"] and "hit@5" in r["metrics"] for r in results)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["questions"] == 5 and summary["counts_by_type"]["fact"] == 2
    assert 0.0 <= summary["metrics"]["mrr"] <= 1.0 and summary["latency"]["total_ms"]["p95"] > 0
    # The sample corpus holds every gold paper of these questions, so retrieval must find most of them.
    assert summary["metrics"]["hit@10"] >= 0.75
    html = (out / "report.html").read_text()
    assert html.count("<svg") >= 2 and "failures first" in html and "Medusa" in html
    ragas = _lines(out / "ragas.jsonl")
    assert len(ragas) == 5 and set(ragas[0]) == {"question", "answer", "contexts", "ground_truth"} and ragas[0]["contexts"]

    # A second run into the same folder without --resume refuses, one line, nothing overwritten.
    capsys.readouterr()
    assert main(["eval", str(FIVE), "--data-dir", str(sample_data_dir), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert "--resume" in err and len(err.splitlines()) == 1
    assert len(_lines(out / "results.jsonl")) == 5

    # Simulate an interrupted run: keep three finished lines plus a torn fourth.
    kept = (out / "results.jsonl").read_text().splitlines()[:3]
    (out / "results.jsonl").write_text("\n".join(kept) + '\n{"id": "compare-01", "ty')
    before = {r["id"]: r["timings"]["finished_at"] for r in map(json.loads, kept)}
    assert main(["eval", str(FIVE), "--data-dir", str(sample_data_dir), "--out", str(out), "--quiet", "--resume"]) == 0
    resumed = _lines(out / "results.jsonl")
    assert sorted(r["id"] for r in resumed) == sorted(r["id"] for r in results)
    after = {r["id"]: r["timings"]["finished_at"] for r in resumed}
    assert all(after[i] == before[i] for i in before), "finished questions were asked again"
    assert after["compare-01"] > max(before.values()) and after["absent-01"] > max(before.values())

    # Resuming a shorter run (--limit 2) asks nothing and drops none of the other stored lines.
    assert main(["eval", str(FIVE), "--data-dir", str(sample_data_dir), "--out", str(out), "--quiet", "--resume", "--limit", "2"]) == 0
    assert {r["id"]: r["timings"]["finished_at"] for r in _lines(out / "results.jsonl")} == after
    assert json.loads((out / "summary.json").read_text())["questions"] == 2


def test_malformed_lines_are_reported_and_the_judge_verdicts_stored(sample_data_dir, tmp_path, capsys):
    good = FIVE.read_text().splitlines()
    questions = tmp_path / "q.jsonl"
    questions.write_text("\n".join([good[0], '{"id": "broken", "question": ', '{"id": "x"}', good[1]]) + "\n")
    config = tmp_path / "judge.yaml"
    config.write_text(f"evaluation:\n  judge_backend: local\nlocal_llm:\n  model_path: {smollm_gguf()}\n  max_tokens: 48\n")
    out = tmp_path / "run"
    assert main(["eval", str(questions), "--data-dir", str(sample_data_dir), "--config", str(config), "--out", str(out),
                 "--quiet", "--judge"]) == 0
    err = capsys.readouterr().err
    assert f"{questions}:2: not valid JSON" in err and f"{questions}:3: missing or empty 'question'" in err
    results = _lines(out / "results.jsonl")
    assert [r["id"] for r in results] == ["fact-02", "fact-03"]
    assert len(json.loads((out / "summary.json").read_text())["rejected_lines"]) == 2
    judged = [r for r in results if not r["abstained"]]
    assert judged, "both questions abstained, so the judge was never exercised"
    for result in judged:
        assert result["judge"]["verdict"] in {"faithful", "unfaithful", "unparsed"} and result["judge"]["reason"]


def test_compare_two_configs_writes_the_comparison_report(sample_data_dir, tmp_path, capsys):
    small, large = tmp_path / "top3.yaml", tmp_path / "top10.yaml"
    small.write_text("retrieval:\n  top_k: 3\n")
    large.write_text("retrieval:\n  top_k: 10\n")
    out = tmp_path / "cmp"
    code = main(["eval", str(FIVE), "--data-dir", str(sample_data_dir), "--out", str(out), "--quiet", "--compare", str(small), str(large)])
    assert code == 0
    for name in ("comparison.md", "comparison.html", "comparison.json", "top3/results.jsonl", "top10/report.html"):
        assert (out / name).is_file(), name
    comparison = json.loads((out / "comparison.json").read_text())
    rows = {m["name"]: m for m in comparison["metrics"]}
    # Ten retrieved papers can only recall more of the gold than three.
    assert rows["recall@10"]["b"] >= rows["recall@10"]["a"]
    assert rows["recall@10"]["low"] <= rows["recall@10"]["diff"] <= rows["recall@10"]["high"]
    assert len(_lines(out / "top3/results.jsonl")[0]["retrieved"]) == 3
    md = (out / "comparison.md").read_text()
    assert "95% CI (paired bootstrap)" in md and "| top3 | top10 |" in md and "Flipped questions" in md
    assert "diff" in capsys.readouterr().out
