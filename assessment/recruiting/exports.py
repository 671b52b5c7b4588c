"""CSV exports for recruiters: the scores table with its codebook.

Every text cell passes through ``neutralise`` so that a spreadsheet never runs a formula that a
candidate typed into a name.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable

from assessment.recruiting.overview import CandidateRow
from assessment.session_values import OverallRule
from assessment.spreadsheets import FORMULA_PREFIXES, neutralise
from items.models import COMPETENCIES


def _number(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _when(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def score_columns() -> list[tuple[str, str]]:
    """(column, meaning) of every column of ``scores_csv``, in order."""
    columns = [("candidate_id", "Candidate id assigned by the system.")]
    for c in COMPETENCIES:
        name = c.replace("_", " ")
        columns += [
            (f"{c}_theta", f"Estimated {name} on the latent scale (EAP; mean 0, SD 1 in the "
             "calibration sample). Empty unless the test is completed."),
            (f"{c}_se", f"Standard error (posterior SD) of {c}_theta."),
            (f"{c}_t", f"T-score of {name} (mean 50, SD 10 in the norm group)."),
            (f"{c}_pct", f"Percentile rank of {name} in the norm group (0-100)."),
        ]  # fmt: skip
    columns += [
        ("composite", "Profile score of the reports: the weighted mean of the competencies' "
         "theta re-standardised to T (mean 50, SD 10) in the reference population, so it can "
         "lie outside the range of the five T-scores; the same number as the candidate's "
         "profile. Empty unless the test is completed."),
        ("band", "Overall result of the reports, the same as the candidate's profile: "
         "recommended, with_care (interview with care), not_a_match, borderline (the 90% "
         "interval of the profile score straddles a cut score, or the evidence against random "
         "answering is weak) or review (a data-quality flag was raised: do not use the result "
         "as it stands); a competency below the floor caps it at with_care."),
        ("display_name", "Candidate's name as entered by the recruiter."),
        ("email", "Candidate's email address."),
        ("position", "Position applied for."),
        ("synthetic", "1 for synthetic demo candidates, 0 for real candidates."),
        ("status", "invited, started, completed or expired (latest test)."),
        ("language", "Language of the test: en (English) or zh (Chinese)."),
        ("form", "adaptive or fixed test form."),
        ("invited_at", "When the invitation was created (UTC, ISO 8601)."),
        ("completed_at", "When the test was completed (UTC, ISO 8601); empty if not."),
        ("n_items", "Number of items the candidate answered."),
        ("flags", "Data-quality flags raised, separated by ';': too_fast, "
         "same_position_run, person_misfit, random_like (the answers cannot be told apart "
         "from random picking), incomplete."),
        ("model_version", "Label of the scoring model version that produced the scores."),
    ]  # fmt: skip
    return columns


def scores_csv(rows: Iterable[CandidateRow], overall: OverallRule | None = None) -> str:
    """The overview as CSV (the SCORES.csv layout: candidate_id, then per competency theta,
    se, t and pct, then composite and band, then the other columns). Numbers are written
    here; every text cell is neutralised with ``neutralise`` against spreadsheet formula
    injection. ``overall`` computes composite and band (left empty without it)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([name for name, _ in score_columns()])
    for row in rows:
        cells = [neutralise(row.candidate_id)]
        for k in range(len(COMPETENCIES)):
            cells += [
                _number(row.theta[k], 4),
                _number(row.se[k], 4),
                _number(row.t_scores[k], 1),
                _number(row.percentiles[k], 1),
            ]
        result = None if overall is None else row.overall_result(overall)
        if result is not None:
            cells += [_number(result[0], 1), result[1]]
        else:
            cells += ["", ""]
        cells += [
            neutralise(row.display_name),
            neutralise(row.email),
            neutralise(row.position),
            "1" if row.synthetic else "0",
            row.status,
            neutralise(row.language),
            neutralise(row.form),
            _when(row.invited_at),
            _when(row.completed_at),
            str(row.n_items),
            neutralise(";".join(row.flags)),
            neutralise(row.model_version),
        ]
        writer.writerow(cells)
    return out.getvalue()


def scores_codebook() -> str:
    """A Markdown codebook explaining every column of ``scores_csv``."""
    lines = [
        "# Codebook of the scores export",
        "",
        "UTF-8 CSV (downloads from the app start with a byte-order mark so that Excel detects "
        "the encoding), one row per candidate, comma-separated, header row first. Numbers use "
        "a decimal point; score cells are empty for candidates without a completed test.",
        "Text cells that begin with `=`, `+`, `-`, `@`, a tab or a carriage return are prefixed "
        "with a single quote (') so that spreadsheets never run them as formulas.",
        "",
        "| column | meaning |",
        "|---|---|",
    ]
    lines += [f"| `{name}` | {meaning} |" for name, meaning in score_columns()]
    return "\n".join(lines) + "\n"


__all__ = [
    "FORMULA_PREFIXES",
    "OverallRule",
    "neutralise",
    "score_columns",
    "scores_codebook",
    "scores_csv",
]
