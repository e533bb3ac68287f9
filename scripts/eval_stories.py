"""Measure the story rule and the follow-up rule on the hand-written stories corpus.

``eval/stories/`` holds invented local news stories told in several dated reports each (a toll
that rises, a mayor who is replaced, two fires reported on the same days).
``eval/stories_questions.jsonl`` asks about them and records, in fields ``qa eval`` ignores, the
timeline each answer should carry (every report's value with its file and date), the values of
other stories that must not join it, and same-day reports that disagree.
``eval/stories_followups.jsonl`` holds two- and three-turn conversations with the standalone
rewrite expected of each follow-up (``resolved``).

The script asks every question through the Python API with default settings (the real encoder
and reader) and prints one table:

- the share of answerable questions answered with the newest report's value (exact match, as
  ``qa eval`` scores it);
- the share of questions whose timeline holds every report's value (only questions whose
  reports give two or more values); and of questions whose reports all agree, the share with
  no made-up change in the timeline;
- how many must-not-merge questions got a value of another story in their timeline, and how
  many were answered from the other story;
- how many same-day disagreements of the newest reports were declined with both values named;
- for the follow-ups, the share of turns whose ``resolved_question`` equals the expected
  rewrite (exactly, and ignoring case, spacing and end punctuation), overall, where every
  earlier turn was answered right (the rewrite rule on its own), and by what the follow-up
  leaves out.

Usage:
    python scripts/eval_stories.py [--corpus eval/stories] [--index-dir DIR] [--details]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa import Assistant, Settings
from qa.evaluation.metrics import exact_match
from qa.types import Answer, TimelineEntry

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "eval" / "stories"
QUESTIONS = ROOT / "eval" / "stories_questions.jsonl"
FOLLOWUPS = ROOT / "eval" / "stories_followups.jsonl"

# Number words as news writes small counts ("four witnesses").
_SMALL_NUMBERS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty"
)
_NUMBER_WORDS = {word: str(value) for value, word in enumerate(_SMALL_NUMBERS.split(" "))}
_ARTICLES = frozenset({"a", "an", "the"})
_TOKEN = re.compile(r"\d+(?:\.\d+)?|[^\W\d_]+")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")


@dataclass(frozen=True)
class Expected:
    """One report's value as the question set records it.

    Attributes:
        value: The value as that report words it (an exact span of the report).
        document: The document id the assistant cites for that report.
        date: The report's date, ISO format.
    """

    value: str
    document: str
    date: str


@dataclass(frozen=True)
class StoryQuestion:
    """A question of ``stories_questions.jsonl`` with its expected timeline.

    Attributes:
        id: The question id.
        question: The question as asked.
        answers: Gold answers (spans of the newest report); empty when it should decline.
        timeline: Every report's value, oldest first.
        must_not_merge: Values of other stories that must not join the timeline.
        same_day: Reports of one day that disagree.
        expect_decline: True when the disagreeing reports are the newest, so the right reply
            declines and names both values.
    """

    id: str
    question: str
    answers: tuple[str, ...]
    timeline: tuple[Expected, ...]
    must_not_merge: tuple[Expected, ...] = ()
    same_day: tuple[Expected, ...] = ()
    expect_decline: bool = False


@dataclass(frozen=True)
class Turn:
    """One line of ``stories_followups.jsonl``.

    Attributes:
        id: The line's id.
        question: The question as asked.
        answers: Gold answers.
        resolved: The expected standalone rewrite; None on a conversation's first question.
        resolves: What the follow-up leaves out ("it: previous question's topic", ...).
    """

    id: str
    question: str
    answers: tuple[str, ...]
    resolved: str | None
    resolves: str


@dataclass
class Tally:
    """A count of successes out of a number of cases, with the ids of the failures.

    Attributes:
        hits: Cases that passed.
        total: Cases counted.
        misses: Ids (and a short reason) of the cases that failed.
    """

    hits: int = 0
    total: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, passed: bool, miss: str) -> None:
        """Count one case; remember ``miss`` when it failed."""
        self.total += 1
        if passed:
            self.hits += 1
        else:
            self.misses.append(miss)

    def share(self) -> str:
        """``hits/total (share)``, or ``-`` when nothing was counted."""
        if not self.total:
            return "-"
        return f"{self.hits}/{self.total} ({self.hits / self.total:.3f})"


def tokens(text: str) -> list[str]:
    """Words and numbers of ``text``, as a value is compared.

    Case, punctuation and articles are dropped, thousands separators removed and number words
    up to twenty written as digits.

    Example:
        >>> tokens("About 1,200 acres")
        ['about', '1200', 'acres']
        >>> tokens("the toll reached seven")
        ['toll', 'reached', '7']
    """
    words = _TOKEN.findall(_THOUSANDS.sub("", text.lower()))
    return [_NUMBER_WORDS.get(w, w) for w in words if w not in _ARTICLES]


def _contains(longer: Sequence[str], shorter: Sequence[str]) -> bool:
    n = len(shorter)
    return any(list(longer[i : i + n]) == list(shorter) for i in range(len(longer) - n + 1))


def same_value(expected: str, found: str) -> bool:
    """Whether ``found`` gives the value ``expected`` names.

    One must hold the other word for word (after :func:`tokens`), and when the longer one
    holds a number the shorter one must hold a number too, so "homes" is not "19 homes".

    Example:
        >>> same_value("19 homes", "19"), same_value("Rafael Tindall", "Mayor Rafael Tindall")
        (True, True)
        >>> same_value("19 homes", "homes"), same_value("450 acres", "4,500 acres")
        (False, False)
    """
    a, b = tokens(expected), tokens(found)
    if not a or not b:
        return False
    shorter, longer = (a, b) if len(a) <= len(b) else (b, a)
    if not _contains(longer, shorter):
        return False
    has_number = any(t[0].isdigit() for t in longer)
    return not has_number or any(t[0].isdigit() for t in shorter)


def rewrite_key(question: str) -> str:
    """A question with case, spacing and end punctuation ignored.

    Example:
        >>> rewrite_key("  How many homes did the blackout affect ? ")
        'how many homes did the blackout affect'
    """
    return " ".join(question.lower().rstrip(" ?.!").split())


def _expected(items: Sequence[dict[str, Any]]) -> tuple[Expected, ...]:
    return tuple(Expected(str(i["value"]), str(i["document"]), str(i["date"])) for i in items)


def load_story_questions(path: Path) -> list[StoryQuestion]:
    """Read the questions and the timelines recorded beside them.

    Args:
        path: ``stories_questions.jsonl``.

    Example:
        >>> len(load_story_questions(QUESTIONS)) >= 40
        True
    """
    questions = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        same_day = row.get("same_day") or {}
        questions.append(
            StoryQuestion(
                id=row["id"],
                question=row["question"],
                answers=tuple(row["answers"]),
                timeline=_expected(row.get("timeline", [])),
                must_not_merge=_expected(row.get("must_not_merge", [])),
                same_day=_expected(same_day.get("values", [])),
                expect_decline=bool(same_day.get("expect_decline", False)),
            )
        )
    return questions


def load_conversations(path: Path) -> list[list[Turn]]:
    """Read the follow-up set as conversations, each a list of turns in order.

    Args:
        path: ``stories_followups.jsonl``; lines of one conversation share ``conversation``.

    Example:
        >>> len(load_conversations(FOLLOWUPS)) >= 60
        True
    """
    conversations: dict[str, list[Turn]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        turn = Turn(
            id=row["id"],
            question=row["question"],
            answers=tuple(row["answers"]),
            resolved=row.get("resolved"),
            resolves=str(row.get("resolves", "")),
        )
        conversations.setdefault(str(row.get("conversation", row["id"])), []).append(turn)
    return list(conversations.values())


def _distinct(timeline: Sequence[Expected]) -> list[list[Expected]]:
    """The expected entries grouped by value (one group per distinct value)."""
    groups: list[list[Expected]] = []
    for item in timeline:
        for group in groups:
            if same_value(group[0].value, item.value):
                group.append(item)
                break
        else:
            groups.append([item])
    return groups


def timeline_holds_all(question: StoryQuestion, timeline: Sequence[TimelineEntry]) -> bool:
    """Whether each distinct expected value is in the timeline with one of its reports' dates.

    Args:
        question: The question with its expected timeline.
        timeline: The timeline the assistant gave.
    """
    for group in _distinct(question.timeline):
        dates = {e.date for e in group}
        if not any(
            same_value(group[0].value, entry.text) and entry.date.isoformat() in dates
            for entry in timeline
        ):
            return False
    return True


def wrongly_merged(question: StoryQuestion, cited: Sequence[tuple[str, str]]) -> list[str]:
    """The cited values that belong to another story.

    A value counts when it cites a document that only the other story's reports come from,
    or a listed document with the listed value (a document of this story may also mention
    the other one's figure, as in "3,412 votes to 2,977").

    Args:
        question: The question, with its own timeline and the values that must stay out.
        cited: ``(text, document id)`` of each value to check: timeline entries, or the answer.

    Returns:
        Each offending value with its document, for the report.
    """
    own = {e.document for e in question.timeline}
    found = []
    for text, document in cited:
        for bad in question.must_not_merge:
            if document == bad.document and (document not in own or same_value(bad.value, text)):
                found.append(f"{text!r} ({document})")
                break
    return found


def names_both(reason: str | None, values: Sequence[Expected]) -> bool:
    """Whether a decline's reason names every one of the disagreeing values.

    Args:
        reason: The decline's ``abstain_reason``.
        values: The same-day values the reason should name.

    Example:
        >>> names_both("Reports disagree: “23” (a.txt) and “26” (b.md).",
        ...            [Expected("23", "a.txt", ""), Expected("26", "b.md", "")])
        True
    """
    if not reason:
        return False
    said = tokens(reason)
    return all(_contains(said, tokens(v.value)) for v in values)


def _dump(answer: Answer) -> str:
    line = f"answer={answer.text!r}"
    if answer.timeline:
        line += " timeline=" + ", ".join(f"{e.date}:{e.text!r}" for e in answer.timeline)
    if answer.abstained:
        line += f" reason={answer.abstain_reason!r}"
    return line


def evaluate_questions(
    assistant: Assistant, questions: Sequence[StoryQuestion]
) -> dict[str, Tally]:
    """Ask each story question on its own and tally the story figures.

    Args:
        assistant: The assistant over the stories corpus.
        questions: The questions with their expected timelines.

    Returns:
        One :class:`Tally` per figure, keyed by a short name.
    """
    tallies: dict[str, Tally] = defaultdict(Tally)
    for q in questions:
        answer = assistant.ask(q.question)
        shown = f"{q.id} {q.question!r}: {_dump(answer)}"
        if q.answers:
            tallies["newest"].add(exact_match(answer.text, q.answers) == 1.0, shown)
        changing = len(_distinct(q.timeline)) >= 2
        if changing:
            tallies["any_timeline"].add(bool(answer.timeline), shown)
            tallies["timeline"].add(timeline_holds_all(q, answer.timeline), shown)
        else:
            # One value in every report: a timeline, if any, must not show a change.
            values = _distinct([Expected(e.text, "", "") for e in answer.timeline])
            tallies["steady"].add(len(values) <= 1, shown)
        if q.must_not_merge:
            entries = [(e.text, e.citation.document_id) for e in answer.timeline]
            merged = wrongly_merged(q, entries)
            tallies["merge"].add(not merged, f"{shown} [merged: {', '.join(merged)}]")
            if answer.text is not None and answer.citations:
                cited = [(answer.text, answer.citations[0].document_id)]
                other = wrongly_merged(q, cited)
                tallies["other_story"].add(not other, f"{shown} [from: {', '.join(other)}]")
        if q.same_day and q.expect_decline:
            declined = answer.abstained and names_both(answer.abstain_reason, q.same_day)
            tallies["same_day"].add(declined, shown)
        elif q.same_day:
            tallies["same_day_older"].add(exact_match(answer.text, q.answers) == 1.0, shown)
    return tallies


def _category(resolves: str) -> str:
    head = resolves.split(":", 1)[0].strip().lower()
    if head in {"he", "she", "him", "her"}:
        return "he / she / him"
    if head in {"they", "them"}:
        return "they / them"
    if head in {"it", "its"}:
        return "it (answer)" if "previous answer" in resolves else "it (topic)"
    return head or "other"


def evaluate_followups(
    assistant: Assistant, conversations: Sequence[Sequence[Turn]]
) -> dict[str, Tally]:
    """Ask each conversation in order, each turn with the answers before it as history.

    Args:
        assistant: The assistant over the stories corpus.
        conversations: The conversations, each a list of turns in order.

    Returns:
        One :class:`Tally` per figure, keyed by a short name (``kind:...`` per follow-up kind).
    """
    tallies: dict[str, Tally] = defaultdict(Tally)
    for conversation in conversations:
        history: list[Answer] = []
        history_right = True
        for turn in conversation:
            answer = assistant.ask(turn.question, history=history)
            right = exact_match(answer.text, turn.answers) == 1.0
            if turn.resolved is not None:
                got = answer.resolved_question or turn.question
                shown = f"{turn.id} {turn.question!r} -> {got!r} (expected {turn.resolved!r})"
                exact = got.strip() == turn.resolved.strip()
                loose = rewrite_key(got) == rewrite_key(turn.resolved)
                tallies["rewrite"].add(exact, shown)
                tallies["rewrite_loose"].add(loose, shown)
                tallies[f"kind:{_category(turn.resolves)}"].add(exact, shown)
                if history_right:
                    # The rule alone: every earlier turn was answered right.
                    tallies["rewrite_right_history"].add(exact, shown)
                tallies["followup_answer"].add(right, f"{turn.id}: {_dump(answer)}")
            history.append(answer)
            history_right = history_right and right
    return tallies


def print_table(rows: Sequence[tuple[str, str]]) -> None:
    """Print two columns as a Markdown table."""
    width = max(len(name) for name, _ in rows)
    print(f"| {'Measure'.ljust(width)} | Result |")
    print(f"|{'-' * (width + 2)}|--------|")
    for name, value in rows:
        print(f"| {name.ljust(width)} | {value} |")


def main(argv: Sequence[str] | None = None) -> int:
    """Run both sets and print the table; the exit status is 0 unless the files are missing."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--followups", type=Path, default=FOLLOWUPS)
    parser.add_argument(
        "--index-dir", type=Path, default=None, help="where to build the index (default: temp)"
    )
    parser.add_argument("--details", action="store_true", help="list every failed case")
    args = parser.parse_args(argv)
    for path in (args.corpus, args.questions, args.followups):
        if not path.exists():
            print(f"error: {path} does not exist", file=sys.stderr)
            return 2
    questions = load_story_questions(args.questions)
    conversations = load_conversations(args.followups)
    with tempfile.TemporaryDirectory(prefix="stories-index-") as scratch:
        index_dir = args.index_dir if args.index_dir is not None else Path(scratch)
        started = time.perf_counter()
        assistant = Assistant.from_corpus(args.corpus, Settings(index_dir=index_dir))
        built = time.perf_counter() - started
        started = time.perf_counter()
        story = evaluate_questions(assistant, questions)
        follow = evaluate_followups(assistant, conversations)
        asked = time.perf_counter() - started
    merge, same_day = story["merge"], story["same_day"]
    rows = [
        (
            "Questions (answerable / should decline)",
            f"{len(questions)} ({sum(bool(q.answers) for q in questions)} / "
            f"{sum(not q.answers for q in questions)})",
        ),
        ("Newest report's value answers (exact match)", story["newest"].share()),
        ("Changing stories given a timeline at all", story["any_timeline"].share()),
        ("Timeline holds every report's value (changing stories)", story["timeline"].share()),
        ("No change invented (reports agree)", story["steady"].share()),
        (
            "Must-not-merge questions with a wrongly merged value",
            f"{merge.total - merge.hits} of {merge.total}",
        ),
        (
            "Must-not-merge questions answered from the other story",
            f"{story['other_story'].total - story['other_story'].hits} of "
            f"{story['other_story'].total} answered",
        ),
        (
            "Same-day disagreements declined naming both values",
            f"{same_day.hits} of {same_day.total}",
        ),
        ("Older same-day disagreement: newest value answers", story["same_day_older"].share()),
        ("Follow-up turns: resolved_question == expected", follow["rewrite"].share()),
        (
            "Follow-up turns: same, ignoring case and end punctuation",
            follow["rewrite_loose"].share(),
        ),
    ]
    rows.append(
        (
            "  rewrite exact, every earlier turn answered right",
            follow["rewrite_right_history"].share(),
        )
    )
    rows += [
        (f"  rewrite exact, {name.removeprefix('kind:')}", tally.share())
        for name, tally in sorted(follow.items())
        if name.startswith("kind:")
    ]
    rows += [
        ("Follow-up turns answered (exact match)", follow["followup_answer"].share()),
        ("Index build / asking (s)", f"{built:.1f} / {asked:.1f}"),
    ]
    print_table(rows)
    if args.details:
        for title, tallies in (("questions", story), ("follow-ups", follow)):
            for name, tally in sorted(tallies.items()):
                skipped = name.startswith("kind:") or name in {
                    "rewrite_loose",
                    "rewrite_right_history",
                    "any_timeline",
                }
                if skipped or not tally.misses:
                    continue
                print(f"\n## {title}: {name} — {len(tally.misses)} failed")
                for miss in tally.misses:
                    print(f"- {miss}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
