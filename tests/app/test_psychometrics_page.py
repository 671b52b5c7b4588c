"""AppTests of the calibration workbench: role checks, a background calibration, versions."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import numpy as np
import pytest
import streamlit
from streamlit.testing.v1 import AppTest

from app_pages.common import get_store
from app_pages.markup import md_escape
from app_pages.phrasing import (
    FORCE_LABEL,
    NO_LINK_LABEL,
    NO_LINK_REASON_LABEL,
    PROMOTION_ADVICE,
    linking_advice,
)
from app_pages.workbench_jobs import get_jobs
from assessment.access.accounts import StaffUser
from assessment.demo import seed_demo
from assessment.persistence import store as store_module
from assessment.persistence.answers import EVERY_COMPLETED_SESSION
from assessment.persistence.store import Store
from assessment.psychometrics import renorm, workbench
from assessment.psychometrics.fairness import OVERALL_BANDS, fairness_report, record_groups
from assessment.psychometrics.response_export import export_responses
from assessment.psychometrics.review import calibration_items
from assessment.psychometrics.versions import collected_responses
from assessment.psychometrics.workbench import rollback_with_reason
from items import COMPETENCIES, load_bank
from items.scoring_map import split_most_least, synthetic_model
from reports.assemble import overall_rule
from scoring import MMLCalibrator, simulate_responses, simulate_theta
from tests.app.conftest import ROOT
from tests.app.staff import sign_in_as
from tests.assessment.psychometrics.test_workbench import promote_steeper_first_item
from tests.session_ids import seeded_ids

PAGE = str(ROOT / "app_pages" / "psychometrics.py")


def open_page(user: StaffUser | None) -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=60)
    if user is not None:  # a real account and staff session in the app's database
        sign_in_as(app, get_store(), user.username, user.role)
    return app.run()


def all_text(app: AppTest) -> str:
    parts = [e.value for e in app.error] + [e.value for e in app.info]
    parts += [e.value for e in app.title]
    parts += [e.value for e in app.markdown] + [e.value for e in app.caption]
    parts += [e.value for e in app.warning] + [e.value for e in app.success]
    return "\n".join(str(p) for p in parts)


def test_anonymous_users_are_refused(app_store: Store) -> None:
    app = open_page(None)
    assert "Please sign in" in all_text(app)
    assert not app.tabs


@pytest.mark.parametrize("role", ["recruiter"])
def test_other_roles_are_refused(app_store: Store, role: str) -> None:
    app = open_page(StaffUser("someone", role))
    assert "does not give access" in all_text(app)
    assert not app.button


def test_the_collected_responses_download_is_the_file_sjt_responses_writes_and_is_audited(
    app_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    downloads: dict[str, Any] = {}
    real_download = streamlit.download_button

    def recording_download(label: str, data: Any, **kwargs: Any) -> Any:
        downloads[label] = data
        return real_download(label, data, **kwargs)

    monkeypatch.setattr(streamlit, "download_button", recording_download)
    seed_demo(app_store, load_bank(), 8, seed=9)
    everything = collected_responses(app_store, load_bank(), EVERY_COMPLETED_SESSION)
    real = everything.candidate_ids[:3]
    with app_store.engine.begin() as connection:  # the demo only makes synthetic candidates
        for candidate_id in real:
            connection.exec_driver_sql(
                "UPDATE candidates SET synthetic = 0 WHERE id = ?", (candidate_id,)
            )
    open_page(StaffUser("someone", "recruiter"))
    assert downloads == {}  # the role guard stops the page before any download
    open_page(StaffUser("psy", "psychometrician"))
    data_file = downloads["Download these responses (DATA.csv)"]
    assert callable(data_file)  # built only when clicked
    assert app_store.audit_entries("export.responses") == []
    text = data_file()
    assert text == export_responses(app_store, load_bank()).text
    written = {line.split(",")[0] for line in text.splitlines()[1:]}
    assert written
    assert written <= set(real)
    entry = app_store.audit_entries("export.responses")[0]
    assert entry.actor == "psy"
    assert entry.detail["candidates"] == len(written)


def test_the_collected_count_says_which_sessions_are_synthetic_and_left_out_of_the_download(
    app_store: Store,
) -> None:
    """The caption counts the sessions a calibration uses and says how many are synthetic
    demo candidates', which the download beside it leaves out (before, "N completed
    sessions" sat next to an empty download without a word about why)."""
    seed_demo(app_store, load_bank(), 8, seed=9)
    everything = collected_responses(app_store, load_bank())
    n = everything.data.n_candidates
    assert n >= 3
    with app_store.engine.begin() as connection:  # the demo only makes synthetic candidates
        connection.exec_driver_sql(
            "UPDATE candidates SET synthetic = 0 WHERE id = ?", (everything.candidate_ids[0],)
        )
    app = open_page(StaffUser("psy", "psychometrician"))
    caption = next(c.value for c in app.caption if "completed sessions" in c.value)
    assert caption.startswith(
        f"{n} completed sessions ({n - 1} by synthetic demo candidates: the calibration uses "
        "them, the download leaves them out)"
    )
    assert export_responses(app_store, load_bank()).n_candidates == 1  # the one real candidate


def test_a_last_day_before_the_first_is_refused_by_name(app_store: Store) -> None:
    app = open_page(StaffUser("psy", "psychometrician"))
    dates = {field.label: field for field in app.date_input}
    dates["Completed from"].set_value(dt.date(2026, 2, 1))
    dates["Completed until"].set_value(dt.date(2026, 1, 31))
    app.run()
    refusal = "from 2026-02-01 until 2026-01-31: the last day is before the first"
    assert md_escape(refusal) in all_text(app)
    assert "Run calibration" not in [button.label for button in app.button]


def test_versions_tab_lists_the_active_version(app_store: Store) -> None:
    app = open_page(StaffUser("psy", "psychometrician"))
    assert [tab.label for tab in app.tabs] == ["Calibrate", "Review", "Versions", "Fairness"]
    frames = [frame.value for frame in app.dataframe]
    assert any("v0-synthetic" in frame.to_string() for frame in frames)


@pytest.mark.slow
def test_a_calibration_runs_in_the_background_and_can_be_reviewed(
    app_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_demo(app_store, load_bank(), 40, seed=9)
    analyses: list[str] = []
    analyse = workbench.item_analysis_rows
    monkeypatch.setattr(
        workbench, "item_analysis_rows", lambda *args: analyses.append("run") or analyse(*args)
    )
    app = open_page(StaffUser("psy", "psychometrician"))
    assert "completed sessions" in all_text(app)
    app.number_input[0].set_value(5).run()  # a small demo: items with 5+ answers
    assert "are left out and keep their current parameters" in all_text(app)
    run = next(b for b in app.button if b.label == "Run calibration")
    run.click().run()
    deadline = time.monotonic() + 240
    while "Calibration finished" not in all_text(app) and time.monotonic() < deadline:
        time.sleep(1)
        app.run()
    assert "Calibration finished" in all_text(app)
    assert "Marginal reliability" in all_text(app)
    assert "Compared with the active version" in all_text(app)
    # the item statistics are computed once per calibration, not on every rerun of the page
    next(box for box in app.checkbox if box.label == "Show flagged items only").check().run()
    app.run()
    assert analyses == ["run"]
    # after a reload the finished calibration is chosen again and can be reviewed
    reloaded = open_page(StaffUser("psy", "psychometrician"))
    assert "Marginal reliability" in all_text(reloaded)
    assert "Run a calibration first" in all_text(open_page(StaffUser("pat", "psychometrician")))


def progress_texts(app: AppTest) -> list[str]:
    return [element.proto.text for element in app.get("progress")]


def test_a_running_calibration_is_found_again_after_the_page_is_reloaded_by_its_user_only(
    app_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()

    def held_fit(self: MMLCalibrator, data: Any, *args: Any, **kwargs: Any) -> Any:
        release.wait(60)  # the calibration keeps running until the test ends
        raise AssertionError("released")

    monkeypatch.setattr(MMLCalibrator, "fit", held_fit)
    seed_demo(app_store, load_bank(), 12, seed=9)
    try:
        app = open_page(StaffUser("psy", "psychometrician"))
        app.number_input[0].set_value(2).run()
        next(b for b in app.button if b.label == "Run calibration").click().run()
        assert progress_texts(app)[0].startswith("Running: ")
        reloaded = open_page(StaffUser("psy", "psychometrician"))  # new browser session
        jobs = next(box for box in reloaded.selectbox if box.label.startswith("Your calibrations"))
        assert len(jobs.options) == 1
        assert jobs.options[0].startswith("collected ")
        assert "· GPCM · started" in jobs.options[0]  # the active version's model, first offered
        assert progress_texts(reloaded)[0].startswith("Running: ")
        colleague = open_page(StaffUser("pat", "psychometrician"))
        assert not [b for b in colleague.selectbox if b.label.startswith("Your calibrations")]
        assert progress_texts(colleague) == []
        assert "Run a calibration first" in all_text(colleague)
    finally:
        release.set()


def test_the_sample_warnings_count_items_as_the_calibration_does(app_store: Store) -> None:
    bank = load_bank()
    seed_demo(app_store, bank, 12, seed=9)
    app = open_page(StaffUser("psy", "psychometrician"))
    app.number_input[0].set_value(2).run()
    data = collected_responses(app_store, bank).data
    parts = data.select_items(data.answered_counts() >= 2)
    joined = calibration_items(parts, "nrm")  # the page's default model joins most/least parts
    assert joined.n_items < parts.n_items
    warning = next(w.value for w in app.warning if "scored items" in w.value)
    assert warning.startswith(f"{joined.n_items:,} of {joined.n_items:,} scored items")


def finished_small_job(
    model_name: str, n: int, seed: int, label: str, synthetic: int | None = None
) -> None:
    """A finished ``model_name`` calibration, owned by "psy", of ``n`` candidates simulated
    from the synthetic GPCM on two non-most/least items per competency (``synthetic`` of
    them marked synthetic in the job's context, as the page marks its data source's)."""
    single = [i for i in load_bank().items if i.format != "most_least"]
    items = [i for c in COMPETENCIES for i in [i for i in single if i.competency == c][:2]]
    model = synthetic_model(items)
    rng = np.random.default_rng(seed)
    data = simulate_responses(model, simulate_theta(n, len(COMPETENCIES), rng), rng)
    context: dict[str, object] = {"label": label}
    if synthetic is not None:
        context["synthetic"] = synthetic
    job = get_jobs().start(data, model_name, context, owner="psy")
    deadline = time.monotonic() + 180
    while not job.status()["finished"] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert job.result is not None, job.status()


def test_a_refused_promotion_advises_the_pages_own_fields(app_store: Store) -> None:
    finished_small_job("gpcm", 40, seed=2, label="small.csv")
    app = open_page(StaffUser("psy", "psychometrician"))  # the job is chosen after a reload
    app.text_area[0].input("first real calibration")
    next(b for b in app.button if b.label == "Promote as a new model version").click().run()
    refusal = next(e.value for e in app.error if "promotion refused" in e.value)
    refusal = refusal.replace("\\", "").replace("\u200b", "")  # Markdown escapes
    assert "item SO-001: 40 answers for 4 parameters (needs 80)" in refusal
    assert PROMOTION_ADVICE in [i.value for i in app.info]
    assert "Leave out items answered by fewer than this many candidates" in PROMOTION_ADVICE
    assert "Promote even if the checks find problems" in PROMOTION_ADVICE
    shown = refusal + PROMOTION_ADVICE
    assert "--min-answers" not in shown
    assert "--force" not in shown
    assert "sjt calibrate" not in shown


def test_the_model_first_offered_is_the_active_versions_which_can_be_linked(
    app_store: Store,
) -> None:
    app = open_page(StaffUser("psy", "psychometrician"))
    synthetic = next(o for o in app.radio[0].options if "Synthetic" in o)
    app.radio[0].set_value(synthetic).run()
    active = app_store.active_model_document()
    assert active is not None
    model = next(box for box in app.selectbox if box.label == "Model")
    assert model.value == active.document.model


def promote_button(app: AppTest) -> Any:
    return next(b for b in app.button if b.label == "Promote as a new model version")


def test_an_unlinkable_calibration_is_reviewed_as_unlinked_and_promoted_without_linking(
    app_store: Store,
) -> None:
    """Another item model than the active version's cannot be linked: the review says so
    instead of drift "after linking", the refusal advises the page's own "without linking"
    option (no CLI flag), and that option needs a reason, which the audit keeps."""
    finished_small_job("nrm", 400, seed=4, label="sim400.csv")  # the active version is GPCM
    app = open_page(StaffUser("psy", "psychometrician"))
    text = all_text(app)
    assert "after linking" not in text
    assert "Not linked: a nrm calibration cannot be linked to the active gpcm version" in text
    assert "if it were promoted without linking" in text
    app.text_area[0].input("NRM on the new sample")
    promote_button(app).click().run()
    refusal = next(e.value for e in app.error if "promotion refused" in e.value)
    assert "cannot be linked" in refusal
    assert "--no-link" not in refusal
    advice = [i.value for i in app.info]
    assert linking_advice("gpcm") in advice
    assert PROMOTION_ADVICE not in advice  # raising the leave-out threshold would not help
    assert NO_LINK_LABEL in linking_advice("gpcm")
    next(c for c in app.checkbox if c.label == NO_LINK_LABEL).check()
    promote_button(app).click().run()
    assert any("needs a reason" in e.value for e in app.error)
    assert app_store.audit_entries("model.promote") == []
    next(t for t in app.text_input if t.label == NO_LINK_REASON_LABEL).input("new item model")
    promote_button(app).click().run()
    assert any(s.value.startswith("Promoted v1") for s in app.success), all_text(app)
    # the seconds of simulation were shown as a status saying what was being done
    (status,) = app.status
    assert (status.label, status.state) == ("Promoted", "complete")
    assert "Simulating the test as delivered under v1" in " ".join(m.value for m in status.markdown)
    assert any("Not linked: the new version starts a scale of its own" in i.value for i in app.info)
    entry = app_store.audit_entries("model.promote")[0]
    assert entry.detail["linked"] is False
    assert entry.detail["link_reason"] == "new item model"


def test_versions_tab_compares_two_versions_and_rolls_back_only_with_a_reason(
    app_store: Store,
) -> None:
    promote_steeper_first_item(app_store)
    app = open_page(StaffUser("psy", "psychometrician"))
    text = all_text(app)
    assert "Compare two versions" in text
    assert "Norm differences" in text
    assert [m.label for m in app.metric][:1] == ["mean drift, service orientation"]
    frames = "\n".join(frame.value.to_string() for frame in app.dataframe)
    assert "T shift at T 50" in frames
    roll = next(b for b in app.button if b.label == "Roll back to the previous version")
    roll.click().run()
    assert "Tick the confirmation" in all_text(app)
    active = app_store.active_model_version()
    assert active is not None
    assert active.label == "v1"
    confirm = next(c for c in app.checkbox if c.label.startswith("I understand"))
    confirm.check()
    next(b for b in app.button if b.label == "Roll back to the previous version").click().run()
    assert "Give the reason for rolling back" in all_text(app)
    next(t for t in app.text_input if t.label.startswith("Reason")).input("v1 drifted")
    next(c for c in app.checkbox if c.label.startswith("I understand")).check()
    next(b for b in app.button if b.label == "Roll back to the previous version").click().run()
    assert "is active again" in all_text(app)
    active = app_store.active_model_version()
    assert active is not None
    assert active.label == "v0-synthetic"
    assert app_store.audit_entries("model.activate")[0].detail == {"note": "v1 drifted"}
    assert app_store.audit_entries("model.rescore") == []  # no rescore unless asked


def test_versions_tab_rescores_after_a_rollback_only_with_confirmation(app_store: Store) -> None:
    promote_steeper_first_item(app_store)
    seed_demo(app_store, load_bank(), 3, seed=4)  # scored by v1
    completed = len(app_store.current_scores_of_completed())
    rollback_with_reason(app_store, "psy", "v1 drifted", confirmed=True)
    app = open_page(StaffUser("psy", "psychometrician"))
    assert f"{completed} tested candidates still come from v1" in all_text(app)
    rescore = next(b for b in app.button if b.label == "Rescore every completed test")
    rescore.click().run()
    assert "Tick the confirmation to rescore" in all_text(app)
    assert app_store.audit_entries("model.rescore") == []
    next(c for c in app.checkbox if c.label.startswith("I understand that every completed")).check()
    next(b for b in app.button if b.label == "Rescore every completed test").click().run()
    assert md_escape(f"Rescored {completed} completed tests with v0-synthetic") in all_text(app)
    entry = app_store.audit_entries("model.rescore")[0]
    assert (entry.actor, entry.target, entry.detail) == (
        "psy", "v0-synthetic", {"sessions": completed},
    )  # fmt: skip
    app.run()
    assert md_escape("current scores come from v0-synthetic") in all_text(app)
    assert "still come from" not in all_text(app)


def test_versions_tab_previews_a_renorm_and_applies_it_with_confirmation_and_reason(
    app_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_demo(app_store, load_bank(), 16, seed=4)  # enough kept to estimate 5 correlations
    app = open_page(StaffUser("psy", "psychometrician"))

    def preview(name: str) -> None:
        next(t for t in app.text_input if t.label.startswith("Name of the reference")).input(name)
        next(b for b in app.button if b.label == "Preview re-norm").click().run()

    def apply(reason: str, confirm: bool) -> None:
        next(t for t in app.text_input if t.label.startswith("Reason for re-norming")).input(reason)
        box = next(c for c in app.checkbox if c.label.startswith("I understand that T-scores"))
        box.check() if confirm else box.uncheck()
        next(b for b in app.button if b.label == "Apply the re-norm").click().run()

    preview("demo 2026")
    assert "needs at least 200" in all_text(app)  # a handful of candidates: refused at the minimum
    monkeypatch.setattr(renorm, "MIN_NORM_SAMPLE", 2)
    preview("demo 2026")
    assert "would change band on at least one competency" in all_text(app)
    # every demo candidate is synthetic: the counts say so
    assert md_escape("of them synthetic demo candidates) would change band") in all_text(app)
    assert md_escape("the data-quality checks under v0-synthetic") in all_text(app)
    frames = "\n".join(frame.value.to_string() for frame in app.dataframe)
    assert "band changes" in frames
    apply("local norms", confirm=False)
    assert "Tick the confirmation" in all_text(app)
    apply("", confirm=True)
    assert "norming is required" in all_text(app)  # (markdown-escaped "re-norming")
    assert app_store.audit_entries("model.renorm") == []
    apply("local norms", confirm=True)
    assert "is active with the new norms" in all_text(app)
    active = app_store.active_model_document()
    assert active is not None
    assert active.document.renormed_from == "v0-synthetic"
    assert app_store.audit_entries("model.renorm")[0].detail["reason"] == "local norms"


def test_fairness_tab_shows_rates_of_the_profiles_overall_results(
    app_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    bank = load_bank()
    monkeypatch.setattr(store_module, "new_id", seeded_ids(3))  # the same demo every run
    seed_demo(app_store, bank, 14, seed=3)
    sessions = collected_responses(app_store, bank, EVERY_COMPLETED_SESSION).session_ids
    for n, session_id in enumerate(sessions):
        record_groups(app_store, session_id, {"gender": "woman" if n % 2 else "man"})
    report = fairness_report(app_store, bank, "gender", overall_rule(app_store), with_dif=False)
    app = open_page(StaffUser("psy", "psychometrician"))
    assert app.radio[-1].value.startswith("Overall result of the profiles")  # the default
    next(box for box in app.selectbox if box.label == "Group field").set_value("gender").run()
    next(b for b in app.button if b.label == "Compute").click().run()
    text = all_text(app)
    assert "selection by overall result of the profiles" in text
    assert "Selected: recommended" in text
    assert "Selected: recommended or with care" in text
    assert "are synthetic demo candidates" in text
    assert "fewer than 30 members" in text
    counts = next(f.value for f in app.dataframe if "not_a_match" in f.value.columns)
    shown = {row["group"]: {b: row[b] for b in OVERALL_BANDS} for _, row in counts.iterrows()}
    assert shown == report.band_counts
    assert list(counts["n"]) == [sum(c.values()) for c in report.band_counts.values()]

    app.radio[-1].set_value(next(o for o in app.radio[-1].options if "T-score cut" in o)).run()
    next(b for b in app.button if b.label == "Compute").click().run()
    text = all_text(app)
    assert "Selected: T >= 50 on mean T of the five competencies" in text
    assert "not the decision recruiters see" in text


def test_a_calibration_of_one_competency_is_promoted_with_the_others_carried_over(
    app_store: Store,
) -> None:
    active = app_store.active_model_document()
    assert active is not None
    so = active.parameters.restricted(
        item.item_id for item in active.parameters.items if item.dimension == "service_orientation"
    )
    rng = np.random.default_rng(5)
    answers = split_most_least(
        simulate_responses(so, simulate_theta(300, len(so.dimensions), rng), rng), so
    )
    data = answers.select_items(np.ones(answers.n_items, dtype=bool))  # its one competency
    assert data.dimensions == ("service_orientation",)
    job = get_jobs().start(data, "gpcm", {"label": "service-orientation.csv"}, owner="psy")
    deadline = time.monotonic() + 120
    while not job.status()["finished"] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert job.result is not None, job.status()
    app = open_page(StaffUser("psy", "psychometrician"))
    others = "resilience, composure, empathy, integrity"
    unescaped = all_text(app).replace("\\", "").replace("\u200b", "")  # Markdown escapes
    assert f"the other competencies ({others}) keep that version's items" in unescaped
    app.text_area[0].input("service orientation recalibrated on new data")
    next(b for b in app.button if b.label == "Promote as a new model version").click().run()
    assert not app.error, [e.value for e in app.error]
    assert "Promoted v1." in [s.value for s in app.success]
    notes = [i.value.replace("\\", "").replace("\u200b", "") for i in app.info]
    assert any(f"carried over unchanged from v0-synthetic: {others}" in n for n in notes), notes
    promoted = app_store.active_model_document()
    assert promoted is not None
    assert promoted.label == "v1"
    assert promoted.document.dimensions == active.document.dimensions
    assert promoted.document.norms == active.document.norms
    kept = [item for item in active.document.items if item.dimension != "service_orientation"]
    assert [i for i in promoted.document.items if i.dimension != "service_orientation"] == kept


def test_a_calibration_on_synthetic_people_is_promoted_as_a_synthetic_model(
    app_store: Store,
) -> None:
    """On the old code the page never told the model file its data were synthetic, so a
    version calibrated on the demo's simulated candidates called itself "calibrated"."""
    finished_small_job("gpcm", 40, seed=2, label="synthetic responses", synthetic=40)
    app = open_page(StaffUser("psy", "psychometrician"))
    app.text_area[0].input("trying the workbench")
    next(c for c in app.checkbox if c.label == FORCE_LABEL).check()
    next(t for t in app.text_input if t.label.startswith("Reason for overriding")).input("a demo")
    promote_button(app).click().run()
    assert any(s.value.startswith("Promoted v1") for s in app.success), all_text(app)
    promoted = app_store.active_model_document()
    assert promoted is not None
    assert promoted.label == "v1"
    assert promoted.document.synthetic
    assert promoted.document.provenance is not None
    assert promoted.document.provenance.note == (
        "calibrated on 40 synthetic of 40 respondents (synthetic responses: _synthetic)"
    )
