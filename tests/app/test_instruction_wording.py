"""One response instruction everywhere: most / least effective (最有效 / 最不恰当), never
"answer as you would act" (knowledge instructions, McDaniel et al. 2007)."""

from __future__ import annotations

import re
from pathlib import Path

from app_pages.texts import TEXTS

ROOT = Path(__file__).resolve().parents[2]
BEHAVIOURAL_EN = re.compile(r"as you would|actually act|would you do|what you would do", re.I)
OTHER_ZH = ("最无效", "真实会怎么做", "你会怎么做", "您会怎么做", "最差")


def test_candidate_texts_use_knowledge_instructions_only() -> None:
    for key, texts in TEXTS.items():
        assert not BEHAVIOURAL_EN.search(texts["en"]), key
        assert not any(phrase in texts["zh"] for phrase in OTHER_ZH), key


def test_the_least_prompt_is_the_same_pair_in_both_languages() -> None:
    assert TEXTS["least_prompt"] == {"en": "Least effective response", "zh": "最不恰当的应对"}
    assert TEXTS["most_prompt"] == {"en": "Most effective response", "zh": "最有效的应对"}
    for key in ("instructions_body", "choose_both"):
        assert "least" in TEXTS[key]["en"].lower(), key
        assert "最有效" in TEXTS[key]["zh"], key
        assert "最不恰当" in TEXTS[key]["zh"], key


def test_readme_and_reports_do_not_ask_how_candidates_would_act() -> None:
    files = [ROOT / "README.md", *sorted((ROOT / "reports").glob("*.yaml"))]
    for file in files:
        text = file.read_text(encoding="utf-8")
        assert not BEHAVIOURAL_EN.search(text), file.name
        assert not any(phrase in text for phrase in OTHER_ZH[:2]), file.name
