"""The report's two plots, drawn off-screen: the reliability diagram and the risk-coverage
curve."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any


def _save(draw: Callable[[Any], None], path: Path) -> None:
    # A bare Figure on the Agg canvas draws off-screen without touching pyplot's global state,
    # so the report can be written from a server thread or a test without a display.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(5.5, 4.5), dpi=110)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    draw(axes)
    figure.tight_layout()
    figure.savefig(path, format="png", metadata={"Software": None})


def plot_reliability(report: Mapping[str, Any], path: Path) -> None:
    """Reliability diagram: accuracy against mean confidence per bin, with the diagonal."""

    def draw(axes: Any) -> None:
        bins = report["reliability"]
        axes.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1, label="perfect")
        filled = [b for b in bins if b["count"]]
        axes.bar(
            [(b["lower"] + b["upper"]) / 2 for b in filled],
            [b["accuracy"] for b in filled],
            width=[(b["upper"] - b["lower"]) * 0.9 for b in filled],
            color="tab:blue",
            alpha=0.75,
            label="accuracy",
        )
        axes.scatter(
            [b["mean_confidence"] for b in filled],
            [b["accuracy"] for b in filled],
            color="tab:red",
            zorder=3,
            s=14,
            label="mean confidence",
        )
        for b in filled:
            axes.annotate(
                str(b["count"]),
                ((b["lower"] + b["upper"]) / 2, b["accuracy"]),
                textcoords="offset points",
                xytext=(0, 3),
                ha="center",
                fontsize=7,
            )
        ece = report["ece"]
        axes.set_title(f"Reliability (ECE {'-' if ece is None else f'{ece:.3f}'})")
        axes.set_xlabel("confidence (answer score)")
        axes.set_ylabel("exact-match accuracy")
        axes.set_xlim(0, 1)
        axes.set_ylim(0, 1.05)
        axes.legend(loc="upper left", fontsize=8)

    _save(draw, path)


def plot_risk_coverage(report: Mapping[str, Any], path: Path) -> None:
    """Accuracy of the answers kept against the share of questions answered, per threshold."""

    def draw(axes: Any) -> None:
        points = [p for p in report["risk_coverage"] if p["accuracy"] is not None]
        axes.plot(
            [p["coverage"] for p in points],
            [p["accuracy"] for p in points],
            marker="o",
            markersize=4,
            color="tab:green",
        )
        for p in points[:: max(1, len(points) // 6)]:
            axes.annotate(
                f"{p['threshold']:.2f}",
                (p["coverage"], p["accuracy"]),
                textcoords="offset points",
                xytext=(4, 4),
                fontsize=7,
            )
        if not points:
            axes.text(0.5, 0.5, "no answers given", ha="center", va="center")
        axes.set_title("Risk-coverage (labels: confidence threshold)")
        axes.set_xlabel("coverage (share of questions answered)")
        axes.set_ylabel("exact-match accuracy of answers kept")
        axes.set_xlim(0, 1)
        axes.set_ylim(0, 1.05)
        axes.grid(alpha=0.3)

    _save(draw, path)
