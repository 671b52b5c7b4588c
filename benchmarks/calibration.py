"""Calibration benchmark: MML-EM calibration and EAP scoring at scale, against Python ``mirt``.

Design
------
100,000 simulated candidates (10,000 with ``SJT_BENCH_QUICK=1``) answer 60 GPCM items with 4
categories, 12 items on each of 5 dimensions (simple structure). True slopes are U(0.7, 2.0);
each item's step thresholds are three sorted N(0, 1) draws ``b_1 ≤ b_2 ≤ b_3``; latent traits are
N(0, R) with all correlations 0.3; the seed is fixed. In our slope–intercept form the category
logits are ``a·k·θ + c_k`` with ``c_0 = 0`` and ``c_k = -a·(b_1 + … + b_k)``.

Each engine runs in a fresh worker process (``multiprocessing`` spawn) that loads the responses
from a temporary file, warms up on a small subset (imports, first-call costs) and then times
calibration and scoring separately with ``time.perf_counter``. Peak memory is the worker's peak
resident set size (numpy and native allocations alike; ``tracemalloc`` would miss the Rust
allocations of ``mirt``), read as ``VmHWM`` from ``/proc/self/status`` and reset before each
phase by writing 5 to ``/proc/self/clear_refs``, so calibration and scoring get their own peaks.
``resource.getrusage(...).ru_maxrss`` is not used where ``/proc`` works: on Linux it keeps the
high-water mark across fork and exec, so a worker would report the parent's peak (the parent
holds the simulation). Without ``/proc`` it is the fallback and the figures say so. A separate
process per engine also means a crash, an out-of-memory kill or a hang of the peer cannot take
the bench down: it is reported as one line.

Our engine: ``MMLCalibrator("gpcm", standard_errors="none")`` with its defaults (61 equally
spaced nodes on [-6, 6], tol 1e-4, SQUAREM, weak default priors, each E-step split over the
usable cores in blocks of patterns, one BLAS thread per block), then ``score_eap`` (61 nodes)
of everyone: the figures compared with ``mirt``, which also runs without standard errors. A
second worker calibrates with item-parameter standard errors from the observed information
(``standard_errors="louis"``, the default): the headline figure, with a target of 10 s for
calibration with SEs. A third repeats that with another process spinning on one core for the
whole run, the situation of a shared machine. Further runs repeat it with one E-step thread
(the figure of one core) and with the process's default BLAS threads instead of E-step
threads, with and without the busy core: the evidence for the default.

The command line is timed as a user meets it: ``sjt calibrate DATA.csv --item-map MAP.csv``
(reading 100,000 × 60 cells, EM, SEs, norms by EAP, writing the model file) and ``sjt score``
(reading, EAP, writing 100,000 score rows), each as a fresh process (target: 3 s for
``sjt score``). Every timing comes with the CPU time (user + system) of the process, which
load from other processes disturbs less than the wall time.

Peer: ``mirt.fit_mirt(model="GPCM", n_quadpts=61, compute_standard_errors=False)`` (its defaults
otherwise: EM, tol 1e-4, no acceleration, Gauss–Hermite nodes), one unidimensional fit per
dimension, then ``mirt.fscores(method="EAP", n_quadpts=61)`` per dimension. With the latent
variances fixed to 1 and items loading on one dimension each, the marginal likelihood factorises
over dimensions, so per-dimension fits estimate exactly the model our engine fits (our engine does
the same internally); ``mirt``'s multidimensional route would integrate over a full 61^5
tensor-product grid (8.4e8 nodes), which is infeasible. Parameter conversion: ``mirt``'s GPCM has
adjacent-category log odds ``a(θ - step_v)``, so the log odds of category k against 0 are
``a·k·θ - a·Σ_{v≤k} step_v``: the slope is ours unchanged and ``c_k = -a·cumsum(steps)_k``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from benchmarks import Figure, quick_mode
from scoring import (
    ItemParameters,
    ItemSpec,
    MMLCalibrator,
    ModelParameters,
    ResponseMatrix,
    score_eap,
    simulate_responses,
    simulate_theta,
)

FloatArray = NDArray[np.float64]

N_CANDIDATES = 100_000
N_CANDIDATES_QUICK = 10_000
N_DIMENSIONS = 5
ITEMS_PER_DIMENSION = 12
N_CATEGORIES = 4
N_QUAD = 61
CORRELATION = 0.3
SEED = 20_251_123
SLOPE_RANGE = (0.7, 2.0)
WARMUP_ROWS = 500
PEER_TIMEOUT_ENV = "SJT_BENCH_PEER_TIMEOUT"
PEER_TIMEOUT_DEFAULT = 600.0
"""Seconds the ``mirt`` worker may take before it is stopped and reported as timed out."""
OUR_TIMEOUT = 1800.0
SE_TARGET_S = 10.0
"""Target for calibration with standard errors of the full design (issue 13)."""
SCORE_TARGET_S = 3.0
"""Target for ``sjt score`` of the full design as a process."""

DIMENSIONS = tuple(f"dim{d + 1}" for d in range(N_DIMENSIONS))
SPECS = tuple(
    ItemSpec(
        f"{DIMENSIONS[j // ITEMS_PER_DIMENSION]}_item{j % ITEMS_PER_DIMENSION + 1:02d}",
        DIMENSIONS[j // ITEMS_PER_DIMENSION],
        tuple(range(N_CATEGORIES)),
        tuple(float(k) for k in range(N_CATEGORIES)),
    )
    for j in range(N_DIMENSIONS * ITEMS_PER_DIMENSION)
)


# ----------------------------------------------------------------------------- simulation
def true_parameters(rng: np.random.Generator) -> tuple[FloatArray, FloatArray]:
    """True slopes (J,) and intercepts ``c_1..c_{K-1}`` (J, K-1) in our parameterisation."""
    n_items = len(SPECS)
    slopes = rng.uniform(*SLOPE_RANGE, size=n_items)
    steps = np.sort(rng.standard_normal((n_items, N_CATEGORIES - 1)), axis=1)
    intercepts = -slopes[:, None] * np.cumsum(steps, axis=1)
    return slopes, intercepts


def as_model(slopes: FloatArray, intercepts: FloatArray) -> ModelParameters:
    """Our GPCM model object with parameters ``(a, c_1, …, c_{K-1})`` per item."""
    items = tuple(
        ItemParameters(spec, (float(a), *(float(c) for c in cs)))
        for spec, a, cs in zip(SPECS, slopes, intercepts, strict=True)
    )
    return ModelParameters("gpcm", DIMENSIONS, items)


def simulate(n_candidates: int) -> tuple[FloatArray, FloatArray, FloatArray, ResponseMatrix]:
    """True slopes, intercepts, latent traits (N, D) and the simulated responses."""
    rng = np.random.default_rng(SEED)
    slopes, intercepts = true_parameters(rng)
    theta = simulate_theta(n_candidates, N_DIMENSIONS, rng, correlation=CORRELATION)
    data = simulate_responses(as_model(slopes, intercepts), theta, rng)
    return slopes, intercepts, theta, data


# -------------------------------------------------------------------------------- workers
class MemoryProbe:
    """Resident-set readings of this process in MiB, with a resettable peak."""

    def __init__(self) -> None:
        self.method = "VmHWM, reset per phase" if self.reset() else "ru_maxrss, process peak"

    @staticmethod
    def _status(field: str) -> float | None:
        try:
            for line in Path("/proc/self/status").read_text().splitlines():
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024  # kB
        except (OSError, ValueError, IndexError):
            return None
        return None

    def reset(self) -> bool:
        """Reset the peak to the current resident size; False where Linux ``/proc`` is missing."""
        try:
            Path("/proc/self/clear_refs").write_text("5")
        except OSError:
            return False
        return self._status("VmHWM") is not None

    def current(self) -> float:
        """Current resident set size (the peak where ``/proc`` is missing)."""
        value = self._status("VmRSS")
        return self.peak() if value is None else value

    def peak(self) -> float:
        """Peak resident set size since the last ``reset`` (or process start)."""
        value = self._status("VmHWM")
        if value is None:  # ru_maxrss is KiB on Linux
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return value


def _load(path: str) -> NDArray[np.int64]:
    return np.load(path).astype(np.int64)


def _ours(
    path: str,
    standard_errors: str = "none",
    blas_threads: int | None = 1,
    workers: int | None = None,
) -> dict[str, Any]:
    """Time our calibration and EAP scoring on the responses stored at ``path``."""
    data = ResponseMatrix(_load(path), SPECS, DIMENSIONS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the 2-iteration warm-up does not converge
        warm = data.subset(np.arange(WARMUP_ROWS))
        warm_fit = MMLCalibrator("gpcm", standard_errors="louis", max_iter=2).fit(warm)
        score_eap(warm_fit.parameters, warm)
    memory = MemoryProbe()
    baseline = memory.current()
    start = time.perf_counter()
    cpu = time.process_time()
    calibrator = MMLCalibrator(
        "gpcm",
        standard_errors=standard_errors,  # type: ignore[arg-type]
        blas_threads=blas_threads,
        workers=workers,
    )
    result = calibrator.fit(data)
    calibration_s = time.perf_counter() - start
    calibration_cpu_s = time.process_time() - cpu
    peak_calibration = memory.peak()
    memory.reset()
    start = time.perf_counter()
    estimate = score_eap(result.parameters, data)
    scoring_s = time.perf_counter() - start
    params = np.array([item.params for item in result.parameters.items])
    se = np.array(
        [item.se or [np.nan] * params.shape[1] for item in result.parameters], dtype=float
    )
    return {
        "calibration_s": calibration_s,
        "calibration_cpu_s": calibration_cpu_s,
        "scoring_s": scoring_s,
        "slopes": params[:, 0],
        "intercepts": params[:, 1:],
        "slope_se": se[:, 0],
        "intercept_se": se[:, 1:],
        "theta": estimate.theta,
        "iterations": result.n_iter,
        "converged": result.converged,
        "baseline_mib": baseline,
        "peak_calibration_mib": peak_calibration,
        "peak_scoring_mib": memory.peak(),
        "memory_method": memory.method,
    }


def _ours_se(path: str) -> dict[str, Any]:
    """``_ours`` with item-parameter standard errors (Louis' identity)."""
    return _ours(path, standard_errors="louis")


def _ours_se_one_thread(path: str) -> dict[str, Any]:
    """``_ours_se`` with the E-step on one thread (one core's figure)."""
    return _ours(path, standard_errors="louis", workers=1)


def _ours_se_all_threads(path: str) -> dict[str, Any]:
    """``_ours_se`` with the process's default BLAS threads instead of one."""
    return _ours(path, standard_errors="louis", blas_threads=None)


def _mirt(path: str) -> dict[str, Any]:
    """Time ``mirt`` GPCM calibration and EAP scoring, one fit per dimension."""
    import mirt
    from mirt.backends.rust._helpers import RUST_AVAILABLE

    responses = _load(path)
    blocks = [
        np.ascontiguousarray(responses[:, d * ITEMS_PER_DIMENSION : (d + 1) * ITEMS_PER_DIMENSION])
        for d in range(N_DIMENSIONS)
    ]
    del responses
    options: dict[str, Any] = {
        "model": "GPCM",
        "n_categories": N_CATEGORIES,
        "n_quadpts": N_QUAD,
        "compute_standard_errors": False,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warm = mirt.fit_mirt(blocks[0][:WARMUP_ROWS], max_iter=2, **options)
        mirt.fscores(warm, blocks[0][:WARMUP_ROWS], method="EAP", n_quadpts=N_QUAD)
    memory = MemoryProbe()
    baseline = memory.current()
    fits = []
    iterations = 0
    converged = True
    start = time.perf_counter()
    for block in blocks:
        fit = mirt.fit_mirt(block, **options)
        fits.append(fit)
        iterations += int(fit.n_iterations)
        converged &= bool(fit.converged)
    calibration_s = time.perf_counter() - start
    peak_calibration = memory.peak()
    memory.reset()
    start = time.perf_counter()
    thetas = [
        np.asarray(mirt.fscores(fit, block, method="EAP", n_quadpts=N_QUAD).theta).reshape(-1)
        for fit, block in zip(fits, blocks, strict=True)
    ]
    scoring_s = time.perf_counter() - start
    # mirt GPCM: log odds of category k vs 0 = a·k·θ - a·Σ_{v≤k} step_v (see module docstring).
    slopes = np.concatenate([np.asarray(f.model.parameters["discrimination"]) for f in fits])
    steps = np.concatenate([np.asarray(f.model.parameters["steps"]) for f in fits])
    intercepts = -slopes[:, None] * np.cumsum(steps[:, : N_CATEGORIES - 1], axis=1)
    return {
        "calibration_s": calibration_s,
        "scoring_s": scoring_s,
        "slopes": slopes,
        "intercepts": intercepts,
        "theta": np.column_stack(thetas),
        "iterations": iterations,
        "converged": converged,
        "baseline_mib": baseline,
        "peak_calibration_mib": peak_calibration,
        "peak_scoring_mib": memory.peak(),
        "memory_method": memory.method,
        "version": mirt.__version__,
        "backend": "Rust" if RUST_AVAILABLE else "NumPy",
    }


WORKERS = {
    "ours": _ours,
    "ours_se": _ours_se,
    "ours_se_one_thread": _ours_se_one_thread,
    "ours_se_all_threads": _ours_se_all_threads,
    "mirt": _mirt,
}


def _worker_main(conn: Connection, engine: str, path: str) -> None:
    """Worker-process entry: run ``engine`` and send ``("ok", result)`` or ``("error", text)``."""
    try:
        conn.send(("ok", WORKERS[engine](path)))
    except BaseException as error:
        conn.send(("error", f"{type(error).__name__}: {error}\n{traceback.format_exc()}"))
    finally:
        conn.close()


def run_isolated(
    engine: str, path: str, timeout: float, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run one engine in a fresh spawned process; raise ``RuntimeError`` on any failure.

    ``env`` adds environment variables for the worker only (read when it imports numpy).
    """
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_worker_main, args=(sender, engine, path), daemon=True)
    saved = {name: os.environ.get(name) for name in env or {}}
    os.environ.update(env or {})
    try:
        process.start()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    sender.close()
    try:
        if not receiver.poll(timeout):
            process.terminate()
            raise RuntimeError(f"timed out after {timeout:.0f} s (worker stopped)")
        try:
            status, payload = receiver.recv()
        except EOFError:
            process.join(10)
            raise RuntimeError(
                f"worker died without a result (exit code {process.exitcode}; "
                "a negative code is the signal, e.g. -9 for the out-of-memory killer)"
            ) from None
    finally:
        receiver.close()
        process.join(30)
        if process.is_alive():
            process.terminate()
            process.join(10)
    if status != "ok":
        raise RuntimeError(str(payload))
    return dict(payload)


# ---------------------------------------------------------------- load and the command line
def _spin() -> None:  # pragma: no cover - runs in a child process until terminated
    while True:
        pass


@contextlib.contextmanager
def busy_core() -> Iterator[None]:
    """Keep one core busy with a spinning process for the duration of the block."""
    context = multiprocessing.get_context("spawn")
    spinner = context.Process(target=_spin, daemon=True)
    spinner.start()
    try:
        yield
    finally:
        spinner.terminate()
        spinner.join(10)


def _timed_process(arguments: list[str]) -> tuple[float, float]:
    """Run ``python -m cli.main ARGUMENTS``; wall and CPU (user + system) seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", *arguments],
        capture_output=True,
        text=True,
        timeout=OUR_TIMEOUT,
        check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"sjt {arguments[0]} failed: {done.stderr.strip()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def command_line_figures(folder: Path, n_candidates: int) -> list[Figure]:
    """``sjt calibrate`` and ``sjt score`` of the design's CSV, each as a fresh process."""
    from assessment.psychometrics.data_files import write_response_csv

    _, _, _, data = simulate(n_candidates)
    csv_path, map_path = folder / "data.csv", folder / "map.csv"
    model_path, scores_path = folder / "model.json", folder / "scores.csv"
    write_response_csv(csv_path, [f"c{n:06d}" for n in range(n_candidates)], data)
    map_path.write_text(
        "item_id,dimension,categories\n"
        + "".join(f"{s.item_id},{s.dimension},{N_CATEGORIES}\n" for s in SPECS),
        encoding="utf-8",
    )
    del data
    calibrate = ["calibrate", str(csv_path), "--model", "gpcm", "--item-map", str(map_path)]
    calibrate_s, calibrate_cpu = _timed_process([*calibrate, "--out", str(model_path), "--quiet"])
    score = ["score", str(csv_path), "--model", str(model_path), "--out", str(scores_path)]
    score_s, score_cpu = _timed_process(score)
    size = f"{n_candidates:,} × {len(SPECS)}"
    return [
        {
            "name": "sjt calibrate process (with SEs)",
            "value": calibrate_s,
            "unit": "s",
            "note": f"CPU {calibrate_cpu:.1f} s; CSV {size} → model file with norms",
        },
        {
            "name": "sjt score process",
            "value": score_s,
            "unit": "s",
            "note": f"CPU {score_cpu:.1f} s"
            + _target(score_s, SCORE_TARGET_S, n_candidates == N_CANDIDATES),
        },
        {
            "name": "sjt calibrate + sjt score processes",
            "value": calibrate_s + score_s,
            "unit": "s",
            "note": f"CPU {calibrate_cpu + score_cpu:.1f} s",
        },
    ]


# ------------------------------------------------------------------------------- figures
def _target(seconds: float, target: float, applies: bool) -> str:
    """Note on a target that holds for the full design only."""
    if not applies:
        return ""
    return f"; target {target:g} s " + ("met" if seconds <= target else "NOT met")


def _se_figures(
    label: str,
    result: dict[str, Any],
    slopes: FloatArray,
    intercepts: FloatArray | None = None,
    brief: bool = False,
) -> list[Figure]:
    """Calibration with standard errors: time against the target, and SE honesty."""
    seconds = result["calibration_s"]
    figures: list[Figure] = [
        {
            "name": f"{label} calibration + SEs time",
            "value": seconds,
            "unit": "s",
            "note": f"CPU {result['calibration_cpu_s']:.1f} s"
            + _target(seconds, SE_TARGET_S, not quick_mode()),
        },
        {
            "name": f"{label} calibration + SEs + EAP scoring",
            "value": seconds + result["scoring_s"],
            "unit": "s",
        },
    ]
    if not brief:
        figures.append(_honesty(label, "slope", result["slopes"], slopes, result["slope_se"]))
    if not brief and intercepts is not None:
        figures.append(
            _honesty(label, "intercept", result["intercepts"], intercepts, result["intercept_se"])
        )
    return figures


def _honesty(
    label: str, what: str, estimate: FloatArray, truth: FloatArray, se: FloatArray
) -> Figure:
    """SD of (estimate − truth) / SE over the parameters: ≈ 1 when the SEs are honest, within
    about ±1/√(2n) by chance alone."""
    z = np.ravel((np.asarray(estimate) - truth) / se)
    return {
        "name": f"{label} SD of ({what} − truth) / SE",
        "value": float(np.std(z)),
        "digits": 3,
        "note": f"≈ 1 when the SEs are honest ({z.size} {what}s: "
        f"±{1 / np.sqrt(2 * z.size):.2f} by chance alone)",
    }


def _rmse(estimate: FloatArray, truth: FloatArray) -> float:
    return float(np.sqrt(np.mean((np.asarray(estimate) - truth) ** 2)))


def _correlations(theta: FloatArray, truth: FloatArray) -> list[float]:
    return [float(np.corrcoef(theta[:, d], truth[:, d])[0, 1]) for d in range(truth.shape[1])]


def _engine_figures(
    label: str,
    result: dict[str, Any],
    slopes: FloatArray,
    intercepts: FloatArray,
    theta: FloatArray,
    per_dimension: bool,
) -> list[Figure]:
    """Times, accuracy and memory of one engine's run."""
    total = result["calibration_s"] + result["scoring_s"]
    correlations = _correlations(result["theta"], theta)
    figures: list[Figure] = [
        {"name": f"{label} calibration time", "value": result["calibration_s"], "unit": "s"},
        {"name": f"{label} EAP scoring time", "value": result["scoring_s"], "unit": "s"},
        {"name": f"{label} calibration + scoring", "value": total, "unit": "s"},
        {
            "name": f"{label} EM iterations (sum over dims)",
            "value": float(result["iterations"]),
            "digits": 0,
            "note": "converged" if result["converged"] else "NOT converged",
        },
        {
            "name": f"{label} slope RMSE",
            "value": _rmse(result["slopes"], slopes),
            "digits": 4,
        },
        {
            "name": f"{label} intercept RMSE",
            "value": _rmse(result["intercepts"], intercepts),
            "digits": 4,
            "note": "c_k = -a·Σ b_v, k = 1..3",
        },
    ]
    if per_dimension:
        figures += [
            {"name": f"{label} corr(EAP, θ) {DIMENSIONS[d]}", "value": r, "digits": 4}
            for d, r in enumerate(correlations)
        ]
    else:
        figures.append(
            {
                "name": f"{label} corr(EAP, θ) mean over dims",
                "value": float(np.mean(correlations)),
                "digits": 4,
                "note": "range " + f"{min(correlations):.4f}–{max(correlations):.4f}",
            }
        )
    figures += [
        {
            "name": f"{label} peak RSS during calibration",
            "value": result["peak_calibration_mib"],
            "unit": "MiB",
            "digits": 1,
            "note": f"worker process; {result['memory_method']}",
        },
        {
            "name": f"{label} peak RSS during scoring",
            "value": result["peak_scoring_mib"],
            "unit": "MiB",
            "digits": 1,
        },
        {
            "name": f"{label} peak RSS rise over baseline",
            "value": max(result["peak_calibration_mib"], result["peak_scoring_mib"])
            - result["baseline_mib"],
            "unit": "MiB",
            "digits": 1,
            "note": f"baseline {result['baseline_mib']:.0f} MiB (imports, data, warm-up)",
        },
    ]
    return figures


def run() -> list[Figure]:
    """Simulate, run both engines in worker processes, and return the figures."""
    n_candidates = N_CANDIDATES_QUICK if quick_mode() else N_CANDIDATES
    slopes, intercepts, theta, data = simulate(n_candidates)
    figures: list[Figure] = [
        {
            "name": "design",
            "value": None,
            "note": f"{n_candidates:,} candidates × {len(SPECS)} items "
            f"({N_DIMENSIONS} dims × {ITEMS_PER_DIMENSION}), GPCM K={N_CATEGORIES}, "
            f"a~U{SLOPE_RANGE}, b sorted N(0,1), r={CORRELATION}, seed {SEED}, {N_QUAD} nodes",
        }
    ]
    with tempfile.TemporaryDirectory(prefix="sjt-bench-") as tmp:
        path = str(Path(tmp) / "responses.npy")
        np.save(path, data.responses.astype(np.int8))
        del data
        ours = run_isolated("ours", path, OUR_TIMEOUT)
        figures += _engine_figures("ours", ours, slopes, intercepts, theta, per_dimension=True)
        with_se = run_isolated("ours_se", path, OUR_TIMEOUT)
        figures += _se_figures("ours", with_se, slopes, intercepts)
        with busy_core():
            busy = run_isolated("ours_se", path, OUR_TIMEOUT)
        figures += _se_figures("ours, one core busy", busy, slopes, brief=True)
        single = run_isolated("ours_se_one_thread", path, OUR_TIMEOUT)
        figures += _se_figures("ours, one E-step thread", single, slopes, brief=True)
        threads = run_isolated("ours_se_all_threads", path, OUR_TIMEOUT)
        figures += _se_figures(f"ours, {os.cpu_count()} BLAS threads", threads, slopes, brief=True)
        with busy_core():
            threads_busy = run_isolated("ours_se_all_threads", path, OUR_TIMEOUT)
        figures += _se_figures(
            f"ours, {os.cpu_count()} BLAS threads, one core busy", threads_busy, slopes, brief=True
        )
        figures += command_line_figures(Path(tmp), n_candidates)
        if importlib.util.find_spec("mirt") is None:
            reason = "is not installed (pip install -e '.[bench]')"
            figures.append({"name": "mirt", "value": None, "note": f"NOT RUN — mirt {reason}"})
            return figures
        timeout = float(os.environ.get(PEER_TIMEOUT_ENV, PEER_TIMEOUT_DEFAULT))
        try:
            peer = run_isolated("mirt", path, timeout)
        except RuntimeError as error:
            reason = str(error).strip().splitlines()[0]
            figures.append({"name": "mirt", "value": None, "note": f"NOT RUN — mirt {reason}"})
            return figures
    figures.append(
        {
            "name": "peer",
            "value": None,
            "note": f"mirt {peer['version']} ({peer['backend']} backend), "
            "one GPCM fit per dimension",
        }
    )
    figures += _engine_figures("mirt", peer, slopes, intercepts, theta, per_dimension=False)
    figures += [
        {
            "name": "mean |EAP ours − EAP mirt|",
            "value": float(np.mean(np.abs(ours["theta"] - peer["theta"]))),
            "digits": 4,
        },
        {
            "name": "ratio mirt/ours calibration time",
            "value": peer["calibration_s"] / ours["calibration_s"],
            "unit": "×",
            "digits": 2,
        },
        {
            "name": "ratio mirt/ours scoring time",
            "value": peer["scoring_s"] / ours["scoring_s"],
            "unit": "×",
            "digits": 2,
        },
        {
            "name": "ratio mirt/ours total time",
            "value": (peer["calibration_s"] + peer["scoring_s"])
            / (ours["calibration_s"] + ours["scoring_s"]),
            "unit": "×",
            "digits": 2,
        },
    ]
    return figures
