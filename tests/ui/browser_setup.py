"""How the browser tests start Debian's Chromium, in one place for every browser test file."""

from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
# Screenshots of failing runs go here (not committed).
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
# No sandbox: CI runs as root in a container; the rest keeps Chromium from phoning home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 60_000
