"""The browser chat (Gradio): ask questions, see cited passages, add articles, call ``/ask``.

Example:
    >>> from qa import Assistant
    >>> from ui.app import launch
    >>> assistant = Assistant.from_corpus("seeds", encoder="hashing")
    >>> launch(assistant, port=7860)  # serves until interrupted  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import gradio as gr

# The function behind ``gr.api``, imported from where it is defined so type checkers see it.
from gradio.events import api as register_api

from qa.errors import UsageError
from qa.ingest.formats import suffixes
from qa.pipeline import Assistant
from qa.settings import AccessSettings, is_loopback
from qa.suggest import suggest_questions
from ui.access import AccessPolicy
from ui.api import build_api
from ui.handlers import ChatHandlers
from ui.render import escape_text

# How many example questions the chat draws from the corpus it serves (qa.suggest).
EXAMPLE_COUNT = 3

# Questions the chat passes on at once, at least. The handlers bound how many are answered or
# waiting (settings.max_waiting_questions) and turn the next away with "busy", so Gradio must
# hand them that many; past its own queue Gradio refuses with its own message.
CONCURRENCY_LIMIT = 4
QUEUE_SIZE = 64

CSS = """
#qa-chat mark { background: #fde68a; color: #1f2937; padding: 0 2px; border-radius: 3px; }
#qa-chat .qa-card {
  border-left: 3px solid var(--color-accent); padding: 4px 10px; margin: 8px 0;
}
#qa-chat .qa-source { font-weight: 600; font-size: 0.92em; margin-bottom: 2px; }
#qa-chat .qa-date { font-weight: 400; color: var(--body-text-color-subdued); }
#qa-chat .qa-file { font-weight: 400; color: var(--body-text-color-subdued); }
#qa-chat .qa-copies { font-size: 0.85em; color: var(--body-text-color-subdued); }
#qa-chat .qa-passage { font-size: 0.92em; line-height: 1.5; }
#qa-chat .qa-note { font-size: 0.85em; color: var(--body-text-color-subdued); }
#qa-chat details > summary { cursor: pointer; font-size: 0.88em; margin-top: 4px; }
"""

_THEME = gr.themes.Soft(
    # System fonts: the page must render the same with no network access.
    font=["ui-sans-serif", "system-ui", "Segoe UI", "Helvetica", "Arial", "sans-serif"],
    font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
)


def intro_markdown(assistant: Assistant) -> str:
    """The chat's opening lines, about the corpus it serves rather than any one topic.

    Example:
        >>> intro_markdown(assistant).splitlines()[1]  # the seed article has no date
        'Ask about the 1 article indexed from seeds. Every answer is copied from an article ...'
    """
    info = assistant.info()
    articles = f"{info.documents} article{'' if info.documents == 1 else 's'}"
    newest = assistant.newest_documents(1)
    when = f" (newest: {newest[0].date:%d %B %Y})" if newest and newest[0].date else ""
    return (
        "## News QA\n"
        f"Ask about the {articles} indexed from {escape_text(info.corpus)}{when}. Every answer "
        "is copied from an article and cites the passage it comes from; when the articles do "
        "not say, the reply says so. A follow-up may refer back to the previous question "
        "(*it*, *she*, *they*)."
    )


def build_app(
    assistant: Assistant,
    examples: Sequence[str] | None = None,
    policy: AccessPolicy | None = None,
) -> gr.Blocks:
    """The chat page for ``assistant`` (its index is already loaded and is shared by all users).

    Args:
        assistant: The assistant answering every session's questions.
        examples: Clickable example questions; clicking one asks it. By default they are
            drawn from the corpus and checked to be answered (:func:`qa.suggest.suggest_questions`).
        policy: Who may add and remove articles. With uploads off the page has no upload
            panel at all; with tokens it is hidden until an editor's page loads. None lets
            everyone, as a loopback server without a token does.

    Returns:
        The Gradio app; call :func:`start` (or ``.queue().launch()``) to serve it.

    Example:
        >>> demo = build_app(assistant)  # serve it with start()
        >>> type(demo).__name__
        'Blocks'
    """
    policy = policy or AccessPolicy()
    handlers = ChatHandlers(assistant, policy)
    default_k = assistant.settings.top_k
    if examples is None:
        examples = suggest_questions(assistant, EXAMPLE_COUNT)
    placeholder = (
        f"Ask a question, e.g. {examples[0]}" if examples else "Ask a question about these articles"
    )
    demo: gr.Blocks
    with gr.Blocks(title="News QA", analytics_enabled=False) as demo:
        gr.Markdown(intro_markdown(assistant))
        history = gr.State([])
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    label="Chat",
                    elem_id="qa-chat",
                    height=600,
                    # News text is full of "$" amounts; they must not turn into formulas.
                    latex_delimiters=[],
                    feedback_options=None,
                    buttons=["copy_all"],
                    placeholder="Answers appear here, with the passages they come from.",
                )
                with gr.Row():
                    question = gr.Textbox(
                        show_label=False,
                        placeholder=placeholder,
                        elem_id="qa-question",
                        scale=5,
                        max_lines=4,
                        autofocus=True,
                    )
                    ask_button = gr.Button("Ask", variant="primary", scale=1, min_width=80)
                # A corpus that yields no checked question gets no examples rather than
                # questions about something else.
                examples_block = gr.Examples(
                    examples=[[q] for q in examples] or [[""]],
                    inputs=[question],
                    visible=bool(examples),
                    label="Example questions (click to ask)",
                )
                clear_button = gr.Button(
                    "Clear chat", variant="secondary", size="sm", elem_id="qa-clear"
                )
            with gr.Column(scale=1, min_width=260):
                gr.Markdown("### Corpus")
                corpus_info = gr.Markdown(handlers.corpus_markdown(), elem_id="qa-corpus")
                top_k = gr.Slider(
                    minimum=1,
                    maximum=max(10, default_k),
                    value=default_k,
                    step=1,
                    label="Passages per answer (top-k)",
                )
                # Who is logged in and what they may do (empty without tokens).
                who = gr.Markdown(elem_id="qa-access", visible=policy.required)
                # Not built at all when nobody may upload; with tokens, shown on load to
                # editors only (the handlers check the role again on every call).
                panel = _upload_panel(handlers, corpus_info) if policy.uploads else None

        def answer_on(trigger: Callable[..., object], name: str) -> None:
            # Named explicitly: left to Gradio, these events would be called "ask" after the
            # handler and take the name of the public /ask endpoint below.
            trigger(
                handlers.ask,
                inputs=[question, chatbot, history, top_k],
                outputs=[chatbot, history, question],
                api_name=name,
                api_visibility="undocumented",
            )

        answer_on(question.submit, "chat_submit")
        answer_on(ask_button.click, "chat_click")
        answer_on(examples_block.load_input_event.then, "chat_example")
        # The chat's own trash icon must forget the conversation too, like the button.
        for trigger, name in ((clear_button.click, "clear"), (chatbot.clear, "clear_icon")):
            trigger(
                handlers.clear,
                api_name=name,
                outputs=[chatbot, history, question],
                api_visibility="undocumented",
                queue=False,
            )
        # Another session may have added articles since this page was built; and what this
        # user may do decides whether the upload panel shows.
        if panel is not None:
            upload_panel, remove_choice = panel
            demo.load(
                handlers.session,
                outputs=[corpus_info, remove_choice, upload_panel, who],
                api_name="corpus",
                api_visibility="undocumented",
            )
        else:

            def session(request: gr.Request) -> tuple[str, str]:
                summary, _, _, user = handlers.session(request)
                return summary, user

            demo.load(
                session,
                outputs=[corpus_info, who],
                api_name="corpus",
                api_visibility="undocumented",
            )
        register_api(handlers.api_ask, api_name="ask")
    return demo


def _upload_panel(
    handlers: ChatHandlers, corpus_info: gr.Markdown
) -> tuple[gr.Column, gr.Dropdown]:
    """The side panel's uploads (add files, remove one) with their events; the panel and its
    menu of uploads, for the page's load event to update."""
    # Hidden at first when a login is needed: the page's load event shows it to editors.
    with gr.Column(visible=not handlers.policy.required, elem_id="qa-upload-panel") as panel:
        files = gr.File(
            # No file_types filter: Gradio would reject the whole upload over one bad file,
            # whereas the assistant refuses just that file and says why.
            file_count="multiple",
            label=f"Add articles ({', '.join(suffixes())})",
            height=120,
            elem_id="qa-upload",
        )
        upload_status = gr.Markdown(elem_id="qa-upload-status")
        with gr.Row():
            removable = handlers.assistant.uploads()
            remove_choice = gr.Dropdown(
                choices=removable,
                value=None,
                label="Uploaded articles",
                interactive=bool(removable),
                elem_id="qa-uploads",
                scale=3,
            )
            remove_button = gr.Button(
                "Remove", size="sm", variant="secondary", elem_id="qa-remove", scale=1
            )
    files.upload(
        handlers.upload,
        api_name="upload",
        inputs=[files],
        outputs=[upload_status, corpus_info, files, remove_choice],
        api_visibility="undocumented",
    )
    remove_button.click(
        handlers.remove_upload,
        api_name="remove_upload",
        inputs=[remove_choice],
        outputs=[upload_status, corpus_info, remove_choice],
        api_visibility="undocumented",
    )
    return panel, remove_choice


class Server:
    """The chat and the JSON API served by uvicorn from a background thread.

    Attributes:
        url: The local address, ending in ``/``.
        demo: The Gradio app mounted at ``/``.
    """

    def __init__(
        self,
        server: Any,
        thread: threading.Thread,
        url: str,
        demo: gr.Blocks,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        self._server = server
        self._thread = thread
        self.url = url
        self.demo = demo
        self._on_close = on_close

    def wait(self) -> None:
        """Serve until interrupted (Ctrl-C)."""
        try:
            while self._thread.is_alive():
                self._thread.join(0.5)
        except KeyboardInterrupt:
            self.close()

    def close(self) -> None:
        """Stop serving and wait for the server thread to end."""
        self._server.should_exit = True
        self._thread.join(timeout=30)
        if self._on_close is not None:
            self._on_close()


def start(
    assistant: Assistant,
    host: str = "127.0.0.1",
    port: int = 7860,
    *,
    access: AccessSettings | None = None,
    block: bool = True,
    quiet: bool = False,
    workers: int | None = None,
) -> tuple[Server, str]:
    """Load the models, then serve the chat at ``/`` and the JSON API under ``/api/``.

    The models are loaded before the address is printed, so the first question is answered
    as fast as any other. The chat and the API (:mod:`ui.api`, OpenAPI page at ``/docs``)
    call the same :class:`~qa.pipeline.Assistant`.

    With a token (``access.token``) the chat asks for a login and the API for
    ``Authorization: Bearer TOKEN`` (:mod:`ui.access`); an address other machines can reach
    needs one, or ``access.open``, which is warned about on stderr even when ``quiet``.

    Args:
        assistant: The assistant to serve.
        host: Address to listen on.
        port: Port to listen on.
        access: Tokens, uploads, ``open`` and trusted proxies; None serves with no token
            (refused on an address other than loopback).
        block: Serve until interrupted; with False, return at once and serve from a thread
            (call ``.close()`` on the returned server to stop).
        quiet: Do not print the address.
        workers: Worker processes to answer in (see
            :meth:`~qa.pipeline.Assistant.start_workers`); None takes
            ``settings.serving_workers``, 0 answers in this process. Stopped with the server.

    Returns:
        The running server and its local URL.

    Raises:
        UsageError: When the address cannot be listened on (a port in use, say), or is
            reachable by others with no token and no ``open`` (before anything loads).

    Example:
        >>> server, url = start(assistant, block=False)  # starts a web server  # doctest: +SKIP
        >>> server.close()  # stops the server started above  # doctest: +SKIP
    """
    import uvicorn

    access = access or AccessSettings()
    policy = AccessPolicy.serving(access, host, assistant.settings)  # refuses before loading
    if not quiet:
        print("Loading the models…", flush=True)
    seconds = assistant.warm_up()
    count = assistant.settings.serving_workers if workers is None else workers
    started_workers = bool(count and assistant.replicable and not assistant.workers)
    if started_workers:
        seconds += assistant.start_workers(count)
    if not quiet:
        plural = "es" if count != 1 else ""
        answering = f", answering in {count} worker process{plural}" if started_workers else ""
        print(f"Models ready in {seconds:.1f} s{answering}.", flush=True)
    demo = build_app(assistant, policy=policy)
    waiting = assistant.settings.max_waiting_questions
    demo.queue(default_concurrency_limit=max(CONCURRENCY_LIMIT, waiting), max_size=QUEUE_SIZE)
    app = gr.mount_gradio_app(
        build_api(assistant, policy),
        demo,
        path="",
        server_name=host,
        server_port=port,
        show_error=True,
        ssr_mode=False,
        theme=_THEME,
        css=CSS,
        # Gradio's own login page; the token is the password (ui.access.AccessPolicy).
        auth=policy.chat_login if policy.required else None,
        auth_message=policy.login_message() if policy.required else None,
    )
    trusted = list(access.trusted_proxies)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        lifespan="on",
        # X-Forwarded-For names the client (for the rate limit) only from a trusted proxy.
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or None,
    )
    server = uvicorn.Server(config)

    def serve() -> None:
        # uvicorn exits (SystemExit) when it cannot listen; start() reports that below.
        with contextlib.suppress(SystemExit):
            server.run()

    thread = threading.Thread(target=serve, name="qa-server", daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        time.sleep(0.05)
    if not server.started:
        if started_workers:
            assistant.stop_workers()
        raise UsageError(f"cannot serve on {host}:{port} (is the port in use?)")
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}/"
    running = Server(
        server, thread, url, demo, on_close=assistant.stop_workers if started_workers else None
    )
    if not quiet:
        print(f"Chat: {url}  JSON API: {url}api/ask  (OpenAPI: {url}docs)", flush=True)
        if policy.required:
            print(access_summary(policy), flush=True)
    if access.open and not policy.required and not is_loopback(host):
        print(
            f"warning: --open: no token, so anyone who can reach {host or '*'}:{port} may ask "
            "questions (uploads are off); set QA_TOKEN to require one",
            file=sys.stderr,
            flush=True,
        )
    if block:
        running.wait()
    return running, url


def access_summary(policy: AccessPolicy) -> str:
    """One line saying who may do what on a server with tokens (never the tokens).

    Example:
        >>> print(access_summary(AccessPolicy(token="reader-token-0123456789")))
        Access: token required (Authorization: Bearer, or the chat's login); uploads off
    """
    uploads = "editors add and remove articles" if policy.uploads else "uploads off"
    line = f"Access: token required (Authorization: Bearer, or the chat's login); {uploads}"
    if policy.limiter is not None:
        line += (
            f"; /api/ask limited to {policy.limiter.per_minute} a minute per client "
            f"(bursts of {policy.limiter.burst})"
        )
    return line


def launch(
    assistant: Assistant,
    host: str = "127.0.0.1",
    port: int = 7860,
    access: AccessSettings | None = None,
) -> None:
    """Serve the chat and the JSON API for ``assistant`` at ``http://host:port/`` until
    interrupted (``access`` as for :func:`start`).

    Example:
        >>> launch(assistant, port=7860)  # serves until interrupted  # doctest: +SKIP
    """
    start(assistant, host, port, access=access, block=True)
