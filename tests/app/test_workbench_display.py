"""AppTests of how the workbench explains itself (issue 14, item 13)."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from app_pages.common import get_store
from app_pages.workbench_display import MISSING_NOTE
from assessment.access.accounts import StaffUser
from assessment.demo import seed_demo
from assessment.persistence.store import Store
from items import load_bank
from tests.app.staff import sign_in_as
from tests.app.test_psychometrics_page import PAGE, all_text, open_page


def chart_specs(app: AppTest) -> list[dict]:
    return [
        json.loads(e.proto.spec)
        for e in app.main.children.values()
        if getattr(e, "type", None) == "vega_lite_chart"
    ]


def test_the_demo_offers_synthetic_responses_enough_to_calibrate(app_store: Store) -> None:
    seed_demo(app_store, load_bank(), 6, seed=3)
    app = open_page(StaffUser("psy", "psychometrician"))
    assert "No item has 30 answers yet" in all_text(app)
    synthetic = next(o for o in app.radio[0].options if "Synthetic" in o)
    app.radio[0].set_value(synthetic).run()
    text = all_text(app)
    assert "No item has" not in text
    assert "SYNTHETIC DATA" in text
    assert any(b.label == "Run calibration" for b in app.button)


def _table() -> None:
    import pandas as pd
    import streamlit as st

    from app_pages.workbench_display import MISSING_NOTE, table_for_display

    frame = pd.DataFrame({"item": ["a", "b"], "alpha_if_deleted": [0.71234, None]})
    st.dataframe(table_for_display(frame))
    st.caption(MISSING_NOTE)


def test_missing_values_are_a_dash_with_a_reason() -> None:
    app = AppTest.from_function(_table, default_timeout=120).run()
    shown = app.dataframe[0].value
    assert "None" not in shown.to_string()
    assert "nan" not in shown.to_string()
    assert list(shown["alpha_if_deleted"]) == ["0.712", "–"]
    assert "alpha-if-deleted" in app.caption[0].value


def _charts() -> None:
    import numpy as np
    import pandas as pd
    import streamlit as st

    from app_pages.workbench_display import (
        competency_curves_chart,
        option_colours,
        theta_histogram_chart,
    )

    codes = ["A", "B", "C", "D"]
    st.line_chart(pd.DataFrame(np.ones((3, 4)), columns=codes), color=option_colours(codes))
    theta = np.random.default_rng(1).normal(size=(50, 5))
    st.altair_chart(theta_histogram_chart(theta, ["s", "r", "c", "e", "i"]))
    grid = np.linspace(-4, 4, 9)
    names = ["service_orientation", "resilience", "composure", "empathy", "integrity"]
    st.altair_chart(competency_curves_chart(dict.fromkeys(names, grid**2), grid, "information"))


def test_options_use_okabe_ito_and_theta_is_faceted() -> None:
    app = AppTest.from_function(_charts, default_timeout=120).run()
    lines, histogram, curves = chart_specs(app)
    colours = json.dumps(lines)
    for hex_colour in ("#E69F00", "#56B4E9", "#009E73", "#F0E442"):
        assert hex_colour in colours
    assert histogram["facet"]["column"]["field"] == "competency"
    assert histogram["facet"]["column"]["sort"] == ["s", "r", "c", "e", "i"]
    assert histogram["spec"]["encoding"]["y"]["stack"] is None
    assert histogram["spec"]["encoding"]["y2"] == {"datum": 0}  # bars, not dots at the tops
    # The competencies' legend wraps in rows and never cuts a name ("service_o…" before).
    legend = curves["encoding"]["color"]["legend"]
    assert (legend["labelLimit"], legend["columns"], legend["orient"]) == (0, 3, "bottom")
    assert curves["encoding"]["color"]["sort"][0] == "service_orientation"
    assert len(np.unique([row["competency"] for row in histogram_rows(app)])) == 5


def histogram_rows(app: AppTest) -> list[dict]:
    chart = [
        e for e in app.main.children.values() if getattr(e, "type", None) == "vega_lite_chart"
    ][1]
    import pyarrow as pa

    table = pa.ipc.open_stream(chart.proto.datasets[0].data.data).read_all()
    return table.to_pylist()


def _upload() -> None:
    from app_pages.workbench_display import read_upload

    read_upload(b"candidate_id,not_an_item\nc1,A\n", "mine.csv")


def test_upload_errors_say_what_to_change_in_the_file(app_store: Store) -> None:
    app = AppTest.from_function(_upload, default_timeout=120).run()
    assert "cannot be used" in app.error[0].value
    message = app.code[0].value
    assert "not_an_item" in message
    assert "--item-map" not in message
    assert "MAP.csv" not in message
    assert "rename these columns in the file" in message


def _upload_semicolons() -> None:
    from app_pages.workbench_display import read_upload

    header = ";".join(["candidate_id"] + [f"SO-{n:03d}" for n in range(1, 301)])
    read_upload(f"{header}\nc1;A\n".encode(), "excel.csv")


def test_an_upload_separated_by_semicolons_is_named_in_one_short_line(app_store: Store) -> None:
    app = AppTest.from_function(_upload_semicolons, default_timeout=120).run()
    assert "cannot be used" in app.error[0].value
    message = app.code[0].value
    assert message.startswith("line 1: the columns are separated by semicolons (';')")
    assert "\n" not in message
    assert "SO-300" not in message


def _upload_same_pick_twice() -> None:
    from app_pages.workbench_display import read_upload

    rows = ["candidate_id,SO-001,SO-002.most,SO-002.least"]
    rows += [f"c{n},A,B,D" for n in range(1, 5)] + ["c5,A,C,C"]
    read_upload("\n".join(rows).encode(), "picks.csv")


def test_an_upload_with_one_option_picked_as_most_and_least_is_refused_on_upload(
    app_store: Store,
) -> None:
    """Checked when the file is read, as sjt calibrate does, not after Run."""
    app = AppTest.from_function(_upload_same_pick_twice, default_timeout=120).run()
    assert "cannot be used" in app.error[0].value
    message = app.code[0].value
    assert "item SO-002, row 5 (candidate 'c5')" in message
    assert "the same option is picked as most and as least" in message
    assert "Error" not in message


@pytest.mark.slow
def test_the_review_of_a_synthetic_calibration_explains_itself(app_store: Store) -> None:
    app = open_page(StaffUser("psy", "psychometrician"))
    app.default_timeout = 240  # the review of 210 items is drawn in one run; a shared CPU
    synthetic = next(o for o in app.radio[0].options if "Synthetic" in o)
    app.radio[0].set_value(synthetic).run()
    next(b for b in app.button if b.label == "Run calibration").click().run()
    deadline = time.monotonic() + 400
    while "Calibration finished" not in all_text(app) and time.monotonic() < deadline:
        time.sleep(2)
        app.run()
    assert "Calibration finished" in all_text(app)
    for frame in app.dataframe:
        assert "None" not in frame.value.to_string()
    assert MISSING_NOTE in all_text(app)
    specs = [json.dumps(spec) for spec in chart_specs_anywhere(app)]
    assert any('"#E69F00", "#56B4E9"' in spec for spec in specs)
    assert any('"facet"' in spec and "competency" in spec for spec in specs)


def chart_specs_anywhere(app: AppTest) -> list[dict]:
    found: list[dict] = []

    def walk(node: object) -> None:
        if getattr(node, "type", None) == "vega_lite_chart":
            found.append(json.loads(node.proto.spec))  # type: ignore[attr-defined]
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(app.main)
    return found


@pytest.mark.parametrize("source", ["Upload a CSV", "renorm"])
def test_an_upload_with_an_unknown_form_is_refused_on_upload_with_its_line(
    app_store: Store, source: str
) -> None:
    """A ``_form`` cell other than adaptive or fixed ended the Calibrate tab with a traceback
    (the check ran after the upload's other checks, outside their handling); it is now one
    of the upload's problems, with its line and candidate, on both pages that take a file."""
    app = AppTest.from_file(PAGE, default_timeout=60)
    sign_in_as(app, get_store(), "psy", "psychometrician")
    if source == "renorm":
        app.session_state["renorm_source"] = "A response CSV"
    else:
        app.session_state["cal_source"] = source
    app.run()
    rows = "candidate_id,SO-001,_form\nc1,A,adaptive\nc2,B,bogus\n"
    uploader = app.file_uploader[-1 if source == "renorm" else 0]
    uploader.set_value(("forms.csv", rows.encode(), "text/csv"))
    app.run()
    if source == "renorm":
        next(b for b in app.button if b.label == "Preview re-norm").click().run()
    assert not app.exception
    assert [e.value for e in app.error] == ["forms\\.csv cannot be used:"]
    assert [c.value for c in app.code] == [
        "line 3, candidate 'c2', column '_form': form must be one of adaptive, fixed, got 'bogus'"
    ]
