"""The report's plots are PNG files, also for a run that answered nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.evaluation.plots import plot_reliability, plot_risk_coverage

PNG = b"\x89PNG\r\n\x1a\n"


def _report(answered: bool) -> dict[str, object]:
    bins = [
        {
            "lower": k / 10,
            "upper": (k + 1) / 10,
            "count": 3 if answered and k in (2, 7) else 0,
            "accuracy": 0.5 if answered and k in (2, 7) else None,
            "mean_confidence": k / 10 + 0.05 if answered and k in (2, 7) else None,
        }
        for k in range(10)
    ]
    points = [
        {"threshold": t, "coverage": 1 - t, "accuracy": 0.4 + t / 2 if answered else None}
        for t in (0.0, 0.25, 0.5, 0.75)
    ]
    return {"reliability": bins, "risk_coverage": points, "ece": 0.12 if answered else None}


@pytest.mark.parametrize("answered", [True, False])
def test_plots_are_png_files(tmp_path: Path, answered: bool) -> None:
    report = _report(answered)
    for draw, name in ((plot_reliability, "r.png"), (plot_risk_coverage, "c.png")):
        path = tmp_path / name
        draw(report, path)
        assert path.read_bytes().startswith(PNG)
        assert path.stat().st_size > 2_000
