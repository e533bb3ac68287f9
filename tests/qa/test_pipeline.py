from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from qa import Assistant, Settings, UsageError
from qa.pipeline import _with_reports, clean_question
from qa.read.base import merge_spans
from qa.text.words import key_form
from qa.types import Answer, Hit, Passage, Span


def test_api_shape(fast_assistant: Assistant) -> None:
    hits = fast_assistant.search("GSOMIA expiry", top_k=5)
    assert 1 <= len(hits) <= 5
    assert hits[0].document_id and hits[0].title and hits[0].text
    assert hits[0].score >= hits[-1].score
    answer = fast_assistant.ask("When does GSOMIA expire?")
    assert answer.question == "When does GSOMIA expire?"
    assert answer.text == "this Saturday"
    assert 0.0 <= answer.score <= 1.0
    first = answer.citations[0]
    assert first.passage[first.start : first.end] == answer.text
    assert "GSOMIA" in first.passage


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("", "empty"),
        ("   \n\t", "empty"),
        ("\x00\x07", "empty"),
        ("x" * 10_000, "10000 characters"),
    ],
)
def test_bad_questions_get_clear_errors(
    fast_assistant: Assistant, question: str, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        fast_assistant.ask(question)


def test_control_characters_are_dropped() -> None:
    assert clean_question("When\x00 does\u200b GSOMIA\x1b expire?", 100) == (
        "When does GSOMIA expire?"
    )


def test_bad_top_k_and_settings(fast_assistant: Assistant) -> None:
    with pytest.raises(UsageError, match="top_k=0"):
        fast_assistant.search("x", top_k=0)
    with pytest.raises(UsageError, match=r"encoder='bert'.*'minilm', 'hashing'"):
        Settings.make(encoder="bert")
    with pytest.raises(UsageError, match="focus_words=5"):
        Settings.make(focus_words=5)
    assert Settings(focus_words=None).focus_words is None


def test_missing_corpus_folder(tmp_path: Path) -> None:
    from qa import CorpusError

    with pytest.raises(CorpusError, match="does not exist"):
        Assistant.from_corpus(tmp_path / "missing", encoder="hashing")


def test_merge_spans_noisy_or_and_one_vote_per_passage() -> None:
    spans = [
        Span(passage_id="p1", start=0, end=3, text="Kim", score=0.5),
        Span(passage_id="p1", start=9, end=12, text="Kim", score=0.4),  # same passage: no vote
        Span(passage_id="p2", start=0, end=3, text="KIM", score=0.5),
        Span(passage_id="p3", start=0, end=5, text="Trump", score=0.7),
    ]
    merged = merge_spans(spans)
    # Kim: 1 - 0.5 * 0.5 = 0.75 beats Trump's 0.7.
    assert [round(group.score, 3) for group in merged] == [0.75, 0.7]
    assert [s.passage_id for s in merged[0].spans] == ["p1", "p2"]


def test_off_topic_question_abstains_and_still_shows_passages(fast_assistant: Assistant) -> None:
    answer = fast_assistant.ask("Who won the 1966 football World Cup final?")
    assert answer.text is None and answer.abstained
    assert answer.abstain_reason
    assert answer.passages


def test_follow_up_uses_history(fast_assistant: Assistant) -> None:
    first = fast_assistant.ask("When does GSOMIA expire?")
    follow = fast_assistant.ask("Which countries are party to it?", history=[first])
    assert follow.resolved_question == "Which countries are party to GSOMIA?"
    elliptic = fast_assistant.ask(
        "And where?",
        history=[Answer(question="When did Trump and Kim meet again?", text=None)],
    )
    assert elliptic.resolved_question == "Where did Trump and Kim meet again?"


def test_concurrent_asks_agree(fast_assistant: Assistant) -> None:
    results: list[str | None] = []

    def worker() -> None:
        results.append(fast_assistant.ask("When does GSOMIA expire?").text)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["this Saturday"] * 8


def test_add_files_refuses_bad_uploads_and_indexes_good_ones(
    seed_copy: Path, tmp_path: Path
) -> None:
    assistant = Assistant.from_corpus(seed_copy, encoder="hashing", show_progress=False)
    good = tmp_path / "quake.txt"
    good.write_text("Quake hits Chile\nA strong earthquake struck Chile on Monday.\n")
    binary = tmp_path / "blob.txt"
    binary.write_bytes(b"\x00\x01\x02")
    image = tmp_path / "photo.png"
    image.write_bytes(b"\x89PNG")
    added, refused = assistant.add_files([good, binary, image])
    assert added == ["quake.txt"]
    assert {name for name, _ in refused} == {"blob.txt", "photo.png"}
    assert assistant.info().documents == 2
    assert assistant.last_build is not None and assistant.last_build.new_passages == 1
    assert assistant.ask("When did the earthquake strike Chile?").text == "Monday"
    assert assistant.info().uploads == ("quake.txt",)


def test_uploads_stay_out_of_the_corpus_and_survive_a_restart(
    seed_copy: Path, tmp_path: Path
) -> None:
    before = sorted(p.relative_to(seed_copy) for p in seed_copy.rglob("*"))
    seed_copy.chmod(0o555)  # a read-only share: uploads must still work
    try:
        settings = Settings(encoder="hashing", show_progress=False, index_dir=tmp_path / "ix")
        assistant = Assistant.from_corpus(seed_copy, settings)
        good = tmp_path / "quake.txt"
        good.write_text("Quake hits Chile\nA strong earthquake struck Chile on Monday.\n")
        assert assistant.add_files([good]) == (["quake.txt"], [])
        assert sorted(p.relative_to(seed_copy) for p in seed_copy.rglob("*")) == before
        hit = assistant.search("earthquake Chile", top_k=1)[0]
        assert hit.passage.document_id == "upload:quake.txt"

        restarted = Assistant.from_corpus(seed_copy, settings)
        assert restarted.last_build is not None and restarted.last_build.action == "reused"
        assert restarted.uploads() == ["quake.txt"]
        assert restarted.ask("When did the earthquake strike Chile?").text == "Monday"

        stats = restarted.remove_upload("quake.txt")
        assert stats.action == "updated" and restarted.info().documents == 1
        assert Assistant.from_corpus(seed_copy, settings).uploads() == []
        with pytest.raises(UsageError, match=r"no upload is called 'quake\.txt'"):
            restarted.remove_upload("quake.txt")
    finally:
        seed_copy.chmod(0o755)


def test_an_upload_that_breaks_the_build_is_taken_out_again(
    seed_copy: Path, tmp_path: Path
) -> None:
    assistant = Assistant.from_corpus(seed_copy, encoder="hashing", show_progress=False)
    # Two records with one id: the loader skips the second, so the file still adds one article.
    clash = tmp_path / "clash.jsonl"
    clash.write_text('{"id": "000_3d563be10761cfd0.txt", "text": "Same id\\nAs the seed."}\n')
    added, refused = assistant.add_files([clash])
    assert added == [] and refused[0][0] == "clash.jsonl"
    assert "share the id" in refused[0][1]
    assert assistant.uploads() == [] and assistant.info().documents == 1


def test_answer_carries_the_calendar_date(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "quake.txt").write_text(
        "Quake hits Chile\nWednesday, November 20, 2019\n"
        "A strong earthquake struck northern Chile on Monday, officials said.\n"
    )
    assistant = Assistant.from_corpus(corpus, encoder="hashing", show_progress=False)
    answer = assistant.ask("When did the earthquake strike Chile?")
    assert answer.text == "Monday"
    assert str(answer.date) == "2019-11-18"  # the Monday before that Wednesday


def test_a_story_in_two_files_is_cited_once_with_the_other_named(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    story = (
        "A strong earthquake struck northern Chile on Monday, officials said.\n\n"
        "Rescue teams reached the town of Arica by nightfall.\n"
    )
    (corpus / "wire.txt").write_text("Quake hits Chile\n\n" + story)
    (corpus / "paper.txt").write_text("Earthquake in Chile\n\n" + story)
    (corpus / "other.txt").write_text("Floods in Peru\n\nHeavy rain flooded Lima on Sunday.\n")
    assistant = Assistant.from_corpus(corpus, encoder="hashing", show_progress=False)
    assert assistant.info().copies == 2  # the two shared paragraphs, once each
    hits = assistant.search("When did the earthquake strike Chile?", top_k=5)
    texts = [h.text for h in hits]
    assert len(texts) == len(set(texts)) == 3  # two shared paragraphs, one other
    answer = assistant.ask("When did the earthquake strike Chile?")
    assert answer.text == "Monday"
    assert len(answer.citations) == 1
    cited = answer.citations[0]
    assert {cited.document_id, *cited.also_in} == {"wire.txt", "paper.txt"}


def test_read_requests_carry_each_hits_article_words(fast_assistant: Assistant) -> None:
    question = "When does GSOMIA expire?"
    hits = fast_assistant.search(question, top_k=3)
    [request] = fast_assistant.read_requests([question], [hits])
    assert request.question == question
    assert list(request.hits) == hits
    assert request.analyses == fast_assistant.analyses([h.passage for h in hits])
    # Every hit's article words, not its passage's: "Sputnik" is in the seed article but in
    # none of the passages about GSOMIA.
    assert request.document_words is not None
    assert all(key_form("Sputnik") in words for words in request.document_words)
    assert not any("Sputnik" in h.text for h in hits)


def test_a_question_about_something_no_article_mentions_is_not_answered(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "talks.txt").write_text(
        "Leaders meet again\n\n"
        "The second summit between the two leaders took place in Hanoi in February.\n"
    )
    assistant = Assistant.from_corpus(corpus, encoder="hashing", show_progress=False)
    assert assistant.ask("When did the second summit take place?").text is not None
    # A look-alike: the article never mentions a third summit, and the reason says so.
    answer = assistant.ask("When did the third summit take place?")
    assert answer.text is None
    assert answer.abstain_reason == "The closest articles never mention “third”."


def test_no_answer_of_the_kind_asked_for_is_declined_with_the_kind(
    fast_assistant: Assistant,
) -> None:
    # The seed article names no year and no sum of money: "this Saturday" and "serious
    # provocations" are the wrong kind of answer, whatever a reader scores them.
    for question, kind in (
        ("In what year was GSOMIA first signed?", "year"),
        ("How much did South Korea pay for its F-35 jets?", "amount of money"),
    ):
        answer = fast_assistant.ask(question)
        assert answer.kind == kind
        assert answer.text is None
        assert answer.abstain_reason is not None
        assert kind in answer.abstain_reason or "similarity" in answer.abstain_reason


def test_an_answer_says_which_kind_it_is(fast_assistant: Assistant) -> None:
    answer = fast_assistant.ask("When does GSOMIA expire?")
    assert answer.kind == "date" and answer.text == "this Saturday"


def test_a_decline_states_the_floor_as_set(tmp_path: Path) -> None:
    # A floor of 0.995 printed to two places would read "below 1.00".
    settings = Settings(
        encoder="hashing", index_dir=tmp_path / "ix", show_progress=False, min_similarity=0.995
    )
    answer = Assistant.from_corpus("seeds", settings).ask("Who won the 2014 World Cup final?")
    assert answer.text is None
    assert answer.abstain_reason is not None
    assert answer.abstain_reason.endswith(", and at least 0.995 is needed.")
    # One plain sentence: no nested colons, the real numbers.
    assert answer.abstain_reason.count(":") <= 1 and answer.abstain_reason[0].isupper()


def test_a_question_near_the_length_limit_is_read(fast_assistant: Assistant) -> None:
    # Once the span model's tokenizer panicked when the question left the passage less room
    # than its stride; the question is now cut to 64 word pieces for the span model.
    question = ("When does GSOMIA expire? " * 40)[:1000].strip()
    answer = fast_assistant.ask(question)
    assert answer.question == question


def _report(doc: str, title: str, day: int, ordinal: int, text: str) -> Hit:
    passage = Passage(
        id=f"{doc}#{ordinal}",
        document_id=doc,
        title=title,
        text=text,
        start=0,
        end=len(text),
        ordinal=ordinal,
        date=dt.date(2025, 9, day),
    )
    return Hit(passage=passage, score=1.0 / (ordinal + day))


def test_story_reports_join_through_each_other_and_give_a_second_passage() -> None:
    auditor = "Auditor tells Vell jury the county's books were altered"
    verdict = "Jury finds former treasurer Gordon Vell guilty"
    opens = "Embezzlement trial of former Ashby County treasurer opens"
    hits = [
        _report("d10", auditor, 10, 0, "a"),
        _report("d17", verdict, 17, 0, "b"),
        _report("crane", "Crane jury hears former aides", 12, 0, "c"),
        _report("d17", verdict, 17, 1, "He had called 19 witnesses."),
        _report("d08", opens, 8, 0, "e"),
        _report("d10", auditor, 10, 1, "f"),
        _report("d08", opens, 8, 1, "Prosecutors called four witnesses."),
    ]
    # Every report but Crane's mentions the defendant the question names.
    words = {"d10": {"vell"}, "d17": {"vell"}, "d08": {"vell"}, "crane": {"crane"}}
    index = SimpleNamespace(document_words=lambda doc: frozenset(words[doc]))
    analysis = SimpleNamespace(frame=SimpleNamespace(keys=(frozenset({"vell"}),)))
    read = _with_reports(hits, 2, cast(Any, analysis), cast(Any, index))
    ids = [h.passage.id for h in read]
    # The opening day joins through the verdict ("former", "treasurer"), though its headline
    # shares nothing with the best report's; Crane's trial, named nowhere, never joins.
    assert ids[:3] == ["d10#0", "d17#0", "d08#0"]
    assert "crane#0" not in ids
    # Each other report gets its next passage read too; the best report does not.
    assert {"d17#1", "d08#1"} <= set(ids) and "d10#1" not in ids
