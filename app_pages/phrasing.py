"""Counted phrases and fixed wording of the staff pages (singular or plural, field labels)."""

from __future__ import annotations

LEAVE_OUT_LABEL = "Leave out items answered by fewer than this many candidates"
FORCE_LABEL = "Promote even if the checks find problems"
PROMOTION_ADVICE = (
    f"Calibrate again with a higher “{LEAVE_OUT_LABEL}” on the Calibrate tab (the items left "
    f"out keep their current parameters), or tick “{FORCE_LABEL}” and give the reason "
    "(kept in the audit log)."
)
"""What the workbench advises when the promotion guard refuses: its own fields, not flags."""
NO_LINK_LABEL = "Promote without linking to the active scale (starts a new scale)"
NO_LINK_REASON_LABEL = "Reason for promoting without linking (recorded in the audit log)"


def linking_advice(active_model: str) -> str:
    """What the workbench advises when the new version cannot be linked to the active one."""
    return (
        f"Calibrate again with the active version's model ({active_model}) on the Calibrate "
        f"tab, or tick “{NO_LINK_LABEL}”, give the reason, and re-norm the new version "
        "afterwards (Versions tab, Re-norm): its norms then come from the calibration sample."
    )


def plural(n: int, one: str, many: str) -> str:
    """``"1 option"`` / ``"3 options"``: the count with the matching form of the noun phrase."""
    return f"{n:,} {one if n == 1 else many}"


def rare_options_warning(n: int) -> str:
    """The workbench's warning about options that few candidates chose."""
    verb = "is" if n == 1 else "are"
    return (
        f"{plural(n, 'option', 'options')} {verb} chosen by fewer than 5% of candidates; "
        f"{'its weight rests' if n == 1 else 'their weights rest'} on very few answers."
    )


def thin_items_warning(n: int, total: int, smallest: int) -> str:
    """The workbench's warning about items answered by fewer than 500 candidates."""
    verb = "has" if n == 1 else "have"
    return (
        f"{n:,} of {total:,} scored items {verb} fewer than 500 candidates (smallest: "
        f"{smallest:,}). Option weights will be unstable; treat this calibration as exploratory."
    )


def collected_caption(n_sessions: int, n_synthetic: int, n_flagged: int) -> str:
    """What the Calibrate tab's collected responses hold: how many of the sessions a
    calibration would use are synthetic demo candidates', which the download leaves out."""
    text = plural(n_sessions, "completed session", "completed sessions")
    if n_synthetic:
        if n_sessions == 1:
            who = "by a synthetic demo candidate"
        elif n_synthetic == n_sessions:
            who = f"all {n_synthetic:,} by synthetic demo candidates"
        else:
            kind = "a synthetic demo candidate" if n_synthetic == 1 else "synthetic demo candidates"
            who = f"{n_synthetic:,} by {kind}"
        them = "it" if n_synthetic == 1 else "them"
        text += f" ({who}: the calibration uses {them}, the download leaves {them} out)"
    if n_flagged:
        text += f"; {plural(n_flagged, 'flagged session', 'flagged sessions')} left out"
    return text
