"""SME keying workflow: rating form, rating import with located errors, consensus and agreement.

A panel of subject matter experts rates every option of every item on a 1–7 effectiveness
scale (1 = very ineffective, 7 = very effective). From their ratings this module computes, per
option, the mean, SD, n and 95% interval, and per item the agreement of the raters (ICC(2,k) over
options × raters, Shrout & Fleiss 1979; mean r_wg against the uniform null of a 7-point scale,
James, Demaree & Wolf 1984). It flags items whose key is not clearly ahead of the next option or
whose raters disagree, and proposes consensus credits 0–3 that keep the option order of the
panel's means (``consensus_credits``). Writing them into item files is ``items.sme_apply``.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from items.formats import item_format
from items.models import OPTION_IDS
from items.rules import AnyItem
from scoring.agreement import TargetSummary, icc2k, rwg, summarise

SCALE_MIN, SCALE_MAX = 1, 7
"""The effectiveness rating scale of the form."""

TEMPLATE_COLUMNS: tuple[str, ...] = (
    "rater_id",
    "item_id",
    "option_id",
    "competency",
    "scenario_en",
    "scenario_zh",
    "option_en",
    "option_zh",
    "rating",
)
REQUIRED_COLUMNS: tuple[str, ...] = ("rater_id", "item_id", "option_id", "rating")
MAX_LISTED_PROBLEMS = 20


@dataclass(frozen=True)
class Thresholds:
    """When an item is flagged: the key's lead over the next option and rater agreement."""

    min_lead: float = 0.5
    min_icc2k: float = 0.70
    min_rwg: float = 0.70


# --------------------------------------------------------------------------- the form


def rater_ids(count: int) -> tuple[str, ...]:
    """Rater ids of a blank form: R01, R02, …"""
    if count < 1:
        raise ValueError(f"--raters must be at least 1, got {count}")
    width = max(2, len(str(count)))
    return tuple(f"R{index:0{width}d}" for index in range(1, count + 1))


def template_rows(items: Iterable[AnyItem], raters: int) -> list[dict[str, str]]:
    """One row per rater × item × option with both languages' texts and an empty rating."""
    return [
        {
            "rater_id": rater,
            "item_id": item.id,
            "option_id": option.id,
            "competency": item.competency,
            "scenario_en": item.scenario.en,
            "scenario_zh": item.scenario.zh,
            "option_en": option.text.en,
            "option_zh": option.text.zh,
            "rating": "",
        }
        for rater in rater_ids(raters)
        for item in items
        for option in item.options
    ]


def write_template(items: Iterable[AnyItem], path: Path, raters: int) -> int:
    """Write the rating form (UTF-8 with BOM, so spreadsheets show the Chinese); returns rows."""
    rows = template_rows(items, raters)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=TEMPLATE_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


# --------------------------------------------------------------------------- reading ratings


@dataclass(frozen=True, order=True)
class RatingProblem:
    """One problem of a rating file: the row (1 = header) and column where it is."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row else "file"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


class RatingsFileError(ValueError):
    """A rating file with problems; the message is one paragraph listing them."""

    def __init__(self, file: Path | str, problems: Sequence[RatingProblem]) -> None:
        self.file = str(file)
        self.problems = tuple(sorted(problems))
        listed = "; ".join(str(problem) for problem in self.problems[:MAX_LISTED_PROBLEMS])
        more = len(self.problems) - MAX_LISTED_PROBLEMS
        if more > 0:
            listed += f"; and {more} more"
        count = len(self.problems)
        super().__init__(
            f"{self.file}: {count} problem{'s' if count != 1 else ''} in the rating file: "
            f"{listed}. Ratings are whole numbers {SCALE_MIN}–{SCALE_MAX}; a rater leaves all "
            "four options of an item empty or rates all four. Fix the rows named (rows count "
            "from the header, row 1) and import again."
        )


@dataclass(frozen=True)
class Ratings:
    """Complete ratings of a panel: ``by_item[item_id][rater_id][option_id] = rating``."""

    by_item: Mapping[str, Mapping[str, Mapping[str, int]]]
    raters: tuple[str, ...]

    def matrix(self, item: AnyItem) -> tuple[tuple[str, ...], np.ndarray]:
        """Raters of ``item`` and its options × raters matrix (rows in option order A–D)."""
        by_rater = self.by_item.get(item.id, {})
        raters = tuple(sorted(by_rater))
        values = np.array(
            [[by_rater[rater][option.id] for rater in raters] for option in item.options],
            dtype=np.float64,
        ).reshape(len(item.options), len(raters))
        return raters, values


def _parse_rating(text: str) -> tuple[int | None, str | None]:
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return None, f"{text!r} is not a number; enter a whole number {SCALE_MIN}–{SCALE_MAX}"
    if not math.isfinite(value) or value != int(value):
        return None, f"{text!r} is not a whole number {SCALE_MIN}–{SCALE_MAX}"
    if not SCALE_MIN <= value <= SCALE_MAX:
        return None, f"{text} is outside the scale {SCALE_MIN}–{SCALE_MAX}"
    return int(value), None


def _read_rows(path: Path) -> tuple[list[list[str]], list[RatingProblem]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        message = "is not valid UTF-8; save the file as CSV UTF-8"
        return [], [RatingProblem(line, "", message)]
    rows = list(csv.reader(text.splitlines()))
    if not rows or not any(cell.strip() for cell in rows[0]):
        return [], [RatingProblem(1, "", "the file is empty; it needs a header row")]
    return rows, []


def read_ratings(path: Path, items: Sequence[AnyItem]) -> Ratings:
    """Read a completed rating form and check every row against the bank.

    Raises
    ------
    RatingsFileError
        Listing every problem with its row and column: missing header or columns, unknown item
        or option, empty rater, non-numeric or out-of-range rating, duplicate
        rater × item × option, a rater who rated only some options of an item.
    """
    rows, problems = _read_rows(path)
    if problems:
        raise RatingsFileError(path, problems)
    header = [cell.strip().lower() for cell in rows[0]]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        found = ", ".join(cell for cell in header if cell) or "nothing"
        hint = (
            "the first row looks like data: add the header row"
            if len(missing) == len(REQUIRED_COLUMNS)
            else f"add the column{'s' if len(missing) > 1 else ''}"
        )
        raise RatingsFileError(
            path,
            [
                RatingProblem(
                    1,
                    ", ".join(missing),
                    f"missing header column{'s' if len(missing) > 1 else ''} "
                    f"(the header must name {', '.join(REQUIRED_COLUMNS)}; found {found}); "
                    f"{hint}",
                )
            ],
        )
    column = {name: header.index(name) for name in REQUIRED_COLUMNS}
    bank = {item.id: item for item in items}
    seen: dict[tuple[str, str, str], int] = {}
    cells: dict[tuple[str, str], dict[str, tuple[int, int]]] = defaultdict(dict)
    attempted: dict[tuple[str, str], set[str]] = defaultdict(set)
    lines: dict[tuple[str, str], list[int]] = defaultdict(list)
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header):
            problems.append(
                RatingProblem(number, "", f"has {len(row)} fields, the header has {len(header)}")
            )
            continue
        rater, item_id, option_id, rating_text = (
            row[column[name]].strip() for name in REQUIRED_COLUMNS
        )
        if not rater:
            problems.append(RatingProblem(number, "rater_id", "is empty"))
        item = bank.get(item_id)
        known_option = item is not None and option_id in {option.id for option in item.options}
        if item is None:
            problems.append(RatingProblem(number, "item_id", f"unknown item {item_id!r}"))
        elif not known_option:
            problems.append(
                RatingProblem(
                    number,
                    "option_id",
                    f"unknown option {option_id!r} of {item_id} (options are "
                    f"{', '.join(OPTION_IDS)})",
                )
            )
        if not rating_text:
            continue
        if rater and known_option:  # rated, even if wrongly (reported on its own row)
            attempted[(rater, item_id)].add(option_id)
            lines[(rater, item_id)].append(number)
        rating, error = _parse_rating(rating_text)
        if error:
            problems.append(RatingProblem(number, "rating", error))
        if not rater or not known_option or rating is None:
            continue
        key = (rater, item_id, option_id)
        if key in seen:
            problems.append(
                RatingProblem(
                    number,
                    "rater_id",
                    f"duplicate rating of {rater} for {item_id} option {option_id} "
                    f"(also row {seen[key]})",
                )
            )
            continue
        seen[key] = number
        cells[(rater, item_id)][option_id] = (rating, number)
    by_item: dict[str, dict[str, dict[str, int]]] = defaultdict(dict)
    for (rater, item_id), tried in attempted.items():
        options = cells[(rater, item_id)]
        expected = [option.id for option in bank[item_id].options]
        absent = [o for o in expected if o not in tried]
        if absent:
            first = min(lines[(rater, item_id)])
            problems.append(
                RatingProblem(
                    first,
                    "rating",
                    f"{rater} rated {len(expected) - len(absent)} of the {len(expected)} "
                    f"options of {item_id} (missing {', '.join(absent)})",
                )
            )
            continue
        by_item[item_id][rater] = {option_id: value for option_id, (value, _) in options.items()}
    if not problems and not by_item:
        problems.append(RatingProblem(0, "", "contains no ratings (every rating cell is empty)"))
    if problems:
        raise RatingsFileError(path, problems)
    raters = tuple(sorted({rater for by_rater in by_item.values() for rater in by_rater}))
    return Ratings(by_item=dict(by_item), raters=raters)


# --------------------------------------------------------------------------- consensus


@dataclass(frozen=True)
class Flag:
    """Why an item needs a second look: a code for programs and a sentence for people."""

    code: str
    message: str


@dataclass(frozen=True)
class ItemConsensus:
    """The panel's verdict on one item.

    Attributes
    ----------
    options : dict
        Option id → ``TargetSummary`` (mean, SD, n, 95% interval) of its ratings.
    icc2k, rwg : float
        ICC(2,k) over options × raters and the mean r_wg over the options (NaN with < 2 raters).
    key, panel_best, runner_up : str
        The current key, the option with the highest panel mean, the next option by mean.
    proposed : dict or None
        Consensus credits (option id → 0–3), None when they would break a content rule.
    rule_problem : str or None
        Which content rule the consensus credits would break.
    """

    item_id: str
    competency: str
    n_raters: int
    options: Mapping[str, TargetSummary]
    current: Mapping[str, int]
    icc2k: float
    rwg: float
    key: str
    panel_best: str
    runner_up: str
    lead: float
    flags: tuple[Flag, ...]
    proposed: Mapping[str, int] | None
    rule_problem: str | None

    @property
    def flagged(self) -> bool:
        return bool(self.flags)


def consensus_credits(
    means: Mapping[str, float], format_name: str
) -> tuple[dict[str, int] | None, str | None]:
    """Map an item's option means (1–7) to credits 0–3, keeping their order.

    The option with the highest mean gets 3 and the lowest 0; the others get 1 or 2 by where
    their mean lies between the two (``round(3 · (m − min) / (max − min))`` clipped to 1–2), so a
    higher mean never gets a lower credit and equal means get equal credits. The content rules
    of the bank must hold: a unique top credit, at least three credit levels, and a unique
    lowest credit for ``most_least`` items; otherwise no credits are proposed.

    Returns
    -------
    (credits, problem)
        Credits by option id and None, or None and the rule that would be broken.
    """
    values = np.array(list(means.values()), dtype=np.float64)
    top, bottom = values.max(), values.min()
    if np.isclose(top, bottom):
        return None, "the panel rated all options alike"
    credits: dict[str, int] = {}
    for option_id, mean in means.items():
        if np.isclose(mean, top):
            credits[option_id] = 3
        elif np.isclose(mean, bottom):
            credits[option_id] = 0
        else:
            credits[option_id] = int(min(2, max(1, round(3 * (mean - bottom) / (top - bottom)))))
    levels = list(credits.values())
    if levels.count(3) > 1:
        return None, "two or more options share the highest mean (no unique best option)"
    if item_format(format_name).needs_unique_lowest_credit and levels.count(0) > 1:
        return None, f"two or more options share the lowest mean (a {format_name} item needs one)"
    if len(set(levels)) < 3:
        return None, f"the means give only {len(set(levels))} credit levels (3 are required)"
    return credits, None


def _flags(
    summary: Mapping[str, TargetSummary],
    key: str,
    agreement: tuple[float, float],
    n_raters: int,
    thresholds: Thresholds,
) -> tuple[tuple[Flag, ...], str, str, float]:
    order = sorted(summary, key=lambda option_id: (-summary[option_id].mean, option_id))
    best, second = order[0], order[1]
    lead = summary[best].mean - summary[second].mean
    flags: list[Flag] = []
    if n_raters < 2:
        flags.append(Flag("few_raters", f"only {n_raters} rater; agreement needs at least 2"))
    if best != key:
        flags.append(
            Flag("key_changed", f"the panel rates {best} highest, the current key is {key}")
        )
    if lead < thresholds.min_lead:
        flags.append(
            Flag(
                "key_not_ahead",
                f"{best} leads {second} by {lead:.2f} (< {thresholds.min_lead:g}) on the 1–7 scale",
            )
        )
    if n_raters >= 2 and summary[best].ci_low <= summary[second].ci_high:
        flags.append(
            Flag(
                "intervals_overlap",
                f"the 95% intervals of {best} ({summary[best].ci_low:.2f}–"
                f"{summary[best].ci_high:.2f}) and {second} ({summary[second].ci_low:.2f}–"
                f"{summary[second].ci_high:.2f}) overlap",
            )
        )
    icc, mean_rwg = agreement
    if n_raters >= 2 and not icc >= thresholds.min_icc2k:
        flags.append(
            Flag("low_icc", f"ICC(2,k) = {icc:.2f} (< {thresholds.min_icc2k:.2f}): raters disagree")
        )
    if n_raters >= 2 and not mean_rwg >= thresholds.min_rwg:
        flags.append(Flag("low_rwg", f"mean r_wg = {mean_rwg:.2f} (< {thresholds.min_rwg:.2f})"))
    return tuple(flags), best, second, lead


def analyse(
    ratings: Ratings, items: Sequence[AnyItem], thresholds: Thresholds | None = None
) -> tuple[ItemConsensus, ...]:
    """Consensus, agreement and flags of every rated item, in bank order."""
    thresholds = thresholds or Thresholds()
    out = []
    for item in items:
        if item.id not in ratings.by_item:
            continue
        raters, matrix = ratings.matrix(item)
        summary: dict[str, TargetSummary] = {
            option.id: summarise(row) for option, row in zip(item.options, matrix, strict=True)
        }
        if len(raters) >= 2:
            agreement = (icc2k(matrix), float(np.mean(rwg(matrix, SCALE_MAX - SCALE_MIN + 1))))
        else:
            agreement = (float("nan"), float("nan"))
        key = item.best_option.id
        flags, best, second, lead = _flags(summary, key, agreement, len(raters), thresholds)
        proposed, problem = consensus_credits(
            {option_id: s.mean for option_id, s in summary.items()}, item.format
        )
        out.append(
            ItemConsensus(
                item_id=item.id,
                competency=item.competency,
                n_raters=len(raters),
                options=summary,
                current=item.credits,
                icc2k=agreement[0],
                rwg=agreement[1],
                key=key,
                panel_best=best,
                runner_up=second,
                lead=lead,
                flags=flags,
                proposed=proposed,
                rule_problem=problem,
            )
        )
    return tuple(out)


REPORT_COLUMNS: tuple[str, ...] = (
    "item_id",
    "competency",
    "option_id",
    "n",
    "mean",
    "sd",
    "ci_low",
    "ci_high",
    "current_credit",
    "consensus_credit",
    "item_raters",
    "icc2k",
    "rwg_mean",
    "current_key",
    "panel_best",
    "lead",
    "flags",
    "rule_problem",
)


def _cell(value: float) -> str:
    return "" if math.isnan(value) else f"{value:.3f}"


def write_report(consensus: Sequence[ItemConsensus], path: Path) -> int:
    """Write one row per item × option with the option and item statistics; returns rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(REPORT_COLUMNS)
        for item in consensus:
            for option_id, s in item.options.items():
                writer.writerow(
                    [
                        item.item_id,
                        item.competency,
                        option_id,
                        s.n,
                        _cell(s.mean),
                        _cell(s.sd),
                        _cell(s.ci_low),
                        _cell(s.ci_high),
                        item.current[option_id],
                        "" if item.proposed is None else item.proposed[option_id],
                        item.n_raters,
                        _cell(item.icc2k),
                        _cell(item.rwg),
                        item.key,
                        item.panel_best,
                        f"{item.lead:.3f}",
                        " ".join(flag.code for flag in item.flags),
                        item.rule_problem or "",
                    ]
                )
                rows += 1
    return rows
