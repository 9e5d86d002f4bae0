"""The `rag` command line. Each subcommand is a small function over the public Assistant API."""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from pathlib import Path
from typing import Any, Callable

from rag.errors import UserError

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def command(name: str):
    def register(fn):
        COMMANDS[name] = fn
        return fn

    return register


def _assistant(args: argparse.Namespace, **overrides: Any):
    from rag.assistant import Assistant

    overrides = {k: v for k, v in overrides.items() if v is not None}
    if getattr(args, "config", None):
        return Assistant.from_config(args.config, data_dir=args.data_dir, **overrides)
    return Assistant(data_dir=args.data_dir, **overrides)


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, indent=2, ensure_ascii=False, default=str))


@command("ingest")
def cmd_ingest(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    assistant = _assistant(args)
    bar = tqdm(unit=" papers", desc="ingest", disable=args.quiet, file=sys.stderr)

    def progress(done: int, total: int | None) -> None:
        if total:
            bar.total = total
        bar.update(done - bar.n)

    try:
        report = assistant.ingest(args.paths, progress=progress)
    finally:
        bar.close()
    nothing_usable = report.added + report.updated + report.unchanged + report.merged == 0
    if args.json:
        _print_json(report.to_dict())
        return 1 if nothing_usable and report.rejected else 0
    if report.skipped:
        from rag.ingest.files import describe_skipped

        print(f"note: {describe_skipped(report.skipped)}", file=sys.stderr)
    for rejection in report.rejected[: args.show_rejected]:
        print(f"rejected: {rejection}", file=sys.stderr)
    if len(report.rejected) > args.show_rejected:
        print(f"... and {len(report.rejected) - args.show_rejected} more rejected", file=sys.stderr)
    print(report.summary())
    return 1 if nothing_usable and report.rejected else 0


@command("stats")
def cmd_stats(args: argparse.Namespace) -> int:
    stats = _assistant(args).stats()
    if args.json:
        _print_json(stats.to_dict())
        return 0
    print(f"papers:          {stats.papers}")
    print(f"chunks:          {stats.chunks}")
    print(f"sources:         {len(stats.sources)}" + (f" ({', '.join(stats.sources[:8])}{' …' if len(stats.sources) > 8 else ''})" if stats.sources else ""))
    print(f"embedding model: {stats.embedding_model}")
    print(f"store:           {stats.store_location}")
    return 0


@command("serve")
def cmd_serve(args: argparse.Namespace) -> int:
    # Gradio is imported only here: the library and the other commands never load it.
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from ui.serve import Server, parse_auth

    if args.auth:
        # Any local user can read another process's command line in /proc/PID/cmdline.
        print("warning: --auth on the command line is visible to other users of this machine (ps, /proc); "
              "set RAG_AUTH or use --auth-file instead", file=sys.stderr)
    auth = parse_auth(args.auth or _read_auth_file(args.auth_file) or os.environ.get("RAG_AUTH"))
    assistant = _assistant(args)
    ui = assistant.settings.ui
    Server(assistant).serve(args.host or ui.host, args.port or ui.port, auth=auth, insecure=args.insecure)
    return 0


def _read_auth_file(path: str | None) -> str | None:
    """USER:PASSWORD from the first line of a file (kept out of the process list)."""
    if not path:
        return None
    try:
        return Path(path).expanduser().read_text(encoding="utf-8").splitlines()[0].strip() or None
    except (OSError, UnicodeDecodeError, IndexError) as exc:
        raise UserError(f"cannot read the --auth-file {path} ({getattr(exc, 'strerror', None) or type(exc).__name__}); "
                        "give a readable file whose first line is USER:PASSWORD") from None


def _print_hits(hits) -> None:
    for rank, hit in enumerate(hits, 1):
        year = hit.metadata.year or ""
        print(f"{rank:>2}. [{hit.score:.3f}] {hit.title} ({year}) {hit.paper_id}")


def _filters_from_args(args: argparse.Namespace) -> dict:
    given = {"year_from": args.year_from, "year_to": args.year_to, "author": args.author, "category": args.category,
             "source": args.source, "paper_ids": args.paper_id}
    return {k: v for k, v in given.items() if v is not None}


@command("retrieve")
def cmd_retrieve(args: argparse.Namespace) -> int:
    hits = _assistant(args).retrieve(args.question, top_k=args.top_k, filters=_filters_from_args(args), mode=args.mode)
    if args.json:
        _print_json([h.to_dict() for h in hits])
    else:
        _print_hits(hits)
    return 0


def _print_answer(answer) -> None:
    print(answer.text)
    for notice in answer.notices:
        print(f"note: {notice}", file=sys.stderr)
    if answer.citations:
        print("\nReferences:")
        print("\n".join(answer.references()))
    for sentence in answer.unsupported_sentences:
        print(f"warning: not supported by the cited abstracts: {sentence}", file=sys.stderr)
    print(f"\n(answered by: {answer.backend})", file=sys.stderr)


@command("ask")
def cmd_ask(args: argparse.Namespace) -> int:
    answer = _assistant(args).ask(args.question, backend=args.backend, top_k=args.top_k, filters=_filters_from_args(args) or None)
    if args.json:
        _print_json(answer.to_dict())
    else:
        _print_answer(answer)
    return 0


@command("similar")
def cmd_similar(args: argparse.Namespace) -> int:
    hits = _assistant(args).similar(args.example, top_k=args.top_k)
    if args.json:
        _print_json([h.to_dict() for h in hits])
    else:
        _print_hits(hits)
    return 0


@command("eval")
def cmd_eval(args: argparse.Namespace) -> int:
    from rag.evaluation import compare, evaluate

    from rag.evaluation.questions import load_question_files

    questions, problems = load_question_files(args.questions)
    for problem in problems:
        print(f"rejected: {problem}", file=sys.stderr)
    options = dict(out_dir=args.out, backend=args.backend, top_k=args.top_k, resume=args.resume, limit=args.limit,
                   judge=args.judge, progress=not args.quiet, rejected_lines=problems)
    if args.compare:
        from rag.assistant import Assistant

        path_a, path_b = args.compare
        label_a, label_b = Path(path_a).stem, Path(path_b).stem
        if label_a == label_b:
            label_a, label_b = "a", "b"
        result = compare(questions, Assistant.from_config(path_a, data_dir=args.data_dir), Assistant.from_config(path_b, data_dir=args.data_dir),
                         label_a, label_b, **options)
        for row in result.metrics:
            if row.diff is not None:
                print(f"{row.name:<24} {label_a} {row.a:.3f}  {label_b} {row.b:.3f}  diff {row.diff:+.3f} [{row.low:+.3f}, {row.high:+.3f}]")
        print(f"{len(result.flipped)} questions flipped; report: {result.out_dir}/comparison.html")
        return 0
    summary = evaluate(questions, _assistant(args), **options)
    for name, value in summary.metrics.items():
        print(f"{name:<24} {'-' if value is None else f'{value:.3f}'}")
    shown = ("citation_recall", "citation_precision", "keyword_correct", "compare_all_cited", "abstention_accuracy", "passed")
    for kind, row in summary.by_type.items():
        cells = "  ".join(f"{n} {row[n]:.3f}" for n in shown if row.get(n) is not None)
        print(f"{kind + f' (n={summary.counts_by_type[kind]})':<24} {cells}")
    for name, row in summary.latency.items():
        print(f"{name:<24} p50 {row['p50'] or 0:.0f} ms  p95 {row['p95'] or 0:.0f} ms")
    print(f"report: {summary.out_dir}/report.html")
    return 0


class _Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors, like every other error of the command line."""

    def error(self, message: str):
        self.exit(2, f"error: {message} (see `{self.prog} --help`)\n")


def _bounded_int(low: int, high: int | None, what: str):
    """An argparse type: a whole number in [low, high], else a one-line usage error."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a whole number, not {text!r}") from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"{what} must be from {low} to {high}, not {value}" if high is not None
                                             else f"{what} must be at least {low}, not {value}")
        return value

    return parse


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("rag-abstracts")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def _shared_flags(parser: argparse.ArgumentParser, default: Any) -> None:
    # The same flags on the top-level parser and on every subcommand, so they work before or
    # after it (`rag --data-dir X ingest ...` and `rag ingest ... --data-dir X`). On the
    # subcommands their default is SUPPRESS, so a flag given before it is not reset.
    parser.add_argument("--data-dir", default=default, help="data directory (default: RAG_DATA_DIR or ~/.local/share/rag)")
    parser.add_argument("--config", default=default, help="YAML settings file (default: built-in defaults)")


def build_parser() -> argparse.ArgumentParser:
    from rag.settings.schema import MAX_TOP_K

    parser = _Parser(prog="rag", description="Question answering over scientific paper abstracts.")
    parser.add_argument("--version", action="version", version=f"rag {_version()}")
    _shared_flags(parser, None)
    common = _Parser(add_help=False)
    _shared_flags(common, argparse.SUPPRESS)
    top_k = _bounded_int(1, MAX_TOP_K, "--top-k")
    # retrieve and ask take the same metadata filters
    filters = _Parser(add_help=False)
    filters.add_argument("--year-from", type=int, default=None, help="only papers from this year on")
    filters.add_argument("--year-to", type=int, default=None, help="only papers up to this year")
    filters.add_argument("--author", default=None, help="only papers with an author containing this text")
    filters.add_argument("--category", default=None, help="only papers in this category, e.g. cs.LG")
    filters.add_argument("--source", default=None, help="only papers read from this input file")
    filters.add_argument("--paper-id", nargs="+", default=None, help="only these paper ids")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", parents=[common], help="add files or folders of abstracts")
    p.add_argument("paths", nargs="+", help="files or folders (listing pages, JSONL[.gz], CSV, BibTeX)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--json", action="store_true", help="print the ingest report as JSON")
    p.add_argument("--show-rejected", type=_bounded_int(0, None, "--show-rejected"), default=20, help="how many rejected inputs to list")

    p = sub.add_parser("serve", parents=[common], help="open the chat in a browser (Gradio)")
    p.add_argument("--host", default=None, help="address to bind (default: ui.host, 127.0.0.1)")
    p.add_argument("--port", type=_bounded_int(1, 65535, "--port"), default=None, help="port (default: ui.port, 7860)")
    p.add_argument("--auth", default=None, help="USER:PASS required to open the page; visible to other local users, so prefer env RAG_AUTH or --auth-file")
    p.add_argument("--auth-file", default=None, help="a file whose first line is USER:PASS (default: env RAG_AUTH)")
    p.add_argument("--insecure", action="store_true", help="allow a non-loopback --host without --auth")

    p = sub.add_parser("stats", parents=[common], help="describe the collection")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("retrieve", parents=[common, filters], help="find the papers for a question")
    p.add_argument("question")
    p.add_argument("--top-k", type=top_k, default=None)
    p.add_argument("--json", action="store_true")
    p.add_argument("--mode", choices=["hybrid", "dense", "bm25"], default=None, help="retrievers to run (default: retrieval.mode)")

    p = sub.add_parser("ask", parents=[common, filters], help="answer a question with cited papers")
    p.add_argument("question")
    p.add_argument("--backend", choices=["extractive", "local", "openai"], default=None, help="who writes the answer (default: answer.backend)")
    p.add_argument("--top-k", type=top_k, default=None)
    p.add_argument("--json", action="store_true", help="print the whole Answer as JSON")

    p = sub.add_parser("similar", parents=[common], help="find papers related to a paper id or a piece of text")
    p.add_argument("example", metavar="ID_OR_TEXT")
    p.add_argument("--top-k", type=top_k, default=10)
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("eval", parents=[common], help="evaluate retrieval and answers on a question file")
    p.add_argument("questions", nargs="+", help="JSON Lines files of questions (id, type, question, gold_titles/gold_ids/gold_grades, "
                   "answer_keywords) or of conversations ({id, turns: [questions]}), asked turn by turn with history")
    p.add_argument("--backend", default=None, help="answer backend (default: answer.backend)")
    p.add_argument("--top-k", type=top_k, default=None, help="papers retrieved per question (default: retrieval.top_k)")
    p.add_argument("--out", default=None, help="output folder (default: eval/runs/<timestamp>)")
    p.add_argument("--resume", action="store_true", help="keep finished questions in --out and ask only the rest")
    p.add_argument("--limit", type=_bounded_int(1, None, "--limit"), default=None, help="only the first N questions")
    p.add_argument("--compare", nargs=2, metavar=("A.yaml", "B.yaml"), help="run two configurations and compare them")
    p.add_argument("--judge", action="store_true", help="also ask an LLM judge about faithfulness (evaluation.judge_backend)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", FutureWarning)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UserWarning)
            code = COMMANDS[args.command](args)
        for warning in caught:
            if issubclass(warning.category, UserWarning) and "truncated" in str(warning.message):
                print(f"warning: {warning.message}", file=sys.stderr)
        return code
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted; nothing committed is lost: re-run the same command to finish", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `rag stats | head -2`: the reader left early. Point stdout at /dev/null so the
        # interpreter's own flush at exit does not raise a second time.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        print("error: the output pipe closed before rag finished writing; read the whole output or use --json", file=sys.stderr)
        return 1
    except OSError as exc:
        # A user's environment, not a bug: an unwritable or missing folder, a full disk.
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        print(f"error: {exc.strerror or type(exc).__name__}:{where}; check the path and its permissions", file=sys.stderr)
        return 2
    except Exception as exc:  # the last line of defence: one line, not a traceback
        if os.environ.get("RAG_DEBUG"):
            raise
        print(f"error: unexpected {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''} "
              "(a bug; rerun with RAG_DEBUG=1 for the traceback and report it)", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
