"""The assistant sets torch's thread count: one for questions, every core for index builds."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa import Assistant, Settings
from qa.threads import cores, use_threads


def test_defaults_and_the_setting() -> None:
    assert (Settings().answer_threads, Settings().index_threads) == (1, cores())
    assert (Settings(threads=3).answer_threads, Settings(threads=3).index_threads) == (3, 3)
    with pytest.raises(ValueError):
        Settings(threads=0)


def test_questions_run_on_one_thread_and_builds_on_every_core(
    seed_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch

    before = torch.get_num_threads()
    seen: list[int] = []
    try:
        torch.set_num_threads(cores())
        assistant = Assistant.from_corpus(
            seed_copy, encoder="hashing", index_dir=tmp_path / "ix", show_progress=False
        )
        assert torch.get_num_threads() == 1  # back to the question count after the build
        assistant.ask("When does GSOMIA expire?")
        assert torch.get_num_threads() == 1

        # During a build the count is every core.
        original = assistant.encoder.encode
        monkeypatch.setattr(
            assistant.encoder,
            "encode",
            lambda texts, **kw: (seen.append(torch.get_num_threads()), original(texts, **kw))[1],
        )
        (seed_copy / "extra.txt").write_text("Extra\nThe ferry runs on Monday.\n")
        assistant.refresh()
        assert seen and seen[0] == cores()
        assert torch.get_num_threads() == 1
    finally:
        use_threads(before)
