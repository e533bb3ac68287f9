"""The functions behind the chat's events, kept free of layout so they can be tested directly.

Each handler takes and returns plain values (the chat's message list, the list of earlier
:class:`~qa.types.Answer` objects kept in a ``gr.State``), exactly as Gradio passes them.
Handlers that change the corpus also take the ``gr.Request`` Gradio passes, and ask the
server's :class:`~ui.access.AccessPolicy` whether its logged-in user may.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gradio as gr

from qa.errors import QAError
from qa.ingest.formats import suffixes
from qa.pipeline import Assistant
from qa.types import Answer
from ui.access import AccessPolicy, Role
from ui.render import answer_to_json, escape_text, plural, render_answer, render_error

log = logging.getLogger(__name__)

ChatMessage = dict[str, Any]

# Follow-ups only look back one turn; a bound keeps a long session's state small.
MAX_HISTORY = 20


class ChatHandlers:
    """Event handlers bound to one assistant (the index is loaded once and shared).

    Args:
        assistant: The assistant answering every session.
        policy: Who may add and remove articles; None lets everyone, as a loopback server
            with no token does.

    Example:
        >>> handlers = ChatHandlers(assistant)
        >>> chat, history, box = handlers.ask("When does GSOMIA expire?", [], [])
        >>> history[-1].text
        'this Saturday'
    """

    def __init__(self, assistant: Assistant, policy: AccessPolicy | None = None) -> None:
        self.assistant = assistant
        self.policy = policy or AccessPolicy()
        # Questions being answered or waiting, bounded as the JSON API bounds them
        # (settings.max_waiting_questions): past the bound a question is turned away at once.
        self.limit = assistant.settings.max_waiting_questions
        self.taken = 0
        self._taken_lock = threading.Lock()

    # -- access -------------------------------------------------------------------------------

    def role(self, request: gr.Request | None) -> Role | None:
        """The role of the session making ``request`` (None: it has none).

        Example:
            >>> handlers.role(None)  # no tokens on this server: everyone may do everything
            <Role.EDITOR: 2>
        """
        return self.policy.chat_role(getattr(request, "username", None))

    def session(self, request: gr.Request | None = None) -> tuple[str, Any, Any, str]:
        """What a page shows its user when it loads: the corpus, the uploads menu, whether the
        upload panel is shown (to those who may change the corpus), and who is logged in.

        Example:
            >>> summary, menu, panel, who = handlers.session()
            >>> panel["visible"], who
            (True, '')
        """
        role = self.role(request)
        editor = self.policy.may_edit(role)
        who = ""
        if self.policy.required and role is not None:
            name = escape_text(str(getattr(request, "username", "") or ""))
            what = "ask, add and remove articles" if editor else "ask questions"
            who = f"Logged in as **{name}**: you may {what}."
            if not editor and self.policy.uploads:
                who += " Adding articles needs the editor's login."
        return self.corpus_markdown(), self.upload_choices(), gr.update(visible=editor), who

    # -- chat ---------------------------------------------------------------------------------

    def ask(
        self,
        question: str | None,
        chat: Sequence[ChatMessage] | None,
        history: Sequence[Answer] | None,
        top_k: float | None = None,
    ) -> tuple[list[ChatMessage], list[Answer], str]:
        """Answer ``question`` in the context of the conversation so far.

        Args:
            question: What the user typed.
            chat: The chat's messages so far.
            history: Earlier answers of this conversation, oldest first (the ``gr.State``).
            top_k: Passages to show with the answer; None uses the assistant's setting.

        Returns:
            The new messages, the new history, and what the question box should hold: emptied
            after an answer, kept after a refusal so the user can fix it.

        Example:
            >>> chat, history, box = handlers.ask("", [], [])
            >>> chat[-1]["content"].startswith("**Cannot ask that:**")
            True
        """
        text = question or ""
        messages = list(chat or [])
        answers = list(history or [])
        if text.strip():
            messages.append({"role": "user", "content": escape_text(text.strip())})
        if not self._take():
            messages.append({"role": "assistant", "content": busy_message(self.taken)})
            return messages, answers, text
        try:
            answer = self.assistant.ask(text, history=answers, top_k=_as_top_k(top_k))
        except QAError as exc:
            messages.append({"role": "assistant", "content": render_error(str(exc))})
            return messages, answers, text
        except Exception:
            # A reply must always come back; the details go to the server log, not the page.
            log.exception("answering %r failed", text)
            messages.append(
                {
                    "role": "assistant",
                    "content": "**Something went wrong** while answering; please try again.",
                }
            )
            return messages, answers, text
        finally:
            self._release()
        answers = [*answers, answer][-MAX_HISTORY:]
        messages.append({"role": "assistant", "content": render_answer(answer)})
        return messages, answers, ""

    def _take(self) -> bool:
        # Gradio runs handlers on several threads at once, hence the lock.
        with self._taken_lock:
            if self.limit and self.taken >= self.limit:
                return False
            self.taken += 1
            return True

    def _release(self) -> None:
        with self._taken_lock:
            self.taken -= 1

    def clear(self) -> tuple[list[ChatMessage], list[Answer], str]:
        """Empty the chat, forget the conversation (so no follow-up refers back), empty the box.

        Example:
            >>> handlers.clear()
            ([], [], '')
        """
        return [], [], ""

    # -- API ----------------------------------------------------------------------------------

    def api_ask(self, question: str) -> dict[str, Any]:
        """Answer one standalone question and return the Answer as JSON-ready data.

        Raises:
            gr.Error: With the assistant's message when the question cannot be asked, so an API
                client sees why rather than a generic failure.

        Example:
            >>> handlers.api_ask("When does GSOMIA expire?")["text"]
            'this Saturday'
        """
        if not self._take():
            raise gr.Error(busy_message(self.taken).replace("**", ""))
        try:
            answer = self.assistant.ask(question)
        except QAError as exc:
            raise gr.Error(str(exc)) from exc
        finally:
            self._release()
        return answer_to_json(answer)

    # -- corpus -------------------------------------------------------------------------------

    def corpus_markdown(self) -> str:
        """What is indexed, for the corpus panel.

        Example:
            >>> print(handlers.corpus_markdown())
            **1 article**, 15 passages ...
        """
        info = self.assistant.info()
        built = info.built_at.replace("T", " ")[:16]
        return (
            f"**{plural(info.documents, 'article')}**, {plural(info.passages, 'passage')}"
            + (f" ({info.copies} repeated word for word)" if info.copies else "")
            + "  \n"
            f"Folder: {escape_text(Path(info.corpus).name or info.corpus)}  \n"
            f"Encoder: {escape_text(info.encoder)}  \n"
            f"Reader: {escape_text(info.reader)}  \n"
            f"Indexed: {escape_text(built)} UTC"
            + (
                f"  \nUploads ({len(info.uploads)}): "
                + ", ".join(escape_text(name) for name in info.uploads[:50])
                + (" …" if len(info.uploads) > 50 else "")
                if info.uploads
                else ""
            )
        )

    def upload_choices(self) -> Any:
        """The uploads a user may remove, as an update of the chat's removal menu.

        Example:
            >>> handlers.upload_choices()  # nothing uploaded yet
            {'choices': [], 'value': None, 'interactive': False, '__type__': 'update'}
        """
        names = self.assistant.uploads()
        return gr.update(choices=names, value=None, interactive=bool(names))

    def remove_upload(
        self, name: str | None, request: gr.Request | None = None
    ) -> tuple[str, str, Any]:
        """Remove one uploaded article and take it out of the index.

        Args:
            name: The upload to remove.
            request: Gradio's request, whose user must be allowed to change the corpus.

        Returns:
            The message for the user, the refreshed corpus summary, and the refreshed menu.

        Example:
            >>> message, summary, menu = handlers.remove_upload("ferry.txt")  # never uploaded
            >>> print(message)
            **Nothing was removed:** no upload is called &#39;ferry.txt&#39;; the uploads are: ...

            :meth:`upload` shows one added and removed again.
        """
        role = self.role(request)
        if not self.policy.may_edit(role):
            message = f"**Nothing was removed:** {self.policy.edit_refusal(role)}."
        elif not name:
            message = "Choose an uploaded article to remove."
        else:
            try:
                self.assistant.remove_upload(name)
                message = f"Removed {escape_text(name)}."
            except QAError as exc:
                message = f"**Nothing was removed:** {escape_text(str(exc))}"
        return message, self.corpus_markdown(), self.upload_choices()

    def upload(
        self,
        files: Sequence[str | Path] | str | Path | None,
        request: gr.Request | None = None,
        # track_tqdm: the index's own progress bar (passages, rate, time left) is shown in
        # the page while an upload is indexed.
        progress: gr.Progress = gr.Progress(track_tqdm=True),  # noqa: B008 - Gradio's way
    ) -> tuple[str, str, None, Any]:
        """Keep uploaded files as articles of this corpus and index them incrementally.

        Refused files (wrong type, too large, not text) are listed with the reason; they change
        nothing, and the other files of the same upload are still added. Uploads are stored
        beside the index, not in the corpus folder. A user who may not change the corpus
        (a reader, or anyone when uploads are off) gets a refusal and nothing is added.

        Returns:
            The message for the user, the refreshed corpus summary, None to empty the upload
            box, and the refreshed menu of uploads that can be removed.

        Example:
            >>> own = Assistant.from_corpus("seeds", settings, index_dir=tmp_path / "index")
            >>> handlers = ChatHandlers(own)  # an index of its own, which uploads change
            >>> ferry = tmp_path / "ferry.txt"
            >>> _ = ferry.write_text("Ferry strike ends\\nThe strike ended on Monday.\\n")
            >>> message, summary, _, menu = handlers.upload([ferry, tmp_path / "notes.pdf"])
            >>> print(message)
            **Added 1 file:** ferry.txt
            <BLANKLINE>
            **Refused 1 file:**
            <BLANKLINE>
            - notes.pdf — not an article file &#40;accepted: .txt, .md, ...&#41;
            >>> print(summary)
            **2 articles**, 16 passages
            ...
            Uploads (1): ferry.txt
            >>> handlers.assistant.ask("When did the ferry strike end?").text
            'Monday'
            >>> handlers.remove_upload("ferry.txt")[0]
            'Removed ferry.txt.'
        """
        role = self.role(request)
        if not self.policy.may_edit(role):
            message = f"**Nothing was added:** {self.policy.edit_refusal(role)}."
            return message, self.corpus_markdown(), None, self.upload_choices()
        if files is None or (not isinstance(files, (str, Path)) and not files):
            return (
                f"Choose one or more article files ({', '.join(suffixes())}) to add.",
                self.corpus_markdown(),
                None,
                self.upload_choices(),
            )
        paths = [files] if isinstance(files, (str, Path)) else list(files)
        progress(0.0, desc=f"Indexing {plural(len(paths), 'file')}…")
        try:
            added, refused = self.assistant.add_files(paths)
        except QAError as exc:
            message = f"**Nothing was added:** {escape_text(str(exc))}"
            return message, self.corpus_markdown(), None, self.upload_choices()
        progress(1.0, desc="Done")
        return upload_message(added, refused), self.corpus_markdown(), None, self.upload_choices()


def busy_message(taken: int) -> str:
    """What the chat says when it is too busy to take a question (it is kept in the box).

    Example:
        >>> busy_message(32)
        '**Busy:** 32 questions are being answered or waiting; try again in a moment.'
    """
    many = "questions are" if taken != 1 else "question is"
    return f"**Busy:** {taken} {many} being answered or waiting; try again in a moment."


def upload_message(added: Sequence[str], refused: Sequence[tuple[str, str]]) -> str:
    """Say which files were added and which were refused, and why.

    Example:
        >>> print(upload_message(["a.txt"], [("b.png", "not an article file")]))
        **Added 1 file:** a.txt
        <BLANKLINE>
        **Refused 1 file:**
        <BLANKLINE>
        - b.png — not an article file
    """
    parts: list[str] = []
    if added:
        names = ", ".join(escape_text(name) for name in added)
        parts.append(f"**Added {plural(len(added), 'file')}:** {names}")
    if refused:
        lines = [f"- {escape_text(name)} — {escape_text(why)}" for name, why in refused]
        parts.append(f"**Refused {plural(len(refused), 'file')}:**")
        parts.append("\n".join(lines))
    return "\n\n".join(parts) if parts else "No files were given."


def _as_top_k(value: float | None) -> int | None:
    # Sliders deliver floats; a missing or nonsensical value falls back to the settings.
    if value is None:
        return None
    k = round(value)
    return k if k >= 1 else None
