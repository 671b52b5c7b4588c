"""Report benchmark: time and size of candidate profile PDFs in English and Chinese.

Design
------
Profiles are built with ``build_profile`` from seeded draws: thetas N(0, 1), SEs U(0.25, 0.55)
and norm tables from 2,000 simulated estimates per competency, so bands, narratives and interview
questions vary between profiles as they do for real candidates; every fourth profile carries a
data-quality flag. Names mix Latin and CJK letters. Each language is warmed up on five renders
(font loading, style and wording caches), then:

- *time per profile* is the median of 50 single renders of ``render_profile_pdf``
  (``time.perf_counter``), each of a different profile;
- *time for 500 profiles* renders 500 profiles back to back (a batch export; 100 with
  ``SJT_BENCH_QUICK=1``, and the target is scaled accordingly);
- *max PDF size* is the largest PDF of the timed renders.

A last figure times the whole download path on a seeded SQLite store: ``render_candidate_pdf``
(store read of candidate, session, current scores and model version, then the render).
"""

from __future__ import annotations

import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from assessment.demo import seed_demo
from assessment.persistence.store import Store
from assessment.recruiting.overview import candidate_overview
from benchmarks import Figure, quick_mode
from items import COMPETENCIES, load_bank
from reports.assemble import render_candidate_pdf
from reports.profile import QUALITY_FLAGS, CandidateProfile, build_profile
from reports.render import render_profile_pdf
from scoring.norms import NormTable

TARGET_MS = 50.0
TARGET_BATCH_S = 25.0
TARGET_BATCH_N = 500
TARGET_KB = 200.0
N_WARMUP = 5
N_SINGLE = 50
NAMES = ("Mei-Ling Chen", "陈美玲", "Zoë Okafor-Lindqvist", "王小明", "Sam O'Brien")


def make_profiles(n: int, lang: str, rng: np.random.Generator) -> list[CandidateProfile]:
    """``n`` varied profiles in ``lang`` from seeded draws."""
    norms = {
        c: NormTable.from_estimates(rng.normal(0.0, 1.0, 2000), "benchmark norm group")
        for c in COMPETENCIES
    }
    reliability = dict.fromkeys(COMPETENCIES, 0.8)
    profiles = []
    for k in range(n):
        theta = rng.normal(0.0, 1.0, len(COMPETENCIES))
        se = rng.uniform(0.25, 0.55, len(COMPETENCIES))
        profiles.append(
            build_profile(
                candidate_name=NAMES[k % len(NAMES)],
                candidate_id=f"CBENCH{k:05d}",
                position="Customer-service agent, online chat",
                test_date=dt.date(2026, 11, 23),
                language=lang,  # type: ignore[arg-type]
                form="adaptive",
                n_items=int(rng.integers(20, 46)),
                model_version="bench-1",
                theta=dict(zip(COMPETENCIES, theta.tolist(), strict=True)),
                se=dict(zip(COMPETENCIES, se.tolist(), strict=True)),
                norms=norms,
                reliability=reliability,
                flags=[QUALITY_FLAGS[k // 4 % len(QUALITY_FLAGS)]] if k % 4 == 0 else [],
            )
        )
    return profiles


def _language_figures(lang: str, n_batch: int) -> list[Figure]:
    rng = np.random.default_rng(20261123)
    warmup = make_profiles(N_WARMUP, lang, rng)
    single = make_profiles(N_SINGLE, lang, rng)
    batch = make_profiles(n_batch, lang, rng)
    for profile in warmup:
        render_profile_pdf(profile)
    times = []
    sizes = []
    for profile in single:
        started = time.perf_counter()
        pdf = render_profile_pdf(profile)
        times.append(time.perf_counter() - started)
        sizes.append(len(pdf))
    started = time.perf_counter()
    for profile in batch:
        sizes.append(len(render_profile_pdf(profile)))
    batch_s = time.perf_counter() - started
    median_ms = statistics.median(times) * 1000.0
    target_batch = TARGET_BATCH_S * n_batch / TARGET_BATCH_N
    max_kb = max(sizes) / 1024.0
    return [
        {"name": f"{lang}: time per profile (median of {N_SINGLE})", "value": median_ms,
         "unit": "ms", "digits": 1, "note": _verdict(median_ms, TARGET_MS, "ms")},
        {"name": f"{lang}: time for {n_batch} profiles", "value": batch_s, "unit": "s",
         "digits": 2, "note": _verdict(batch_s, target_batch, "s")},
        {"name": f"{lang}: max PDF size", "value": max_kb, "unit": "KB", "digits": 1,
         "note": _verdict(max_kb, TARGET_KB, "KB")},
    ]  # fmt: skip


def _verdict(value: float, target: float, unit: str) -> str:
    return f"{'meets' if value <= target else 'misses'} target <= {target:g} {unit}"


def _store_figure() -> Figure:
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(f"sqlite:///{Path(folder) / 'reports.db'}")
        try:
            seed_demo(store, load_bank(), 12, seed=5)
            ids = [row.candidate_id for row in candidate_overview(store, status="completed")]
            render_candidate_pdf(store, ids[0])  # warm-up (model version JSON cache)
            times = []
            for candidate_id in ids * max(1, 20 // len(ids)):
                started = time.perf_counter()
                render_candidate_pdf(store, candidate_id)
                times.append(time.perf_counter() - started)
        finally:
            store.engine.dispose()
    median_ms = statistics.median(times) * 1000.0
    return {
        "name": f"sqlite: store read + render (median of {len(times)})",
        "value": median_ms,
        "unit": "ms",
        "digits": 1,
        "note": "what a profile download costs the server",
    }


def run() -> list[Figure]:
    """Time profile renders in English and Chinese, and one download from a SQLite store."""
    n_batch = 100 if quick_mode() else TARGET_BATCH_N
    figures: list[Figure] = []
    for lang in ("en", "zh"):
        figures += _language_figures(lang, n_batch)
    figures.append(_store_figure())
    return figures
