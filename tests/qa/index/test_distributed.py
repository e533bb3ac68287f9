"""`qa index --ray`: the index a Ray cluster builds is the one this process builds.

The Ray tests are marked slow: the module starts one local Ray cluster (10-20 s on 2 cores) and
two tests run the command in a subprocess, one of which starts a cluster of its own. They skip
when the ray extra is not installed; CI installs it.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import srsly

from qa.cli import main
from qa.components import make_encoder, make_parts, make_reader
from qa.index import IndexStore, LoadedIndex
from qa.index.distributed import RAY_MISSING, RayExecutor
from qa.index.executor import BuildExecutor
from qa.index.store import BuildStats
from qa.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
SEEDS = ROOT / "seeds"
RAY_REASON = "the ray extra is not installed: pip install -c constraints.txt -e '.[ray]'"


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """One local Ray cluster for the module; yields its address for other processes."""
    ray = pytest.importorskip("ray", reason=RAY_REASON)
    ray.init(address="local", num_cpus=2, include_dashboard=False, logging_level=logging.WARNING)
    try:
        yield str(ray.get_runtime_context().gcs_address)
    finally:
        ray.shutdown()


def _settings(index_dir: Path) -> Settings:
    # Short windows split the small articles into several passages each, so the encoding
    # tasks below get several batches to put back in order.
    return Settings(
        encoder="hashing",
        reader="typed",
        window_tokens=32,
        window_overlap=8,
        max_file_bytes=4000,
        index_dir=index_dir,
        show_progress=False,
    )


def _open(
    corpus: Path, settings: Settings, executor: BuildExecutor | None = None
) -> tuple[LoadedIndex, BuildStats]:
    encoder = make_encoder(settings)
    assert settings.index_dir is not None
    store = IndexStore(
        settings.index_dir,
        encoder,
        make_reader(settings, encoder),
        window_tokens=settings.window_tokens,
        window_overlap=settings.window_overlap,
        batch_size=settings.batch_size,
        max_file_bytes=settings.max_file_bytes,
        show_progress=False,
        executor=executor,
    )
    return store.open(corpus)


def _on_ray(corpus: Path, settings: Settings) -> tuple[LoadedIndex, BuildStats]:
    # Small tasks: many of them must come back in the order they went out.
    with RayExecutor(settings, parts=make_parts, passages_per_task=5, files_per_task=2) as executor:
        return _open(corpus, settings, executor)


def _assert_same(local: LoadedIndex, ray: LoadedIndex) -> None:
    assert dict(local.documents) == dict(ray.documents)
    assert list(local.passages) == list(ray.passages)  # ids, offsets, text, titles, dates
    assert local.copies == ray.copies
    assert np.array_equal(local.unit_passage, ray.unit_passage)
    rows = list(range(len(local.passages)))
    assert [_canonical(a) for a in local.analyses(rows)] == [
        _canonical(a) for a in ray.analyses(rows)
    ]
    np.testing.assert_allclose(local.vectors.vectors(), ray.vectors.vectors(), atol=1e-5)
    varies = {"built_at", "checksums"}
    assert local.manifest.model_dump(exclude=varies) == ray.manifest.model_dump(exclude=varies)


def _canonical(analysis: bytes) -> bytes:
    """An analysis with its spaCy strings sorted; everything else is kept byte for byte.

    spaCy writes a Doc's strings from a set, so their order follows the process's string hash
    seed: two processes (two local builds as well) write the same analysis with its strings
    in another order.
    """
    data = srsly.msgpack_loads(analysis)
    doc = srsly.msgpack_loads(data["doc"])
    doc["strings"] = sorted(doc["strings"])
    return bytes(srsly.msgpack_dumps({**data, "doc": srsly.msgpack_dumps(doc)}))


def _same_stats(one: BuildStats, other: BuildStats) -> bool:
    return (one.action, one.documents, one.passages, one.new_passages, one.skipped) == (
        other.action,
        other.documents,
        other.passages,
        other.new_passages,
        other.skipped,
    )


def _record(doc_id: str, title: str, text: str) -> str:
    return json.dumps(
        {"id": doc_id, "title": title, "text": text, "date": "2024-05-0" + doc_id[-1]}
    )


def _corpus(root: Path) -> Path:
    """Several kinds of file: text, Markdown with front matter, JSON lines with several
    articles and a broken line, a file that is not text, one over the size limit, a
    subfolder, and what the scan leaves out (a hidden folder, a file of another kind)."""
    corpus = root / "corpus"
    (corpus / "region").mkdir(parents=True)
    paragraph = (
        "The harbour bridge reopened on Monday after eight months of repairs to its deck, "
        "and the city council said traffic would be limited to two lanes until June. "
    )
    (corpus / "bridge.txt").write_text(
        f"Harbour bridge reopens\n{paragraph * 3}\n\nCommuters welcomed the news.\n",
        encoding="utf-8",
    )
    (corpus / "flood.md").write_text(
        "---\ntitle: River floods farmland\ndate: 2024-04-02\nauthor: A. Reporter\n---\n"
        "The river rose two metres overnight.\n\nFarmers moved cattle to higher ground.\n",
        encoding="utf-8",
    )
    (corpus / "wire.jsonl").write_text(
        "\n".join(
            [
                _record("w1", "Mayor resigns", "The mayor resigned on Friday. " * 6),
                _record("w2", "Rail strike ends", "Train drivers returned to work."),
                "{not json",
                _record("w3", "Museum opens", "A new museum opened downtown. It has 40 rooms."),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    (corpus / "scan.txt").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3 binary")
    (corpus / "huge.txt").write_text("Too long\n" + "word " * 1000, encoding="utf-8")
    (corpus / ".git").mkdir()
    (corpus / ".git" / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    (corpus / "notes.docx").write_bytes(b"PK\x03\x04")
    (corpus / "region" / "school.txt").write_text(
        "School reopens\nThe village school reopened with 30 pupils.\n", encoding="utf-8"
    )
    return corpus


@pytest.mark.slow
def test_seed_corpus_built_on_ray_equals_local_build(cluster: str, tmp_path: Path) -> None:
    local, local_stats = _open(SEEDS, _settings(tmp_path / "local"))
    ray, ray_stats = _on_ray(SEEDS, _settings(tmp_path / "ray"))
    assert _same_stats(local_stats, ray_stats) and ray_stats.action == "built"
    _assert_same(local, ray)


@pytest.mark.slow
def test_files_and_an_update_built_on_ray_equal_local_builds(cluster: str, tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    local, local_stats = _open(corpus, _settings(tmp_path / "local"))
    ray, ray_stats = _on_ray(corpus, _settings(tmp_path / "ray"))
    assert _same_stats(local_stats, ray_stats)
    skipped = {name for name, _ in ray_stats.skipped}
    assert skipped == {"scan.txt", "huge.txt", "wire.jsonl line 3", ".git/", "notes.docx"}
    assert len(ray.documents) == 6 and len(ray.passages) > 10
    _assert_same(local, ray)
    local.close()
    ray.close()

    # An update: a wire article added, one file edited, one removed. Both builds reuse the
    # unchanged articles (those of the edited JSONL file too) and encode only what is new.
    with open(corpus / "wire.jsonl", "a", encoding="utf-8") as handle:
        handle.write(_record("w4", "Ferry delayed", "Fog delayed the morning ferry.") + "\n")
    (corpus / "region" / "school.txt").write_text(
        "School reopens\nThe village school reopened with 32 pupils.\n", encoding="utf-8"
    )
    (corpus / "flood.md").unlink()
    local, local_stats = _open(corpus, _settings(tmp_path / "local"))
    ray, ray_stats = _on_ray(corpus, _settings(tmp_path / "ray"))
    assert _same_stats(local_stats, ray_stats)
    assert ray_stats.action == "updated" and ray_stats.new_passages == 2
    _assert_same(local, ray)


@pytest.mark.slow
def test_cli_builds_on_an_existing_cluster_and_the_local_command_reuses_it(
    cluster: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = _corpus(tmp_path)
    ix = tmp_path / "ix"
    args = ["--encoder", "hashing", "--index-dir", str(ix), "--quiet"]
    # Another process joins the cluster by its address, as `--ray HEAD:6379` does.
    done = subprocess.run(
        [sys.executable, "-m", "qa.cli", "index", str(corpus), "--ray", cluster, *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    # The command's size limit (20 MB) admits huge.txt: seven articles.
    assert done.stdout.startswith("built index of ") and ": 7 articles, " in done.stdout
    # The index is the one the local command would build: it is reused as it is.
    assert main(["index", str(corpus), *args]) == 0
    assert capsys.readouterr().out.startswith("reused index of ")


@pytest.mark.slow
def test_cli_starts_a_local_cluster_when_given_no_address(tmp_path: Path) -> None:
    pytest.importorskip("ray", reason=RAY_REASON)
    ix = tmp_path / "ix"
    args = ["--encoder", "hashing", "--index-dir", str(ix), "--quiet"]
    done = subprocess.run(
        [sys.executable, "-m", "qa.cli", "index", str(SEEDS), "--ray", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("built index of ") and ": 1 article, " in done.stdout
    again = subprocess.run(
        [sys.executable, "-m", "qa.cli", "index", str(SEEDS), *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert again.returncode == 0 and again.stdout.startswith("reused index of "), again.stderr


def test_local_build_and_questions_never_import_ray(tmp_path: Path) -> None:
    # A fresh interpreter: this one may have imported Ray for the tests above.
    script = f"""
import sys
from qa.cli import main
args = ["--encoder", "hashing", "--index-dir", {str(tmp_path / "ix")!r}, "--quiet"]
assert main(["index", {str(SEEDS)!r}, *args]) == 0
assert main(["ask", "When does GSOMIA expire?", "--corpus", {str(SEEDS)!r}, *args]) == 0
loaded = sorted(name for name in sys.modules if name == "ray" or name.startswith("ray."))
assert not loaded, loaded
"""
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert done.returncode == 0, done.stderr
    assert "this Saturday" in done.stdout


def test_ray_missing_is_one_line_saying_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now fails, as when not installed
    argv = ["index", str(SEEDS), "--ray", "--encoder", "hashing", "--index-dir", str(tmp_path)]
    assert main([*argv, "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"error: {RAY_MISSING}"
    assert "pip install -c constraints.txt -e '.[ray]'" in err


def test_an_address_nothing_listens_at_fails_in_seconds(tmp_path: Path) -> None:
    pytest.importorskip("ray", reason=RAY_REASON)
    # In a fresh process (this one may be connected to the module's cluster, which a build
    # would use). Ray itself would retry for minutes; nothing listens on port 1.
    argv = ["index", str(SEEDS), "--ray", "127.0.0.1:1", "--encoder", "hashing", "--quiet"]
    done = subprocess.run(
        [sys.executable, "-m", "qa.cli", *argv, "--index-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("error: cannot reach a Ray cluster at '127.0.0.1:1'")


def test_a_folder_after_ray_is_refused_as_an_address(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["index", "--ray", str(SEEDS), "--encoder", "hashing", "--index-dir", str(tmp_path)]
    assert main([*argv, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "is not a Ray cluster address" in err and "goes before --ray" in err
