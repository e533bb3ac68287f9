"""The name pool that look-alike questions draw their swapped names from."""

from __future__ import annotations

import random
from collections.abc import Callable
from types import ModuleType

import pytest


@pytest.fixture(scope="module")
def script(load_script: Callable[[str], ModuleType]) -> ModuleType:
    return load_script("make_questions")


def test_own_document_names_first_then_any(script: ModuleType) -> None:
    pool = script.NamePool(random.Random(0))
    pool.for_document("a")
    pool.add([("Ann", "PERSON"), ("Bob", "PERSON"), ("Cy", "PERSON"), ("Oslo", "GPE")])
    assert pool.for_document("a") == {"PERSON": ["Ann", "Bob", "Cy"], "GPE": ["Oslo"]}
    pool.for_document("b")
    pool.add([("Dee", "PERSON")])
    # Document b has one person of its own: too few, so any document's people are offered.
    assert sorted(pool.for_document("b")["PERSON"]) == ["Ann", "Bob", "Cy", "Dee"]


def test_pool_stays_bounded(script: ModuleType) -> None:
    pool = script.NamePool(random.Random(0))
    pool.for_document("a")
    pool.add([(f"name {k}", "ORG") for k in range(script._POOL_SIZE + 500)])
    pool.for_document("b")
    names = pool.for_document("b")["ORG"]
    assert len(names) == script._POOL_SIZE
    assert any(int(n.split()[1]) >= script._POOL_SIZE for n in names)
