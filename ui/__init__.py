"""The browser chat for news-qa, built with Gradio.

Example:
    >>> from qa import Assistant
    >>> from ui import launch
    >>> launch(Assistant.from_corpus("seeds"))                               # doctest: +SKIP
"""

from __future__ import annotations

from ui.app import build_app, launch, start

__all__ = ["build_app", "launch", "start"]
