"""What the tabs of the recruiter page share: tab names and keys, languages, labels."""

from __future__ import annotations

from collections.abc import Callable

from assessment.recruiting.overview import CandidateRow
from items import COMPETENCIES
from reports.render import default_definitions
from reports.story import definitions_by_id

TABS = ("Invite", "Candidates", "Profile", "Export")
TAB_KEY = "recruiter_tab"
PROFILE_KEY = "profile_candidate"
LANGUAGES = {"en": "English", "zh": "中文 (Chinese)"}


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
