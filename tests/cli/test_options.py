"""The CLI's choice enums offer exactly the service layer's vocabulary."""

from __future__ import annotations

from assessment.vocabulary import FORMS, LANGUAGES
from cli.options import FormChoice, LanguageChoice


def test_language_choices_are_the_language_vocabulary() -> None:
    assert tuple(choice.value for choice in LanguageChoice) == LANGUAGES


def test_form_choices_are_the_form_vocabulary() -> None:
    assert tuple(choice.value for choice in FormChoice) == FORMS
