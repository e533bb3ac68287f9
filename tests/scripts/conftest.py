"""The scripts in ``scripts/`` are not a package: tests load each one from its file."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


@pytest.fixture(scope="session")
def load_script() -> Callable[[str], ModuleType]:
    """Load ``scripts/<name>.py`` as a module (its ``main`` is not run)."""

    def load(name: str) -> ModuleType:
        spec = importlib.util.spec_from_file_location(f"{name}_under_test", SCRIPTS / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        # Registered first, as an import would: dataclasses look their module up there.
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        return module

    return load
