"""A psychometrician signs in and runs one calibration in Chromium."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from assessment.access.accounts import add_user
from assessment.demo import seed_demo
from cli.main import app
from items import load_bank
from tests.browser.candidate import wait
from tests.browser.conftest import READY, Server
from tests.browser.staff import open_page, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_psychometrician_runs_a_calibration(server: Server, browser: Any, tmp_path: Path) -> None:
    seed_demo(server.store, load_bank(), 10, seed=31)
    model = tmp_path / "synthetic.json"
    data = tmp_path / "responses.csv"
    for args in (
        ["bank", "synthetic-model", "--out", str(model)],
        ["simulate", "--model", str(model), "--n", "400", "--seed", "4", "--out", str(data)],
    ):
        assert CliRunner().invoke(app, args).exit_code == 0
    add_user(server.store, "psy-browser", "correct horse battery", "psychometrician")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, server.url, "psy-browser", "correct horse battery")
    open_page(page, "Calibration")
    page.get_by_text(re.compile(r"\d+ completed sessions")).wait_for(timeout=30_000)
    page.get_by_text("Upload a CSV").click()
    wait(page)
    page.locator('input[type="file"]').set_input_files(str(data))
    page.get_by_text(re.compile("options are chosen by fewer than 5%|Model")).first.wait_for()
    wait(page)
    page.get_by_role("button", name="Run calibration").click()
    page.get_by_text("Calibration finished").wait_for(timeout=240_000)
    page.get_by_role("tab", name="Review").click()
    # the review of 400 candidates × 210 items is drawn in one run: on a shared CPU it can
    # take longer than the minute ``wait`` allows
    page.wait_for_selector(READY, timeout=180_000)
    wait(page)
    assert page.get_by_text("Marginal reliability").count() >= 1
    assert page.get_by_text("Compared with the active version").count() >= 1
    assert page.get_by_text("Item parameters with standard errors").count() >= 1
    assert page.get_by_text("Empirical key against the SME key").count() >= 1
    plot = page.get_by_text("Observed and expected option shares")
    plot.scroll_into_view_if_needed()
    page.locator("canvas, svg.marks").first.wait_for(timeout=30_000)
    wait(page)
    shot = tmp_path / "workbench-review.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000  # a rendered page, not a blank one
    page.close()
