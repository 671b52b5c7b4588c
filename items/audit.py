"""Cue audit of the item bank: can the keys be found from the option texts alone?

A test-wise candidate who never reads the scenario still sees the four options. This module
measures how far that gets them, per competency and language:

* a leave-one-item-out option-text classifier (English: lower-cased word unigrams and bigrams;
  Chinese: character bigrams within runs of CJK characters), trained on every other item of the
  bank, predicts the best and the worst option of the held-out item. Three classifiers are fitted
  and the strongest is reported, because an auditor uses their strongest tool:

  - multinomial naive Bayes with Laplace smoothing on binary features (McCallum & Nigam 1998);
  - L2-regularised logistic regression, key vs. non-key option (le Cessie & van Houwelingen 1992);
  - L2-regularised conditional logit, one choice among the four options of an item
    (McFadden 1974), which is exactly the candidate's task;

* rules of thumb a test-wise candidate applies to the options of one item
  (:mod:`items.rules_of_thumb`): the longest, second-longest, second-shortest or shortest
  option, the one most like the other three, the one repeating most of the scenario's words —
  for the best and for the least effective option. A classifier trained on words does not see
  these relations between the options of an item, so both are run;
* option-structure cues: how often the key is the one with the most clauses, the only one with
  quoted speech; key and worst-option positions; credit patterns;
* the features that point most strongly towards (and away from) the key, so writers can find cues.

Chance is 25% for every hit rate here (four options). The bank gate, in each language: the
classifier's best-option hit rate and every rule of thumb's hit rate (best and least effective
option) are at most ``GATE`` (35%). Run ``python -m items.audit [--bank DIR]``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import ValidationError
from scipy import optimize, sparse
from scipy.special import expit

from items.errors import ContentProblem
from items.loader import DEFAULT_BANK, ITEM_SUFFIXES, read_yaml, validation_problems
from items.models import COMPETENCIES, LANGUAGES, ItemFile
from items.rules import AnyItem
from items.rules_of_thumb import RULES_OF_THUMB, rule_scores
from scoring.arrays import FloatArray

GATE = 0.35
"""Highest acceptable bank-level best-option hit rate of the option-text classifier."""

CHANCE = 0.25
Target = Literal["best", "worst"]
ClassifierName = Literal["naive_bayes", "logistic", "conditional_logit"]
CLASSIFIERS: tuple[ClassifierName, ...] = ("naive_bayes", "logistic", "conditional_logit")
TARGETS: tuple[Target, ...] = ("best", "worst")

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_CLAUSE_EN = re.compile(r"[,;]|\band\b")
_CLAUSE_ZH = re.compile(r"[，；、,;]")
_QUOTE_EN = re.compile(r"[\"“”]|(?:^|\s)['‘]")
_QUOTE_ZH = re.compile(r"[“”「」『』\"]")


# --------------------------------------------------------------------------- features


def option_features(text: str, lang: str, *, bigrams: bool = True) -> frozenset[str]:
    """Binary features of one option text.

    Parameters
    ----------
    text : str
        The option text in ``lang``.
    lang : {"en", "zh"}
        English: lower-cased word unigrams (and word bigrams when ``bigrams``). Chinese: character
        bigrams inside runs of CJK characters (punctuation and Latin text break the runs).
    """
    if lang == "zh":
        grams: set[str] = set()
        for run in _CJK_RUN.findall(text):
            grams.update(run[i : i + 2] for i in range(len(run) - 1))
        return frozenset(grams)
    words = _WORD.findall(text.lower())
    features = set(words)
    if bigrams:
        features.update(f"{a} {b}" for a, b in itertools.pairwise(words))
    return frozenset(features)


def clause_count(text: str, lang: str) -> int:
    """Number of clause marks: commas, semicolons and "and" (en); ，；、 (zh)."""
    return len((_CLAUSE_ZH if lang == "zh" else _CLAUSE_EN).findall(text))


def has_quoted_speech(text: str, lang: str) -> bool:
    """Whether the option quotes what the agent would say."""
    return bool((_QUOTE_ZH if lang == "zh" else _QUOTE_EN).search(text))


@dataclass(frozen=True)
class Design:
    """The option-by-feature matrix of a set of items in one language.

    Rows are options, four per item in item order; ``vocabulary`` names the columns.
    """

    matrix: sparse.csr_matrix
    vocabulary: tuple[str, ...]
    n_items: int


def build_design(
    items: Sequence[AnyItem], lang: str, *, bigrams: bool = True, min_items: int = 2
) -> Design:
    """Binary design matrix of every option; features in fewer than ``min_items`` items dropped.

    A feature seen in one item only cannot carry information from training to a held-out item.
    """
    per_option = [
        option_features(option.text.get(lang), lang, bigrams=bigrams)
        for item in items
        for option in item.options
    ]
    item_frequency: Counter[str] = Counter()
    for index in range(len(items)):
        item_frequency.update(set().union(*per_option[4 * index : 4 * index + 4]))
    vocabulary = tuple(sorted(f for f, n in item_frequency.items() if n >= min_items))
    column = {feature: j for j, feature in enumerate(vocabulary)}
    rows: list[int] = []
    cols: list[int] = []
    for row, features in enumerate(per_option):
        for feature in features:
            j = column.get(feature)
            if j is not None:
                rows.append(row)
                cols.append(j)
    matrix = sparse.csr_matrix(
        (np.ones(len(rows)), (rows, cols)), shape=(len(per_option), len(vocabulary))
    )
    return Design(matrix=matrix, vocabulary=vocabulary, n_items=len(items))


def target_positions(items: Sequence[AnyItem], target: Target) -> NDArray[np.int64]:
    """Index (0–3) of the best or worst option of each item; -1 when the worst is not unique."""
    out = np.full(len(items), -1, dtype=np.int64)
    for i, item in enumerate(items):
        credits = [option.credit for option in item.options]
        value = max(credits) if target == "best" else min(credits)
        if credits.count(value) == 1:
            out[i] = credits.index(value)
    return out


# --------------------------------------------------------------------------- classifiers


def _labels(positions: NDArray[np.int64]) -> FloatArray:
    y = np.zeros((len(positions), 4))
    keyed = positions >= 0
    y[np.flatnonzero(keyed), positions[keyed]] = 1.0
    return y.ravel()


def naive_bayes_scores(
    X: sparse.csr_matrix, positions: NDArray[np.int64], train: NDArray[np.bool_]
) -> FloatArray:
    """Score every option by multinomial naive Bayes (Laplace smoothing) trained on ``train``.

    McCallum, A. & Nigam, K. (1998). A comparison of event models for naive Bayes text
    classification. The score is the log-likelihood ratio key vs. non-key of the option's binary
    features; features absent from the training items are ignored.
    """
    y = _labels(positions)
    row_train = np.repeat(train, 4)
    Xt = X[row_train]
    yt = y[row_train]
    key_counts = np.asarray(Xt.T @ yt).ravel()
    other_counts = np.asarray(Xt.T @ (1.0 - yt)).ravel()
    seen = (key_counts + other_counts) > 0
    vocabulary = max(int(seen.sum()), 1)
    log_key = np.log((key_counts + 1.0) / (key_counts.sum() + vocabulary))
    log_other = np.log((other_counts + 1.0) / (other_counts.sum() + vocabulary))
    weights = np.where(seen, log_key - log_other, 0.0)
    return np.asarray(X @ weights).ravel()


def _logistic_objective(
    params: FloatArray, X: sparse.csr_matrix, XT: sparse.csr_matrix, y: FloatArray, penalty: float
) -> tuple[float, FloatArray]:
    w, b = params[:-1], params[-1]
    s = X @ w + b
    loss = float(np.sum(np.logaddexp(0.0, s) - y * s) + 0.5 * penalty * w @ w)
    residual = expit(s) - y
    grad = np.empty_like(params)
    grad[:-1] = XT @ residual + penalty * w
    grad[-1] = residual.sum()
    return loss, grad


def _conditional_objective(
    w: FloatArray, X: sparse.csr_matrix, XT: sparse.csr_matrix, y: FloatArray, penalty: float
) -> tuple[float, FloatArray]:
    s = (X @ w).reshape(-1, 4)
    top = s.max(axis=1, keepdims=True)
    shifted = np.exp(s - top)
    total = shifted.sum(axis=1, keepdims=True)
    lse = top.ravel() + np.log(total.ravel())
    loss = float(-(np.sum(s.ravel() * y) - lse.sum()) + 0.5 * penalty * w @ w)
    p = (shifted / total).ravel()
    grad = XT @ (p - y) + penalty * w
    return loss, np.asarray(grad)


def _minimise(
    objective: Callable[..., tuple[float, FloatArray]],
    start: FloatArray,
    X: sparse.csr_matrix,
    y: FloatArray,
    penalty: float,
) -> FloatArray:
    result = optimize.minimize(
        objective,
        start,
        args=(X, X.T.tocsr(), y, penalty),
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": 500, "ftol": 1e-7, "gtol": 1e-4},
    )
    return np.asarray(result.x, dtype=np.float64)


WeightedClassifier = Literal["logistic", "conditional_logit"]
_OBJECTIVES: dict[WeightedClassifier, tuple[Callable[..., tuple[float, FloatArray]], int]] = {
    "logistic": (_logistic_objective, 1),
    "conditional_logit": (_conditional_objective, 0),
}
"""Objective of each weighted classifier and how many parameters follow the feature weights."""


def fit_classifier(
    classifier: WeightedClassifier,
    X: sparse.csr_matrix,
    positions: NDArray[np.int64],
    train: NDArray[np.bool_],
    penalty: float = 1.0,
    start: FloatArray | None = None,
) -> FloatArray:
    """Feature weights of an L2-regularised classifier fitted on the options of ``train`` items.

    ``logistic``: key vs. non-key logistic regression (le Cessie, S. & van Houwelingen, J. C.
    (1992). Ridge estimators in logistic regression. Applied Statistics, 41, 191–201); the
    intercept is not penalised and follows the weights. ``conditional_logit``: which of an
    item's four options is the key (McFadden, D. (1974). Conditional logit analysis of
    qualitative choice behavior. In P. Zarembka (Ed.), Frontiers in Econometrics
    (pp. 105–142)); features shared by all four options of an item cancel, as they do for a
    candidate.
    """
    objective, n_extra = _OBJECTIVES[classifier]
    row_train = np.repeat(train, 4)
    x0 = np.zeros(X.shape[1] + n_extra) if start is None else start
    return _minimise(objective, x0, X[row_train], _labels(positions)[row_train], penalty)


def _hits(scores: FloatArray, positions: NDArray[np.int64]) -> FloatArray:
    """Expected hit of picking the top-scored option, ties broken at random (1/k each)."""
    s = scores.reshape(-1, 4)
    top = np.isclose(s, s.max(axis=1, keepdims=True), rtol=0.0, atol=1e-9)
    hit = np.zeros(len(positions))
    keyed = positions >= 0
    index = np.flatnonzero(keyed)
    hit[index] = top[index, positions[keyed]] / top[index].sum(axis=1)
    hit[~keyed] = np.nan
    return hit


def loo_hits(
    design: Design,
    positions: NDArray[np.int64],
    classifier: ClassifierName,
    penalty: float = 1.0,
) -> FloatArray:
    """Leave-one-item-out hits of one classifier: for each item, train on all others.

    Returns
    -------
    ndarray
        Per item, the probability that the classifier's pick is the target option (ties split);
        NaN where the item has no unique target.
    """
    X = design.matrix
    eligible = positions >= 0
    hits = np.full(design.n_items, np.nan)
    # The full-data fit is a warm start only; weights of features that no training item has are
    # reset to zero in each fold, so nothing learnt from the held-out item survives the start.
    weighted: WeightedClassifier | None = None if classifier == "naive_bayes" else classifier
    full = None if weighted is None else fit_classifier(weighted, X, positions, eligible, penalty)
    grouping = sparse.kron(sparse.eye(design.n_items), np.ones((1, 4))).tocsr()
    presence = ((grouping @ X) > 0).astype(np.float64)
    item_frequency = np.asarray(presence[np.flatnonzero(eligible)].sum(axis=0)).ravel()
    for i in np.flatnonzero(eligible):
        train = eligible.copy()
        train[i] = False
        rows = slice(4 * i, 4 * i + 4)
        if weighted is None or full is None:
            scores = naive_bayes_scores(X, positions, train)[rows]
        else:
            start = full.copy()
            only_here = presence[i].indices[item_frequency[presence[i].indices] <= 1]
            start[only_here] = 0.0
            fitted = fit_classifier(weighted, X, positions, train, penalty, start)
            weights = fitted[: X.shape[1]]
            scores = np.asarray(X[rows] @ weights).ravel()
        hits[i] = _hits(scores, positions[i : i + 1])[0]
    return hits


# --------------------------------------------------------------------------- report


@dataclass(frozen=True)
class CueStats:
    """Cue statistics of one group of items (a competency or the bank) in one language.

    Hit rates are shares of items (ties split at random); NaN when the group has no eligible
    item. ``best_hit`` and ``worst_hit`` are the strongest classifier's; ``best_rule_hit`` and
    ``worst_rule_hit`` the strongest rule of thumb's (:mod:`items.rules_of_thumb`).
    """

    n_items: int
    best_hit_by_classifier: dict[str, float]
    worst_hit_by_classifier: dict[str, float]
    best_hit_by_rule: dict[str, float]
    worst_hit_by_rule: dict[str, float]
    key_most_clauses: float
    key_only_quote: int
    quote_items: int
    key_positions: dict[str, int]
    worst_positions: dict[str, int]
    credit_patterns: dict[str, int]

    @property
    def best_hit(self) -> float:
        return _nanmax(self.best_hit_by_classifier.values())

    @property
    def worst_hit(self) -> float:
        return _nanmax(self.worst_hit_by_classifier.values())

    @property
    def best_rule_hit(self) -> float:
        return _nanmax(self.best_hit_by_rule.values())

    @property
    def worst_rule_hit(self) -> float:
        return _nanmax(self.worst_hit_by_rule.values())

    def within(self, gate: float) -> bool:
        """Whether the classifier's best-option hit rate and every rule's hit rates are at most
        ``gate`` (NaN, no eligible item, passes)."""
        return not any(
            value > gate for value in (self.best_hit, self.best_rule_hit, self.worst_rule_hit)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_items": self.n_items,
            "best_hit": _num(self.best_hit),
            "worst_hit": _num(self.worst_hit),
            "best_hit_by_classifier": {k: _num(v) for k, v in self.best_hit_by_classifier.items()},
            "worst_hit_by_classifier": {
                k: _num(v) for k, v in self.worst_hit_by_classifier.items()
            },
            "best_hit_by_rule": {k: _num(v) for k, v in self.best_hit_by_rule.items()},
            "worst_hit_by_rule": {k: _num(v) for k, v in self.worst_hit_by_rule.items()},
            "key_most_clauses": _num(self.key_most_clauses),
            "key_only_quote": self.key_only_quote,
            "quote_items": self.quote_items,
            "key_positions": self.key_positions,
            "worst_positions": self.worst_positions,
            "credit_patterns": self.credit_patterns,
        }


@dataclass(frozen=True)
class Feature:
    """A feature of the option texts with its pull towards the key (conditional-logit weight)."""

    feature: str
    weight: float
    in_keys: int
    in_others: int


@dataclass(frozen=True)
class AuditReport:
    """Everything ``sjt bank audit`` prints.

    Attributes
    ----------
    by_competency : dict
        ``{competency: {lang: CueStats}}``.
    bank : dict
        ``{lang: CueStats}`` over all items.
    towards_key, away_from_key : dict
        ``{lang: (Feature, ...)}``: the strongest cues of a full-bank conditional logit.
    skipped : tuple of ContentProblem
        Files that could not be read as items (left out of the audit).
    """

    n_items: int
    by_competency: dict[str, dict[str, CueStats]]
    bank: dict[str, CueStats]
    towards_key: dict[str, tuple[Feature, ...]]
    away_from_key: dict[str, tuple[Feature, ...]]
    skipped: tuple[ContentProblem, ...] = ()
    gate: float = GATE
    per_item: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict, repr=False)

    @property
    def passed(self) -> bool:
        """Whether, in every language, neither the classifier nor any rule of thumb finds the
        best (or, for the rules, the least effective) option in more than ``gate`` of items."""
        return all(stats.within(self.gate) for stats in self.bank.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_items": self.n_items,
            "gate": self.gate,
            "chance": CHANCE,
            "passed": self.passed,
            "bank": {lang: stats.to_dict() for lang, stats in self.bank.items()},
            "by_competency": {
                competency: {lang: stats.to_dict() for lang, stats in by_lang.items()}
                for competency, by_lang in self.by_competency.items()
            },
            "towards_key": {
                lang: [vars(f) for f in features] for lang, features in self.towards_key.items()
            },
            "away_from_key": {
                lang: [vars(f) for f in features] for lang, features in self.away_from_key.items()
            },
            "per_item": self.per_item,
            "skipped": [str(problem) for problem in self.skipped],
        }


def _nanmax(values: Iterable[float]) -> float:
    finite = [v for v in values if not np.isnan(v)]
    return max(finite) if finite else float("nan")


def _num(value: float) -> float | None:
    return None if np.isnan(value) else round(float(value), 4)


def _mean(values: FloatArray) -> float:
    finite = values[~np.isnan(values)]
    return float(finite.mean()) if finite.size else float("nan")


def _texts(items: Sequence[AnyItem], lang: str) -> list[list[str]]:
    return [[option.text.get(lang) for option in item.options] for item in items]


def _structure(items: Sequence[AnyItem], lang: str) -> dict[str, FloatArray]:
    best = target_positions(items, "best")
    clauses = np.array([[clause_count(t, lang) for t in row] for row in _texts(items, lang)], float)
    quotes = np.array([[has_quoted_speech(t, lang) for t in row] for row in _texts(items, lang)])
    one_quote = quotes.sum(axis=1) == 1
    return {
        "key_most_clauses": _hits(clauses.ravel(), best),
        "quote_items": one_quote.astype(float),
        "key_only_quote": (one_quote & quotes[np.arange(len(items)), best]).astype(float),
    }


def rule_hits(items: Sequence[AnyItem], lang: str) -> dict[Target, dict[str, FloatArray]]:
    """Per target and rule of thumb, whether the rule's pick is the target option of each item
    (ties split; NaN where the item has no unique target)."""
    scores = {rule: rule_scores(items, lang, rule) for rule in RULES_OF_THUMB}
    return {
        target: {
            rule: _hits(values, target_positions(items, target)) for rule, values in scores.items()
        }
        for target in TARGETS
    }


def _stats(
    items: Sequence[AnyItem],
    index: NDArray[np.int64],
    hits: dict[Target, dict[str, FloatArray]],
    rules: dict[Target, dict[str, FloatArray]],
    structure: dict[str, FloatArray],
) -> CueStats:
    group = [items[i] for i in index]
    best = target_positions(group, "best")
    worst = target_positions(group, "worst")
    patterns = Counter(
        "".join(str(c) for c in sorted((o.credit for o in item.options), reverse=True))
        for item in group
    )
    return CueStats(
        n_items=len(group),
        best_hit_by_classifier={k: _mean(v[index]) for k, v in hits["best"].items()},
        worst_hit_by_classifier={k: _mean(v[index]) for k, v in hits["worst"].items()},
        best_hit_by_rule={k: _mean(v[index]) for k, v in rules["best"].items()},
        worst_hit_by_rule={k: _mean(v[index]) for k, v in rules["worst"].items()},
        key_most_clauses=_mean(structure["key_most_clauses"][index]),
        key_only_quote=int(structure["key_only_quote"][index].sum()),
        quote_items=int(structure["quote_items"][index].sum()),
        key_positions={k: int((best == j).sum()) for j, k in enumerate("ABCD")},
        worst_positions={k: int((worst == j).sum()) for j, k in enumerate("ABCD")},
        credit_patterns=dict(sorted(patterns.items(), reverse=True)),
    )


def _top_features(
    design: Design, positions: NDArray[np.int64], n: int, penalty: float
) -> tuple[tuple[Feature, ...], tuple[Feature, ...]]:
    eligible = positions >= 0
    if not design.vocabulary or not eligible.any():
        return (), ()
    w = fit_classifier("conditional_logit", design.matrix, positions, eligible, penalty)
    y = _labels(positions)
    in_keys = np.asarray(design.matrix.T @ y).ravel()
    in_others = np.asarray(design.matrix.T @ (1.0 - y)).ravel()
    order = np.argsort(w)

    def pick(indices: Iterable[int]) -> tuple[Feature, ...]:
        return tuple(
            Feature(design.vocabulary[j], round(float(w[j]), 3), int(in_keys[j]), int(in_others[j]))
            for j in indices
        )

    return pick(order[::-1][:n]), pick(order[:n])


def audit_items(
    items: Sequence[AnyItem],
    *,
    classifiers: Sequence[ClassifierName] = CLASSIFIERS,
    penalty: float = 1.0,
    top: int = 15,
    skipped: Sequence[ContentProblem] = (),
) -> AuditReport:
    """Run the whole audit on ``items`` (any competencies, at least two items).

    Parameters
    ----------
    items : sequence of items
        The bank (or a synthetic bank). Leave-one-item-out training uses all other items.
    classifiers : sequence of str
        Which option-text classifiers to run; the highest hit rate of them is reported.
    penalty : float
        L2 penalty of the logistic and conditional-logit classifiers (binary features).
    top : int
        How many cue features to list per language and direction.
    """
    if len(items) < 2:
        raise ValueError(f"the audit needs at least 2 items, got {len(items)}")
    groups: dict[str, list[int]] = defaultdict(list)
    for i, item in enumerate(items):
        groups[item.competency].append(i)
    by_competency: dict[str, dict[str, CueStats]] = {c: {} for c in COMPETENCIES if c in groups}
    bank: dict[str, CueStats] = {}
    towards: dict[str, tuple[Feature, ...]] = {}
    away: dict[str, tuple[Feature, ...]] = {}
    per_item: dict[str, dict[str, dict[str, float]]] = {item.id: {} for item in items}
    all_index = np.arange(len(items))
    for lang in LANGUAGES:
        design = build_design(items, lang)
        hits: dict[Target, dict[str, FloatArray]] = {}
        for target in TARGETS:
            positions = target_positions(items, target)
            hits[target] = {
                name: loo_hits(design, positions, name, penalty) for name in classifiers
            }
        rules = rule_hits(items, lang)
        structure = _structure(items, lang)
        bank[lang] = _stats(items, all_index, hits, rules, structure)
        for competency, index in groups.items():
            by_competency[competency][lang] = _stats(items, np.array(index), hits, rules, structure)
        towards[lang], away[lang] = _top_features(
            design, target_positions(items, "best"), top, penalty
        )
        for i, item in enumerate(items):
            per_item[item.id][lang] = {
                f"{target}_{name}": float(values[i])
                for target in TARGETS
                for name, values in hits[target].items()
                if not np.isnan(values[i])
            }
    return AuditReport(
        n_items=len(items),
        by_competency=by_competency,
        bank=bank,
        towards_key=towards,
        away_from_key=away,
        skipped=tuple(skipped),
        per_item=per_item,
    )


def read_items(bank: str | Path | None = None) -> tuple[list[AnyItem], list[ContentProblem]]:
    """Read every item file that passes the schema, even when bank-wide rules fail.

    Item writers audit a bank mid-rewrite, so files that do not parse are returned as problems
    instead of stopping the audit.
    """
    root = Path(bank) if bank is not None else DEFAULT_BANK
    if not root.is_dir():
        raise ValueError(f"{root}: is not a folder (pass --bank with the folder of item files)")
    items: list[AnyItem] = []
    problems: list[ContentProblem] = []
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in ITEM_SUFFIXES)
    for file in files:
        relative = file.relative_to(root).as_posix()
        data, file_problems = read_yaml(file, relative)
        if file_problems:
            problems += file_problems
            continue
        try:
            items.append(ItemFile.model_validate(data).item)
        except ValidationError as error:
            problems += validation_problems(error, relative)
    order = {competency: index for index, competency in enumerate(COMPETENCIES)}
    items.sort(key=lambda item: (order[item.competency], item.id))
    return items, problems


def audit_bank(bank: str | Path | None = None, **options: Any) -> AuditReport:
    """Read the bank at ``bank`` (default: the packaged bank) and audit it."""
    items, problems = read_items(bank)
    return audit_items(items, skipped=problems, **options)


# --------------------------------------------------------------------------- text output


def _pct(value: float) -> str:
    return "  –  " if np.isnan(value) else f"{value:5.0%}"


def _counts(counts: dict[str, int]) -> str:
    return " ".join(f"{k}{v}" for k, v in counts.items())


_SHORT = {"naive_bayes": "NB", "logistic": "LR", "conditional_logit": "CL"}


def found_items(report: AuditReport, lang: str, target: Target = "best") -> tuple[str, ...]:
    """Ids of the items whose target option the bank's strongest classifier picked in ``lang``."""
    stats = report.bank[lang]
    by_classifier = (
        stats.best_hit_by_classifier if target == "best" else stats.worst_hit_by_classifier
    )
    finite = {k: v for k, v in by_classifier.items() if not np.isnan(v)}
    if not finite:
        return ()
    strongest = max(finite, key=lambda k: finite[k])
    key = f"{target}_{strongest}"
    return tuple(
        item_id
        for item_id, by_lang in report.per_item.items()
        if by_lang.get(lang, {}).get(key, 0.0) >= 0.5
    )


def format_report(report: AuditReport, *, show_items: bool = False) -> str:
    """The audit as a plain-text table (what ``sjt bank audit`` prints).

    With ``show_items``, also list the items whose best and worst option the strongest
    classifier found, per language, so writers know which options to rework.
    """
    lines = [
        f"Cue audit of {report.n_items} items: could a candidate find the keys without reading "
        f"the scenario? Chance is {CHANCE:.0%}; gate: best-option hit rate <= {report.gate:.0%} "
        "in each language.",
        "best/worst = leave-one-item-out option-text classifier, strongest of "
        + ", ".join(f"{v} ({k.replace('_', ' ')})" for k, v in _SHORT.items())
        + "; rule/rule- = the strongest rule of thumb's hit rate for the best/least effective "
        "option (table below); claus = key is the most-clauses option; "
        "quote = key is the only option quoting speech (of items with one such option).",
        "",
    ]
    header = (
        f"{'group':<20}{'lang':<5}{'n':>4} {'best':>5} {'(NB/LR/CL)':<16}{'worst':>5} "
        f"{'rule':>5} {'rule-':>5} {'claus':>5} {'quote':>6}  key pos      worst pos"
    )
    lines.append(header)
    lines.append("-" * len(header))
    rows = [(c, by_lang) for c, by_lang in report.by_competency.items()]
    rows.append(("BANK", report.bank))
    for name, by_lang in rows:
        for lang, s in by_lang.items():
            detail = "/".join(
                f"{v * 100:.0f}" if not np.isnan(v) else "-"
                for v in s.best_hit_by_classifier.values()
            )
            flag = " !" if name == "BANK" and not s.within(report.gate) else ""
            lines.append(
                f"{name:<20}{lang:<5}{s.n_items:>4} {_pct(s.best_hit)} {detail:<16}"
                f"{_pct(s.worst_hit)} {_pct(s.best_rule_hit)} {_pct(s.worst_rule_hit)} "
                f"{_pct(s.key_most_clauses)} {s.key_only_quote:>2}/{s.quote_items:<3}  "
                f"{_counts(s.key_positions):<12} {_counts(s.worst_positions)}{flag}"
            )
    lines.append("")
    lines.extend(_rules_table(rows))
    lines.append("")
    lines.append("credit patterns (credits sorted high to low: items)")
    for name, by_lang in rows:
        stats = by_lang[LANGUAGES[0]]
        patterns = ", ".join(f"{k}: {v}" for k, v in stats.credit_patterns.items())
        lines.append(f"  {name:<20}{patterns}")
    for lang in report.towards_key:
        lines.append("")
        lines.append(f"strongest cues ({lang}; weight, in keys / in other options)")
        lines.append(
            "  towards the key:  "
            + "; ".join(
                f"{f.feature} {f.weight:+.2f} ({f.in_keys}/{f.in_others})"
                for f in report.towards_key[lang]
            )
        )
        lines.append(
            "  away from the key: "
            + "; ".join(
                f"{f.feature} {f.weight:+.2f} ({f.in_keys}/{f.in_others})"
                for f in report.away_from_key[lang]
            )
        )
    if show_items:
        for lang in report.bank:
            for target in TARGETS:
                found = found_items(report, lang, target)
                lines.append("")
                lines.append(f"{target} option found from the option texts ({lang}): {len(found)}")
                lines.extend("  " + " ".join(found[i : i + 12]) for i in range(0, len(found), 12))
    if report.skipped:
        lines.append("")
        lines.append(f"{len(report.skipped)} problem(s) kept files out of the audit:")
        lines.extend(f"  {problem}" for problem in report.skipped)
    lines.append("")
    verdict = "PASS" if report.passed else "FAIL"
    best = ", ".join(f"{lang} {_pct(s.best_hit).strip()}" for lang, s in report.bank.items())
    rule = ", ".join(
        f"{lang} {_pct(max(s.best_rule_hit, s.worst_rule_hit)).strip()}"
        for lang, s in report.bank.items()
    )
    lines.append(
        f"{verdict}: best-option hit rate {best}; strongest rule of thumb {rule} "
        f"(gate {report.gate:.0%})"
    )
    return "\n".join(lines)


_RULE_SHORT = {
    "longest": "long",
    "second_longest": "2long",
    "second_shortest": "2shrt",
    "shortest": "short",
    "most_like_others": "alike",
    "most_scenario_words": "scen",
}


def _rules_table(rows: Sequence[tuple[str, dict[str, CueStats]]]) -> list[str]:
    """Each rule of thumb's hit rate for the best and for the least effective option."""
    names = " ".join(f"{short:>5}" for short in _RULE_SHORT.values())
    lines = [
        "rules of thumb: how often the longest, second-longest, second-shortest, shortest "
        "option, the one most like the others, the one repeating most scenario words is it",
        f"{'group':<20}{'lang':<5}best option: {names}   least effective: {names}",
    ]
    for name, by_lang in rows:
        for lang, s in by_lang.items():
            best = " ".join(_pct(s.best_hit_by_rule[rule]) for rule in _RULE_SHORT)
            worst = " ".join(_pct(s.worst_hit_by_rule[rule]) for rule in _RULE_SHORT)
            lines.append(f"{name:<20}{lang:<5}{'':13}{best}   {'':16}{worst}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m items.audit [--bank DIR] [--json]``; 1 when the gate fails."""
    parser = argparse.ArgumentParser(prog="python -m items.audit", description=__doc__)
    parser.add_argument("--bank", type=Path, default=None, help="folder of item files")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument(
        "--items", action="store_true", help="list the items whose key the classifier found"
    )
    args = parser.parse_args(argv)
    try:
        report = audit_bank(args.bank)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(format_report(report, show_items=args.items))
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
