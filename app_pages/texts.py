"""Candidate-facing interface texts in English and Simplified Chinese.

The texts live in ``texts.yaml`` beside this module (a translator edits data, not code); they
are read once, on import, and every entry must have both languages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

TEXTS_FILE = Path(__file__).with_name("texts.yaml")
_TEXT_LANGUAGES = ("en", "zh")


def _strings(where: str, entry: Any) -> dict[str, str]:
    if not isinstance(entry, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in entry.items()
    ):
        raise ValueError(f"{TEXTS_FILE}: {where} must map names to texts")
    return entry


def load_texts(path: Path) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """The interface texts (key → language → text) and the Chinese group answers."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected the sections 'texts' and 'group_values_zh'")
    texts = {key: _strings(f"texts.{key}", entry) for key, entry in data["texts"].items()}
    for key, entry in texts.items():
        if set(entry) != set(_TEXT_LANGUAGES):
            raise ValueError(f"{path}: texts.{key} needs exactly the languages en and zh")
    return texts, _strings("group_values_zh", data["group_values_zh"])


TEXTS, GROUP_VALUES_ZH = load_texts(TEXTS_FILE)


def group_value(value: str, lang: str) -> str:
    """Display form of a group answer option (values are stored in English)."""
    return GROUP_VALUES_ZH.get(value, value) if lang == "zh" else value


def text(key: str, lang: str, **values: object) -> str:
    """The interface text ``key`` in ``lang`` with ``{placeholders}`` filled."""
    entry = TEXTS[key]
    value = entry.get(lang) or entry["en"]
    return value.format(**values) if values else value
