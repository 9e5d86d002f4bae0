"""Chat UI benchmarks: `rag serve` startup and time to the first streamed token in a real browser.

    python eval/bench_ui.py --data-dir /tmp/ui-data [--runs 3] [--questions 5] [--out docs/bench/ui.json]

The data dir must already hold an ingested collection (e.g. `rag ingest data/sample`).
Timings on a shared machine are noisy: each run also measures, in the same run, the two
floors it is compared against (importing gradio; loading the model + one retrieval, the
work lazy loading keeps out of startup).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from conftest import free_port  # noqa: E402

ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", "ANONYMIZED_TELEMETRY": "False"}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]


def _timed_python(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=ENV, check=True, capture_output=True)
    return time.perf_counter() - start


def start_server(data_dir: str) -> tuple[subprocess.Popen, str, float]:
    """Start `rag serve`; return (process, url, seconds until GET / answers 200)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "rag.cli", "serve", "--data-dir", data_dir, "--port", str(port)],
                            cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return proc, url, time.perf_counter() - start
        except OSError:
            if proc.poll() is not None or time.perf_counter() - start > 180:
                raise SystemExit("rag serve did not start")
            time.sleep(0.1)


def first_token_times(url: str, questions: list[str], floor=None) -> list[dict]:
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(url)
        page.wait_for_selector("#rag-input textarea")
        for i, question in enumerate(questions):
            page.fill("#rag-input textarea", question)
            start = time.perf_counter()
            page.keyboard.press("Enter")
            # The bubble first shows a placeholder "…"; the first token replaces it.
            page.wait_for_function(
                f"""() => {{ const a = document.querySelectorAll('#rag-chat .answer');
                    return a.length > {i} && a[{i}].innerText.trim().length > 1; }}""", timeout=180_000)
            first = time.perf_counter() - start
            page.wait_for_function(f"document.querySelectorAll('#rag-chat .answer .footer').length > {i}", timeout=180_000)
            row = {"question": question[:60], "first_token_s": round(first, 3), "final_s": round(time.perf_counter() - start, 3)}
            if floor is not None:
                # Same question straight through Assistant.stream, right away, so both see the same machine load.
                row["pipeline_first_token_s"] = round(floor(question), 3)
            rows.append(row)
        browser.close()
    return rows


def pipeline_floor(data_dir: str, warm_question: str):
    """A warmed in-process Assistant; returns question -> seconds to its first streamed TextDelta."""
    sys.path.insert(0, str(ROOT))
    from rag import Assistant
    from rag import TextDelta

    assistant = Assistant(data_dir=data_dir)
    assistant.ask(warm_question)  # warm: model, store, BM25 index

    def first_token(question: str) -> float:
        start = time.perf_counter()
        for event in assistant.stream(question):
            if isinstance(event, TextDelta):
                break
        return time.perf_counter() - start

    return first_token


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--questions", type=int, default=5)
    parser.add_argument("--out", default=str(ROOT / "docs" / "bench" / "ui.json"), help="where the JSON result is also written")
    args = parser.parse_args()
    questions = [json.loads(line)["question"] for line in (ROOT / "eval/questions/dev.jsonl").read_text().splitlines() if line][: args.questions + 1]

    startups, gradio_import, eager = [], [], []
    for _ in range(args.runs):
        gradio_import.append(_timed_python("import gradio"))
        eager.append(_timed_python(f"from rag import Assistant; Assistant(data_dir={args.data_dir!r}).retrieve('warm up', top_k=1)"))
        proc, url, seconds = start_server(args.data_dir)
        startups.append(seconds)
        proc.terminate()
        proc.wait()
    proc, url, _ = start_server(args.data_dir)
    try:
        warm = first_token_times(url, questions[:1])  # the first question also waits for the warm-up thread
        rows = first_token_times(url, questions[1:], floor=pipeline_floor(args.data_dir, questions[0]))
    finally:
        proc.terminate()
        proc.wait()
    result = {
        "load_average": os.getloadavg(),
        "startup_s": [round(s, 2) for s in startups], "startup_median_s": round(statistics.median(startups), 2),
        "import_gradio_s": round(statistics.median(gradio_import), 2),
        "eager_model_and_retrieve_s": round(statistics.median(eager), 2),
        "cold_first_question": warm[0],
        "first_token_median_s": round(statistics.median(r["first_token_s"] for r in rows), 3),
        "first_token_max_s": max(r["first_token_s"] for r in rows),
        "pipeline_first_token_median_s": round(statistics.median(r["pipeline_first_token_s"] for r in rows), 3),
        "ui_overhead_median_s": round(statistics.median(r["first_token_s"] - r["pipeline_first_token_s"] for r in rows), 3),
        "final_answer_median_s": round(statistics.median(r["final_s"] for r in rows), 3),
        "questions": rows,
    }
    print(json.dumps(result, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
