"""report.md and a self-contained report.html (inline SVG) for one run or a comparison."""

from __future__ import annotations

from html import escape
from pathlib import Path

from rag.evaluation.compare import Comparison
from rag.evaluation.scoring import QuestionResult
from rag.evaluation.summary import LATENCY_FIELDS, EvalSummary, definition
from rag.evaluation.svg import grouped_bars, histogram

Table = tuple[list[str], list[list[str]]]
CHART_METRICS = ("hit@1", "hit@5", "hit@10", "mrr", "ndcg@10", "keyword_correct", "citation_precision", "passed")


def fmt(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _md(table: Table) -> str:
    headers, rows = table
    clean = lambda c: str(c).replace("|", "\\|").replace("\n", " ")  # noqa: E731
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(clean(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _html(table: Table) -> str:
    headers, rows = table
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def metrics_table(summary: EvalSummary) -> Table:
    return ["metric", "value", "definition"], [[n, fmt(v), definition(n)] for n, v in summary.metrics.items()]


def by_type_table(summary: EvalSummary) -> Table:
    types = list(summary.by_type)
    rows = [[n, *(fmt(summary.by_type[t].get(n)) for t in types)] for n in summary.metrics]
    return ["metric", *(f"{t} (n={summary.counts_by_type[t]})" for t in types)], rows


def latency_table(summary: EvalSummary) -> Table:
    return ["timing", "p50 ms", "p95 ms"], [[f, fmt(summary.latency[f]["p50"]), fmt(summary.latency[f]["p95"])] for f in LATENCY_FIELDS]


def questions_table(results: list[QuestionResult]) -> Table:
    ordered = sorted(results, key=lambda r: (r.passed, r.type, r.id))
    rows = [[r.id, r.type, fmt(r.passed), fmt(r.metrics.get("hit@10")), fmt(r.metrics.get("keyword_correct")),
             fmt(r.abstained), "; ".join(r.gold_titles) or "(none)", "; ".join(h["title"] for h in r.retrieved[:3]),
             r.error or ""] for r in ordered]
    return ["id", "type", "passed", "hit@10", "keywords", "abstained", "gold titles", "retrieved top 3", "error"], rows


def failures_section(results: list[QuestionResult]) -> tuple[str, str]:
    """Every failed question first: why it failed, its answer, what it cited and what the gold was (markdown, HTML)."""
    failed = sorted((r for r in results if not r.passed), key=lambda r: (r.type, r.id))
    if not failed:
        return "No question failed.", "<p>No question failed.</p>"
    md, html = [], []
    for r in failed:
        cited_gold = {c["title"] for c in r.citations if c.get("gold")}
        cited = [("✓ " if c.get("gold") else "✗ ") + c["title"] for c in r.citations]
        gold = [("✓ " if t in cited_gold else "· ") + t for t in r.gold_titles] or ["(none: the collection should not answer this)"]
        md.append(f"### {r.id} ({r.type}): {r.question}\n\n**Why:** " + "; ".join(r.failures) +
                  f"\n\n**Answer:** {r.answer or '(none)'}\n\n**Cited:** " + ("; ".join(cited) or "(nothing)") +
                  "\n\n**Gold:** " + "; ".join(gold) + "\n")
        html.append(
            f"<div class='fail'><h3>{escape(r.id)} <small>({escape(r.type)})</small>: {escape(r.question)}</h3>"
            f"<p class='why'><b>Why:</b> {escape('; '.join(r.failures))}</p>"
            f"<p><b>Answer:</b> {escape(r.answer or '(none)').replace(chr(10), '<br>')}</p>"
            f"<p><b>Cited:</b> {escape('; '.join(cited) or '(nothing)')}</p><p><b>Gold:</b> {escape('; '.join(gold))}</p></div>")
    return "\n".join(md), "".join(html)


def risk_coverage_table(summary: EvalSummary) -> Table:
    rows = [[fmt(p["threshold"]), fmt(p["coverage"]), fmt(p["risk"])] for p in summary.risk_coverage]
    return ["confidence ≥", "coverage (share answered)", "risk (share of answered that fail)"], rows


def comparison_table(comparison: Comparison) -> Table:
    rows = [[m.name, fmt(m.a), fmt(m.b), fmt(m.diff), f"[{fmt(m.low)}, {fmt(m.high)}]" if m.low is not None else "–", str(m.paired_n)]
            for m in comparison.metrics]
    return ["metric", comparison.label_a, comparison.label_b, "diff (b−a)", "95% CI (paired bootstrap)", "n"], rows


def flips_table(comparison: Comparison) -> Table:
    return ["id", "type", f"{comparison.label_a} passed", f"{comparison.label_b} passed", "question"], [
        [f["id"], f["type"], fmt(f["a_passed"]), fmt(f["b_passed"]), f["question"]] for f in comparison.flipped]


def _write(out_dir: Path, name: str, title: str, sections: list[tuple[str, Table | str]]) -> None:
    md = [f"# {title}"]
    html = [f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title><style>"
            "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;font-size:13px}"
            "td,th{border:1px solid #ccc;padding:3px 6px;vertical-align:top}.fail{border-left:4px solid #c44e52;padding:2px 10px;margin:10px 0}"
            ".fail h3{font-size:15px;margin:4px 0}.why{color:#c44e52}</style></head><body>", f"<h1>{escape(title)}</h1>"]
    for heading, content in sections:
        md.append(f"\n## {heading}\n")
        html.append(f"<h2>{escape(heading)}</h2>")
        if isinstance(content, tuple) and len(content) == 2 and all(isinstance(c, str) for c in content):  # (markdown, HTML)
            md.append(content[0])
            html.append(content[1])
        elif isinstance(content, str):  # an inline SVG: HTML only
            md.append("(chart in report.html)")
            html.append(content)
        else:
            md.append(_md(content))
            html.append(_html(content))
    (out_dir / f"{name}.md").write_text("\n".join(md) + "\n", encoding="utf-8")
    (out_dir / f"{name}.html").write_text("".join(html) + "</body></html>\n", encoding="utf-8")


def _type_chart(summary: EvalSummary) -> str:
    names = [n for n in CHART_METRICS if n in summary.metrics]
    return grouped_bars("metrics by question type", names, {t: [summary.by_type[t].get(n) for n in names] for t in summary.by_type})


def write_run_report(out_dir: Path, summary: EvalSummary, results: list[QuestionResult]) -> None:
    totals = [r.timings["total_ms"] for r in results if not r.error and r.timings.get("total_ms") is not None]
    config = ", ".join(f"{k}={v}" for k, v in summary.config.items())
    failed = sum(1 for r in results if not r.passed)
    _write(out_dir, "report", f"rag eval: {summary.questions} questions ({config})", [
        (f"Failed questions ({failed} of {len(results)})", failures_section(results)),
        ("Summary", metrics_table(summary)),
        ("Metrics by question type", _type_chart(summary)),
        ("By question type", by_type_table(summary)),
        ("Risk–coverage (answerability confidence)", risk_coverage_table(summary)),
        ("Latency", latency_table(summary)),
        ("Total latency histogram", histogram("total latency per question", totals)),
        ("Rejected input lines", (["problem"], [[p] for p in summary.rejected_lines])),
        ("All questions (failures first)", questions_table(results)),
    ])


def write_comparison_report(out_dir: Path, comparison: Comparison) -> None:
    a, b = comparison.label_a, comparison.label_b
    names = [n for n in CHART_METRICS if n in comparison.summary_a.metrics]
    _write(out_dir, "comparison", f"rag eval --compare: {a} vs {b}", [
        ("Metrics side by side", comparison_table(comparison)),
        ("Metrics chart", grouped_bars(f"{a} vs {b}", names, {a: [comparison.summary_a.metrics.get(n) for n in names],
                                                              b: [comparison.summary_b.metrics.get(n) for n in names]})),
        (f"Flipped questions ({len(comparison.flipped)})", flips_table(comparison)),
        (f"Latency: {a}", latency_table(comparison.summary_a)),
        (f"Latency: {b}", latency_table(comparison.summary_b)),
    ])
