"""Errors and warnings of the psychometric engine."""

from __future__ import annotations


class ScoringError(ValueError):
    """Input to an estimator or scorer is invalid (shapes, codes, parameters)."""


class ConvergenceWarning(UserWarning):
    """An iterative estimator stopped before meeting its convergence criterion."""
