"""The chat's event handlers, called directly (no server), on the fast hashing assistant."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr
import pytest

from qa import Assistant, Settings
from qa.suggest import suggest_questions
from ui.app import intro_markdown
from ui.handlers import ChatHandlers, upload_message
from ui.render import NOT_FOUND

SEEDS = Path(__file__).resolve().parents[2] / "seeds"

GSOMIA = "When does GSOMIA expire?"
EXPECTED = "this Saturday"


@pytest.fixture()
def handlers(hashing_assistant: Assistant) -> ChatHandlers:
    return ChatHandlers(hashing_assistant)


def _last_reply(chat: list[dict[str, Any]]) -> str:
    assert chat[-1]["role"] == "assistant"
    content = chat[-1]["content"]
    assert isinstance(content, str)
    return content


def test_answer_is_bold_with_confidence_and_marked_in_its_passage(handlers: ChatHandlers) -> None:
    chat, history, box = handlers.ask(GSOMIA, [], [])
    assert [m["role"] for m in chat] == ["user", "assistant"]
    reply = _last_reply(chat)
    assert reply.startswith(f"**{EXPECTED}** — confidence ")
    assert f"<mark>{EXPECTED}</mark>" in reply
    assert "New optimistic signal for US-North Korea dialogue" in reply
    assert [a.text for a in history] == [EXPECTED]
    assert box == ""


def test_user_text_is_escaped(handlers: ChatHandlers) -> None:
    chat, _, _ = handlers.ask("<img src=x onerror=alert(1)> When does GSOMIA expire?", [], [])
    assert "<img" not in chat[0]["content"] and "&lt;img" in chat[0]["content"]


def test_article_text_is_escaped(writable_assistant: Assistant, tmp_path: Path) -> None:
    article = tmp_path / "harbour.txt"
    article.write_text(
        "Harbour <script>alert(1)</script> reopens\n"
        "The harbour <b>will</b> reopen on *Friday*, officials said [link](http://x.example).\n",
        encoding="utf-8",
    )
    handlers = ChatHandlers(writable_assistant)
    assert handlers.upload([str(article)])[0].startswith("**Added 1 file:**")
    chat, _, _ = handlers.ask("When will the harbour reopen?", [], [])
    reply = _last_reply(chat)
    assert "Harbour &lt;script&gt;alert&#40;1&#41;&lt;/script&gt; reopens" in reply
    assert "The harbour &lt;b&gt;will&lt;/b&gt; reopen on " in reply
    assert "<script>" not in reply and "<b>" not in reply and "](http" not in reply


def test_abstention_is_plain_and_shows_closest_passages(handlers: ChatHandlers) -> None:
    chat, history, box = handlers.ask("Who won the World Cup?", [], [])
    reply = _last_reply(chat)
    assert history[-1].abstained
    # No seed passage names the World Cup; the reply says so in the question's words.
    assert reply.startswith(f"**{NOT_FOUND}.** The closest articles never mention “World Cup”.")
    assert "Closest passages" in reply and "<mark>" not in reply
    assert box == ""


def test_followup_uses_the_conversation_state(handlers: ChatHandlers) -> None:
    chat, history, _ = handlers.ask(GSOMIA, [], [])
    chat, history, _ = handlers.ask("Which countries are party to it?", chat, history)
    assert len(history) == 2 and len(chat) == 4
    assert history[-1].resolved_question == "Which countries are party to GSOMIA?"
    assert "Understood as: Which countries are party to GSOMIA?" in _last_reply(chat)


def test_clear_forgets_the_conversation(handlers: ChatHandlers) -> None:
    handlers.ask(GSOMIA, [], [])
    chat, history, box = handlers.clear()
    assert (chat, history, box) == ([], [], "")
    _, history, _ = handlers.ask("Which countries are party to it?", chat, history)
    assert history[-1].resolved_question is None


def test_chat_survives_gradio_round_trip(handlers: ChatHandlers) -> None:
    # Gradio hands the chat back in its own message shape; appending to it must still work.
    component = gr.Chatbot()
    chat, history, _ = handlers.ask(GSOMIA, [], [])
    shown: Any = component.postprocess(chat)  # type: ignore[arg-type]
    returned: Any = component.preprocess(shown)
    chat, history, _ = handlers.ask("Which countries are party to it?", returned, history)
    assert len(component.postprocess(chat).root) == 4  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("question", "expected"),
    [("   ", "the question is empty"), ("x" * 5000, "the limit is"), (None, "empty")],
)
def test_bad_question_gives_a_message_not_an_exception(
    handlers: ChatHandlers, question: str | None, expected: str
) -> None:
    earlier = handlers.ask(GSOMIA, [], [])
    chat, history, box = handlers.ask(question, earlier[0], earlier[1])
    reply = _last_reply(chat)
    assert reply.startswith("**Cannot ask that:**") and expected in reply
    assert history == earlier[1]
    assert box == (question or "")


def test_unexpected_failure_still_replies(hashing_assistant: Assistant) -> None:
    class Broken:
        settings = Settings()

        def ask(self, *args: object, **kwargs: object) -> None:
            raise RuntimeError("boom")

    chat, history, _ = ChatHandlers(Broken()).ask(GSOMIA, [], [])  # type: ignore[arg-type]
    assert "Something went wrong" in _last_reply(chat) and "boom" not in _last_reply(chat)
    assert history == []


def test_top_k_limits_the_passages_shown(handlers: ChatHandlers) -> None:
    _, one, _ = handlers.ask(GSOMIA, [], [], top_k=1.0)
    _, many, _ = handlers.ask(GSOMIA, [], [], top_k=8.0)
    assert len(one[-1].passages) == 1
    assert len(many[-1].passages) == 8
    assert one[-1].text == many[-1].text == EXPECTED


def test_api_returns_the_answer_as_json(handlers: ChatHandlers) -> None:
    data = handlers.api_ask(GSOMIA)
    assert data["text"] == EXPECTED
    first = data["citations"][0]
    assert first["passage"][first["start"] : first["end"]] == EXPECTED


def test_api_refuses_a_blank_question_with_its_reason(handlers: ChatHandlers) -> None:
    with pytest.raises(gr.Error, match="empty"):
        handlers.api_ask(" ")


def test_corpus_summary(handlers: ChatHandlers, hashing_assistant: Assistant) -> None:
    info = hashing_assistant.info()
    summary = handlers.corpus_markdown()
    assert f"**{info.documents} article" in summary
    assert f"{info.passages} passages" in summary
    assert "hashing" in summary


def _write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


ARTICLE = b"Ferry service resumes\nThe island ferry will run again from Monday, the port said.\n"


def test_upload_refuses_binary_and_wrong_type_and_keeps_the_rest(
    writable_assistant: Assistant, tmp_path: Path
) -> None:
    handlers = ChatHandlers(writable_assistant)
    before = writable_assistant.info().documents
    files = [
        _write(tmp_path / "photo.png", b"\x89PNG\r\n\x1a\n" + bytes(64)),
        _write(tmp_path / "disguised.txt", b"text\x00\x01\x02 binary"),
        _write(tmp_path / "ferry.txt", ARTICLE),
    ]
    message, summary, box, menu = handlers.upload(files)
    assert "**Added 1 file:** ferry.txt" in message
    assert "photo.png — not an article file" in message
    assert "disguised.txt — binary file" in message
    assert box is None
    assert writable_assistant.info().documents == before + 1
    assert f"**{before + 1} articles**" in summary
    assert "Uploads (1): ferry.txt" in summary and menu["choices"] == ["ferry.txt"]
    # Uploads are kept beside the index, never written into the corpus folder.
    assert sorted(p.name for p in writable_assistant.corpus.rglob("*")) == sorted(
        p.name for p in SEEDS.rglob("*")
    )
    answer = writable_assistant.ask("When will the island ferry run again?")
    assert answer.text is not None and "Monday" in answer.text


def test_upload_of_only_refused_files_changes_nothing(
    writable_assistant: Assistant, tmp_path: Path
) -> None:
    handlers = ChatHandlers(writable_assistant)
    before = writable_assistant.info()
    message, _, _, _ = handlers.upload([_write(tmp_path / "notes.pdf", b"%PDF-1.4")])
    assert "Added" not in message and "notes.pdf — not an article file" in message
    assert writable_assistant.info().passages == before.passages
    assert handlers.ask(GSOMIA, [], [])[1][-1].text == EXPECTED


def test_upload_with_nothing_chosen(handlers: ChatHandlers) -> None:
    message, _, box, _ = handlers.upload(None)
    assert "Choose one or more article files" in message and box is None
    assert handlers.upload([])[0] == message


def test_upload_message_escapes_names() -> None:
    message = upload_message([], [("<b>x</b>.png", "not an article file")])
    assert "&lt;b&gt;x&lt;/b&gt;.png" in message and "<b>" not in message


def test_remove_upload_takes_the_article_out(writable_assistant: Assistant, tmp_path: Path) -> None:
    handlers = ChatHandlers(writable_assistant)
    before = writable_assistant.info().documents
    handlers.upload([_write(tmp_path / "ferry.txt", ARTICLE)])
    message, summary, menu = handlers.remove_upload("ferry.txt")
    assert message == "Removed ferry.txt."
    assert writable_assistant.info().documents == before and "Uploads" not in summary
    assert menu["choices"] == [] and menu["interactive"] is False
    message, _, _ = handlers.remove_upload("ferry.txt")
    assert message.startswith("**Nothing was removed:** no upload is called &#39;ferry.txt&#39;")
    assert handlers.remove_upload(None)[0] == "Choose an uploaded article to remove."


NEWSROOM = Path(__file__).resolve().parents[2] / "docs" / "examples" / "newsroom"


def test_a_feed_and_a_web_page_upload_as_articles(
    writable_assistant: Assistant, tmp_path: Path
) -> None:
    handlers = ChatHandlers(writable_assistant)
    before = writable_assistant.info().documents
    files = [str(NEWSROOM / "gazette.rss"), str(NEWSROOM / "aid-pledge.html")]
    message, _, _, menu = handlers.upload(files)
    assert "**Added 2 files:**" in message
    # Three feed items and one page: four articles.
    assert writable_assistant.info().documents == before + 4
    assert sorted(menu["choices"]) == ["aid-pledge.html", "gazette.rss"]
    chat, _, _ = handlers.ask("When did the port of Dallen reopen?", [], [])
    assert "Tuesday" in _last_reply(chat) and "Port of Dallen reopens" in _last_reply(chat)


def test_examples_come_from_the_served_corpus_and_work_when_clicked_first(
    handlers: ChatHandlers,
    hashing_assistant: Assistant,
    writable_assistant: Assistant,
    tmp_path: Path,
) -> None:
    examples = suggest_questions(hashing_assistant, 3)
    assert examples, "the seed article gives no checked example"
    for question in examples:
        chat, history, box = handlers.ask(question, [], [])
        answer = history[-1]
        assert answer.resolved_question is None  # nothing earlier to lean on
        assert answer.text is not None, answer.abstain_reason
        assert "<mark>" in _last_reply(chat) and box == ""
    # Another corpus, other examples: none names the seed article's topic.
    folder = tmp_path / "ferry-corpus"
    folder.mkdir()
    article = folder / "ferry.txt"
    article.write_text(
        "Ferry service to Arlo Island resumes\n"
        "The ferry service between Dallen and Arlo Island resumed on Tuesday after the harbour "
        "master, Ingrid Solberg, reopened the north pier.\n"
        "About 340 passengers crossed on the first day, Solberg told reporters in Dallen.\n",
        encoding="utf-8",
    )
    own = Assistant.from_corpus(
        folder, writable_assistant.settings.model_copy(update={"index_dir": tmp_path / "ix2"})
    )
    others = suggest_questions(own, 3)
    assert others and not any("GSOMIA" in q or "Korea" in q for q in others)
    assert all(own.ask(q).text is not None for q in others)


def test_intro_names_the_served_corpus_not_a_topic(hashing_assistant: Assistant) -> None:
    intro = intro_markdown(hashing_assistant)
    assert "1 article indexed from" in intro and "GSOMIA" not in intro
    assert "World Cup" not in intro


def test_warm_up_loads_the_models_before_the_first_question(tmp_path: Path) -> None:
    from qa import Settings

    settings = Settings.make(encoder="hashing", index_dir=tmp_path / "ix", show_progress=False)
    assistant = Assistant.from_corpus(SEEDS, settings)
    reader: Any = assistant.reader
    assert reader.span_model._loaded is None  # lazy until needed
    assert assistant.warm_up() > 0
    assert reader.span_model._loaded is not None and reader.typed.parser.loaded
