"""The persistent, verified, atomically replaced index of a corpus."""

from __future__ import annotations

from qa.index.generation import LoadedIndex, Manifest, format_manifest
from qa.index.store import BuildStats, IndexStore

__all__ = ["BuildStats", "IndexStore", "LoadedIndex", "Manifest", "format_manifest"]
