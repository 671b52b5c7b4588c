"""What the tabs of the recruiter page share: tab names and keys, languages, labels."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from assessment.recruiting.overview import CandidateRow
from assessment.vocabulary import QUALITY_FLAGS
from items import COMPETENCIES
from reports.render import default_definitions
from reports.story import definitions_by_id
from reports.wording import load_wording

TABS = ("Invite", "Candidates", "Profile", "Export")
TAB_KEY = "recruiter_tab"
PROFILE_KEY = "profile_candidate"
LANGUAGES = {"en": "English", "zh": "中文 (Chinese)"}
FLAG_LABELS: dict[str, str] = {
    flag: load_wording().en.profile.flag_labels.get(flag) for flag in QUALITY_FLAGS
}
"""The profile's short label of each data-quality flag (``reports/wording.yaml``; each of the
profile's explanations starts with its label)."""
WEAK_EVIDENCE_LABEL = "Weak evidence"
"""The profile's caution when the answers are not clearly more probable under the scoring
model than under random picks (no flag raised; the result is then not a recommendation).
Short, so that it fits the Candidates table's Flags column."""


def feedback_warning(flags: Sequence[str], withheld: int = 1, chosen: int = 1) -> str:
    """Why feedback reports give no levels (``reports.feedback.assessed``): their tests were
    flagged for review (``flags``, all of them together), so each tells the candidate that
    the test could not assess their answers; ``withheld`` of ``chosen`` reports."""
    named = ", ".join(FLAG_LABELS.get(flag, flag) for flag in flags)
    head = (
        "The feedback report gives no levels: this test was flagged for review"
        if chosen == 1
        else f"{withheld} of the {chosen} feedback reports give no levels: those tests were "
        "flagged for review"
    )
    return (
        f"{head} ({named}), so the report tells the candidate that the test could not assess "
        "their answers and offers only the tips. Review the data quality before sending it; "
        "consider a supervised retest."
    )


def competency_names() -> dict[str, str]:
    """English competency names in framework order."""
    by_id = definitions_by_id(default_definitions())
    return {c: by_id[c].name.get("en") for c in COMPETENCIES}


def candidate_label(rows: dict[str, CandidateRow]) -> Callable[[str], str]:
    def label(candidate_id: str) -> str:
        row = rows[candidate_id]
        parts = [row.display_name or "(no name)", candidate_id, row.position or ""]
        return " · ".join(part for part in parts if part)

    return label
