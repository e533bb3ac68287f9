"""The ``qa`` command: index a corpus, ask it questions, evaluate, or serve the chat.

Everything here calls the Python API; the CLI only parses arguments and prints.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from qa.errors import QAError
from qa.settings import AccessSettings, Settings
from qa.text.display import printable, source_label
from qa.types import Answer

EXIT_USAGE = 2
EXIT_ERROR = 1


class _OneLineFormatter(logging.Formatter):
    """Writes each warning on one line, with control characters in it escaped.

    Warnings quote file names ("skipped bad\\nname.txt: ..."), and a name may hold a newline
    or a terminal escape; escaping them here covers every warning whoever logs it.

    Example:
        >>> record = logging.makeLogRecord({"msg": "skipped %s: %s", "args": ("a\\nb", "why")})
        >>> print(_OneLineFormatter("warning: %(message)s").format(record))
        warning: skipped a\\nb: why
    """

    def formatMessage(self, record: logging.LogRecord) -> str:
        # Only the message: a traceback, when there is one, keeps its lines.
        return printable(super().formatMessage(record))


def _settings_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--corpus",
        type=Path,
        default=Path("seeds"),
        help="article folder (for eval, also a SQuAD JSON file whose articles are the corpus)",
    )
    parser.add_argument("--index-dir", type=Path, default=None, help="where the index is kept")
    parser.add_argument("--top-k", type=int, default=None, help="passages to show")
    parser.add_argument(
        "--reader-model",
        type=Path,
        default=None,
        help="folder of a local Hugging Face extractive-QA model to read with",
    )
    parser.add_argument(
        "--encoder",
        choices=["minilm", "hashing"],
        default=None,
        help="passage encoder (hashing is a fast stand-in for tests)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar or warnings")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``qa`` command."""
    parser = argparse.ArgumentParser(
        prog="qa", description="Ask a folder of news articles a question; get a cited answer."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    index = sub.add_parser("index", help="build or update the index of a corpus")
    index.add_argument("path", nargs="?", type=Path, default=None, help="article folder")
    index.add_argument(
        "--ray",
        nargs="?",
        const="",
        default=None,
        metavar="ADDRESS",
        help=(
            "read, split, encode and analyse on a Ray cluster: a new local one, or the one at "
            "ADDRESS (HOST:PORT, ray://HOST:10001); needs the ray extra. Give PATH first"
        ),
    )
    _settings_args(index)

    ask = sub.add_parser("ask", help="answer a question")
    ask.add_argument("question", help="the question, in quotes")
    ask.add_argument("--json", action="store_true", help="print the Answer as JSON")
    _settings_args(ask)

    evaluate = sub.add_parser("eval", help="measure answers against a question set")
    evaluate.add_argument("data", type=Path, help="SQuAD JSON or JSONL question file")
    evaluate.add_argument("--out", type=Path, default=Path("eval-out"), help="report folder")
    evaluate.add_argument("--limit", type=int, default=None, help="first N questions only")
    _settings_args(evaluate)
    evaluate.set_defaults(corpus=None)

    serve = sub.add_parser("serve", help="start the chat in the browser")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=7860, help="port to listen on")
    serve.add_argument(
        "--token",
        default=None,
        help="token that asking needs (default: $QA_TOKEN; prefer the variable, as other "
        "users of this machine can see a command's arguments)",
    )
    serve.add_argument(
        "--editor-token",
        default=None,
        help="token that may also add and remove articles (default: $QA_EDITOR_TOKEN)",
    )
    serve.add_argument(
        "--no-uploads", action="store_true", help="nobody may add or remove articles"
    )
    serve.add_argument(
        "--open",
        action="store_true",
        help="serve an address other machines can reach without a token (anyone may ask)",
    )
    serve.add_argument(
        "--rate-limit",
        type=int,
        default=None,
        metavar="PER_MINUTE",
        help="questions a client may put to /api/ask a minute when shared (0: no limit; 60)",
    )
    serve.add_argument(
        "--rate-burst", type=int, default=None, metavar="N", help="questions at once (10)"
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="processes answering questions side by side (default: one per core; 0: none)",
    )
    serve.add_argument(
        "--trusted-proxy",
        action="append",
        default=None,
        metavar="ADDRESS",
        help="reverse proxy (address or network) whose X-Forwarded-For names the client",
    )
    _settings_args(serve)
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    reader = "transformers" if args.reader_model is not None else None
    return Settings.make(
        index_dir=args.index_dir,
        encoder=args.encoder,
        top_k=args.top_k,
        reader=reader,
        reader_model=args.reader_model,
        show_progress=not args.quiet,
        rate_limit_per_minute=getattr(args, "rate_limit", None),
        rate_limit_burst=getattr(args, "rate_burst", None),
        workers=getattr(args, "workers", None),
    )


def _access(args: argparse.Namespace) -> AccessSettings:
    # Tokens come from the flags or the environment; an empty variable counts as unset.
    access = AccessSettings.make(
        token=args.token or os.environ.get("QA_TOKEN"),
        editor_token=args.editor_token or os.environ.get("QA_EDITOR_TOKEN"),
        uploads=not args.no_uploads,
        open=args.open,
        trusted_proxies=tuple(args.trusted_proxy or ()),
    )
    access.check_host(args.host)
    return access


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``qa`` command; returns the exit status (2 for a usage error)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = logging.StreamHandler()
    handler.setFormatter(_OneLineFormatter("warning: %(message)s"))
    logging.basicConfig(level=logging.ERROR if args.quiet else logging.WARNING, handlers=[handler])
    try:
        return _run(args)
    except QAError as exc:
        from qa.errors import UsageError

        print(f"error: {printable(str(exc))}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, UsageError) else EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of our output went away (`qa ask ... | head -1`): not an error of ours.
        # Point stdout at nothing so that the interpreter's final flush cannot fail again.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def _run(args: argparse.Namespace) -> int:
    from qa.errors import CorpusError

    settings = _settings(args)
    # Refused before anything is indexed or loaded: an address others can reach, no token.
    access = _access(args) if args.command == "serve" else None
    if args.command == "eval":
        from qa.evaluation.runner import run_evaluation

        run_evaluation(
            args.data,
            corpus=args.corpus,
            out=args.out,
            limit=args.limit,
            settings=settings,
        )
        return 0

    from qa.pipeline import Assistant

    corpus = args.path if args.command == "index" and args.path is not None else args.corpus
    try:
        built = None
        if args.command == "index" and args.ray is not None:
            from qa.components import index_on_ray

            # The cluster builds the index; the assistant below then finds it up to date.
            built = index_on_ray(corpus, settings, address=args.ray or None)
        # `qa index` is asked to write the index; `ask` and `serve` can answer from one that
        # cannot be written (a read-only mount), as it is.
        assistant = Assistant.from_corpus(corpus, settings, stale_ok=args.command != "index")
    except CorpusError as exc:
        print(f"error: {printable(str(exc))}", file=sys.stderr)
        return EXIT_USAGE

    if args.command == "index":
        stats = built or assistant.last_build
        info = assistant.info()
        assert stats is not None
        print(
            f"{stats.action} index of {printable(info.corpus)}: {info.documents} "
            f"article{'' if info.documents == 1 else 's'}, "
            f"{info.passages} passages ({stats.new_passages} encoded in {stats.seconds:.1f} s "
            "including model loading)"
        )
        if info.copies:
            print(
                f"{info.copies} passages repeat another word for word (the same story in two "
                "files?); each is retrieved and cited once"
            )
        # Skipped files were reported once, on stderr, by the index update itself.
        return 0
    if args.command == "ask":
        answer = assistant.ask(args.question)
        print(answer.model_dump_json(indent=2) if args.json else format_answer(answer))
        return 0
    if args.command == "serve":
        from ui.app import launch

        launch(assistant, host=args.host, port=args.port, access=access)
        return 0
    raise AssertionError(f"unhandled command {args.command}")


def format_answer(answer: Answer, width: int = 100) -> str:
    """Human-readable answer: the span, its confidence, and each citation with the span marked.

    Example:
        >>> print(format_answer(Answer(question="In what year?", text=None,
        ...     abstain_reason="The closest passages hold no year that could answer it.")))
        Not found in these articles. The closest passages hold no year that could answer it.
        >>> print(format_answer(Answer(question="Who?", text=None, best_candidate_score=0.12)))
        Not found in these articles. The best guess had confidence 0.12, too low to answer.
    """
    lines = []
    if answer.text is None:
        # The reason is already a sentence with its numbers; nothing is wrapped around it.
        reason = answer.abstain_reason or (
            f"The best guess had confidence {answer.best_candidate_score or 0.0:.2g}, "
            "too low to answer."
        )
        lines.append(f"Not found in these articles. {reason}")
        if answer.passages:
            lines.append("Closest passages:")
            for hit in answer.passages[:3]:
                lines.append(f"  - {printable(hit.title)}: {_shorten(hit.text, width)}")
        return "\n".join(lines)
    when = f" ({answer.date:%A %d %B %Y})" if answer.date else ""
    lines.append(f"Answer: {answer.text}{when}")
    lines.append(f"Confidence: {answer.score:.2f}")
    if answer.resolved_question:
        lines.append(f"(understood as: {answer.resolved_question})")
    for n, citation in enumerate(answer.citations, start=1):
        when = f", {citation.date.isoformat()}" if citation.date else ""
        when += f", by {citation.author}" if citation.author else ""
        marked = (
            citation.passage[: citation.start]
            + "[["
            + citation.passage[citation.start : citation.end]
            + "]]"
            + citation.passage[citation.end :]
        )
        # File names, ids, titles and bylines are printed escaped: each must stay on its line.
        label = source_label(citation.document_id, citation.source, citation.title)
        lines.append(printable(f"[{n}] {citation.title}{when}") + f" ({label})")
        lines.append(f"    {marked}")
        if citation.also_in:
            others = ", ".join(printable(name) for name in citation.also_in)
            lines.append(f"    (the same passage is also in: {others})")
    if answer.timeline:
        # The reports disagreed over time; the answer above is the most recent one's.
        lines.append("Timeline (the answer changed between reports):")
        for entry in answer.timeline:
            cited = entry.citation
            where = source_label(cited.document_id, cited.source, cited.title)
            lines.append(f"  {entry.date.isoformat()}  {entry.text}  ({where})")
    return "\n".join(lines)


def _shorten(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def entry() -> None:
    """The ``qa`` console command: :func:`main`, then an exit without the interpreter's teardown.

    Once torch and spaCy are loaded, a normal exit spends 0.5 to 0.7 s unloading them after
    the answer is already printed, a fifth of a fresh ``qa ask``. Nothing is left to clean up
    by then (an index is written, fsynced and switched to before :func:`main` returns; a Ray
    build shuts its cluster connection down itself), so the output is flushed and the process
    leaves at once.

    Example:
        $ qa ask "When does GSOMIA expire?" --corpus seeds
    """
    status = main()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(status)


if __name__ == "__main__":
    entry()
