"""The names a plug-in setting may take, kept below every stage.

``Settings`` checks ``reader`` and ``vector_backend`` against what is registered; the factories
and classes behind those names live in their stages (:mod:`qa.components` registers readers,
:mod:`qa.index.vectors.registry` vector backends). Keeping only the tables here lets the
settings model check a name without importing the stages that register it, so no stage
import runs in a circle through the settings.

Example:
    >>> import qa.components  # registers the built-in readers
    >>> "neural" in READERS
    True
"""

from __future__ import annotations

from typing import Any

# Reader factories by the name the ``reader`` setting takes (see qa.components).
READERS: dict[str, Any] = {}
# Vector index classes by the name the ``vector_backend`` setting takes (see
# qa.index.vectors.registry); "auto" is a choice among them, not one of them.
VECTOR_BACKENDS: dict[str, Any] = {}
AUTO = "auto"


def names(field: str) -> tuple[str, ...]:
    """The names registered for a plug-in setting; empty for any other setting.

    Example:
        >>> names("top_k")
        ()
    """
    if field == "reader":
        return tuple(READERS)
    if field == "vector_backend":
        return (*VECTOR_BACKENDS, AUTO)
    return ()
