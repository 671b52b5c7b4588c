"""Psychometric operations: model versions, review, fairness, calibration jobs, data files."""
