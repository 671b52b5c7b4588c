"""Cue-audit benchmark: time of ``sjt bank audit`` on a bank of the planned size (210 items).

Design
------
The packaged bank (read leniently, as item writers run it mid-rewrite) is padded to 210 items
with seeded copies whose option words (English) and characters (Chinese) are shuffled, so the
vocabulary and option lengths stay those of real items. The figure is the wall time of one
``audit_items`` call: three leave-one-item-out classifiers for the best and the worst option in
both languages plus the structure cues (60 items with ``SJT_BENCH_QUICK=1``, where the target is
scaled by the square of the size, since each of n fits sees n − 1 items).
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks import Figure, quick_mode
from items.audit import audit_items, read_items
from items.models import ItemFile
from items.rules import AnyItem

TARGET_S = 20.0
TARGET_N = 210


def padded_bank(n: int, seed: int = 11) -> list[AnyItem]:
    """The packaged bank cut or padded to ``n`` items with shuffled copies (seeded)."""
    items, _ = read_items()
    rng = np.random.default_rng(seed)
    out = list(items[:n])
    for k in range(n - len(out)):
        data = {"item": items[k % len(items)].model_dump()}
        data["item"]["id"] = f"{data['item']['id'][:2]}-{900 - k:03d}"
        for option in data["item"]["options"]:
            words = option["text"]["en"].split()
            chars = list(option["text"]["zh"])
            rng.shuffle(words)
            rng.shuffle(chars)
            option["text"] = {"en": " ".join(words), "zh": "".join(chars)}
        out.append(ItemFile.model_validate(data).item)
    return out


def run() -> list[Figure]:
    """Time one full audit of a bank of the planned size."""
    n = 60 if quick_mode() else TARGET_N
    items = padded_bank(n)
    started = time.perf_counter()
    audit_items(items)
    seconds = time.perf_counter() - started
    target = TARGET_S * (n / TARGET_N) ** 2
    verdict = "meets" if seconds <= target else "misses"
    return [
        {
            "name": f"audit of {n} items (3 classifiers, best and worst, en and zh)",
            "value": seconds,
            "unit": "s",
            "digits": 2,
            "note": f"{verdict} target <= {target:.3g} s",
        }
    ]
