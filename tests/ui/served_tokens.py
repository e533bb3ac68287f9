"""The tokens of the chat tests' server with access control (``token_server`` in conftest.py).

Made for the tests only; a module of its own so that tests can import them (importing from
``conftest`` would find whichever conftest.py pytest loaded last).
"""

from __future__ import annotations

READER_TOKEN = "reader-token-for-tests-0123456789"
EDITOR_TOKEN = "editor-token-for-tests-0123456789"
