"""The wording file loads strictly, in both languages, and reports every problem at once."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
import yaml

from reports.errors import WordingError
from reports.profile import QUALITY_FLAGS
from reports.wording import DEFAULT_WORDING, PLACEHOLDERS, Wording, load_wording


def test_packaged_wording_has_every_flag_band_and_section_in_both_languages(
    wording: Wording,
) -> None:
    for lang in ("en", "zh"):
        words = wording.get(lang)
        assert all(words.profile.flags.get(flag) for flag in QUALITY_FLAGS)
        assert all(getattr(words.bands, band) for band in ("low", "typical", "high"))
        assert words.profile.sections.responsible_use
    assert wording.get("zh").profile.sections.summary == "总体结论"
    assert wording.get("en").profile.title == "Candidate profile"


def test_each_flag_label_starts_its_explanation(wording: Wording) -> None:
    """The summary panel names a flag by its label; the data-quality section explains it
    under the same label."""
    for lang, colon in (("en", ":"), ("zh", "：")):
        words = wording.get(lang).profile
        for flag in QUALITY_FLAGS:
            assert words.flags.get(flag).startswith(words.flag_labels.get(flag) + colon), flag


def test_every_template_fills_with_its_documented_placeholders(wording: Wording) -> None:
    for lang in ("en", "zh"):
        data = wording.get(lang).model_dump()
        for path, allowed in PLACEHOLDERS.items():
            text = data
            for part in path.split("."):
                text = text[part]
            used = {name for _, name, _, _ in string.Formatter().parse(text) if name}
            assert used <= allowed
            assert text.format(**dict.fromkeys(allowed, "X"))


def test_default_wording_is_loaded_once(wording: Wording) -> None:
    assert load_wording() is load_wording()
    assert load_wording(DEFAULT_WORDING) == wording


def test_broken_wording_lists_every_problem_with_the_file(tmp_path: Path) -> None:
    data = yaml.safe_load(DEFAULT_WORDING.read_text(encoding="utf-8"))
    data["en"]["profile"]["technical"] = "Estimated by {method} with {secret_sauce}."
    del data["zh"]["profile"]["flags"]["too_fast"]
    data["en"]["profile"]["colour"] = "blue"
    data["zh"]["page"] = "第 {page 页"
    file = tmp_path / "wording.yaml"
    file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(WordingError) as caught:
        load_wording(file)
    message = str(caught.value)
    assert "wording.yaml" in message
    assert "secret_sauce" in message
    assert "zh.profile.flags.too_fast" in message
    assert "en.profile.colour" in message
    assert "zh.page: malformed template" in message
    assert len(caught.value.problems) == 4


def test_unreadable_wording_file_is_a_wording_error(tmp_path: Path) -> None:
    with pytest.raises(WordingError, match="cannot be read"):
        load_wording(tmp_path / "missing.yaml")
    (tmp_path / "list.yaml").write_text("- en\n- zh\n", encoding="utf-8")
    with pytest.raises(WordingError, match="must be a mapping"):
        load_wording(tmp_path / "list.yaml")
