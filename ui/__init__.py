"""The browser chat for news-qa, built with Gradio.

Example:
    >>> from qa import Assistant
    >>> from ui import launch
    >>> assistant = Assistant.from_corpus("seeds", encoder="hashing")
    >>> launch(assistant)  # serves http://127.0.0.1:7860/ until interrupted  # doctest: +SKIP
"""

from __future__ import annotations

from ui.app import build_app, launch, start

__all__ = ["build_app", "launch", "start"]
