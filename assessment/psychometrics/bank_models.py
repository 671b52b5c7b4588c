"""The item models the workbench offers for calibrating the bank, read from the registry."""

from __future__ import annotations

from scoring.models import get_model
from scoring.most_least import JOINT_BASES


def bank_models() -> dict[str, str]:
    """Registry key → label of the models a bank can be calibrated with.

    The bank holds most/least items, so only base models with a joint most/least model
    (``scoring.most_least.JOINT_BASES``) qualify; the order is the registry's.
    """
    return {name: get_model(name).label for name in JOINT_BASES}


__all__ = ["bank_models"]
