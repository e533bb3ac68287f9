"""Measuring the assistant: answer scoring, calibration and retrieval metrics."""
