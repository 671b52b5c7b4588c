"""Exposure control of the adaptive test as a small protocol: none, randomesque, Sympson–Hetter.

A control receives the candidate items of one selection step ranked best first and returns
the item to give with the items it looked at (the Sympson–Hetter bookkeeping of ``P(S_j)``).
Parameters are passed in; nothing is read from disk here (the shipped Sympson–Hetter file is
read by the caller with ``assessment.delivery.exposure.load_exposure_parameters``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from assessment.delivery.policy import CATPolicy
from assessment.errors import CATConfigurationError
from scoring.arrays import IntArray


class ExposureControl(Protocol):
    """Chooses the item to give among ranked candidates (best first)."""

    def choose(
        self, ranked: IntArray, item_ids: Sequence[str], session_id: str, rng: np.random.Generator
    ) -> tuple[int, IntArray]:
        """The chosen pool position and the positions looked at, best first."""
        ...


@dataclass(frozen=True)
class NoExposureControl:
    """Always the best item (maximum exposure of the most informative items)."""

    def choose(
        self, ranked: IntArray, item_ids: Sequence[str], session_id: str, rng: np.random.Generator
    ) -> tuple[int, IntArray]:
        return int(ranked[0]), ranked[:1]


@dataclass(frozen=True)
class Randomesque:
    """A uniform draw among the ``n`` best items (Kingsbury & Zara, 1989).

    References
    ----------
    Kingsbury, G. G., & Zara, A. R. (1989). Procedures for selecting items for computerized
    adaptive tests. Applied Measurement in Education, 2, 359–375.
    """

    n: int = 3

    def choose(
        self, ranked: IntArray, item_ids: Sequence[str], session_id: str, rng: np.random.Generator
    ) -> tuple[int, IntArray]:
        top = ranked[: self.n]
        return int(top[rng.integers(top.size)]), top


@dataclass(frozen=True)
class SympsonHetter:
    """Sympson–Hetter lottery with control parameters ``K_j`` (items not listed: 1).

    The best item is given with probability ``K_j``, else the next is looked at. The lottery
    draw of an item is fixed per session (a uniform number from the session and item ids), so
    an item passed over stays passed over; when every candidate has been passed over, the one
    closest to acceptance (smallest ``u_j / K_j``) is given, which favours rarely exposed items
    with large ``K_j``.

    References
    ----------
    Sympson, J. B., & Hetter, R. D. (1985). Controlling item-exposure rates in computerized
    adaptive testing. Proceedings of the 27th Annual Meeting of the Military Testing
    Association (pp. 973–977).
    """

    parameters: Mapping[str, float]

    def __post_init__(self) -> None:
        for item_id, value in self.parameters.items():
            if not 0.0 < value <= 1.0:
                raise CATConfigurationError(
                    f"item {item_id}: control parameter {value} not in (0, 1]"
                )

    def choose(
        self, ranked: IntArray, item_ids: Sequence[str], session_id: str, rng: np.random.Generator
    ) -> tuple[int, IntArray]:
        draws = np.array([lottery(session_id, item_ids[j]) for j in ranked])
        control = np.array([self.parameters.get(item_ids[j], 1.0) for j in ranked])
        ratio = draws / control
        accepted = np.flatnonzero(ratio < 1.0)
        if accepted.size == 0:  # all passed over; give the one closest to acceptance
            return int(ranked[np.argmin(ratio)]), ranked
        return int(ranked[accepted[0]]), ranked[: accepted[0] + 1]


def lottery(session_id: str, item_id: str) -> float:
    """Uniform number in [0, 1) fixed for one session and item (the Sympson–Hetter draw).

    Drawing it from the ids rather than from the call's generator means an item passed over
    once stays passed over for that session, as Sympson and Hetter's procedure requires,
    without storing rejections in the session.
    """
    digest = hashlib.blake2b(f"{session_id}\x1f{item_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


def exposure_control(
    policy: CATPolicy,
    parameters: Mapping[str, float] | None = None,
    item_ids: Sequence[str] = (),
) -> ExposureControl:
    """The control the policy names, with Sympson–Hetter parameters passed in.

    Parameters
    ----------
    policy : CATPolicy
    parameters : mapping of str to float, optional
        Sympson–Hetter ``K_j``; required (covering at least one of ``item_ids``) when the
        policy asks for Sympson–Hetter.
    item_ids : sequence of str
        The pool's items, to check that the parameters belong to this bank.

    Raises
    ------
    CATConfigurationError
        For Sympson–Hetter without parameters for any of the pool's items.
    """
    if policy.exposure_control == "randomesque":
        return Randomesque(policy.randomesque_n)
    if policy.exposure_control == "none":
        return NoExposureControl()
    in_pool = set(item_ids)
    known = {k: v for k, v in (parameters or {}).items() if not in_pool or k in in_pool}
    if not known:
        raise CATConfigurationError(
            "Sympson–Hetter exposure control needs control parameters and none were given for "
            "this bank's items; compute them with `sjt cat-sim --exposure-calibrate` or "
            "assessment.delivery.simulation.sympson_hetter_parameters"
        )
    return SympsonHetter(known)
