"""The consent notice a candidate reads before the test, filled in from the organisation settings.

The notice names who is responsible for the data (the employer), the purpose, how long the
data are kept and whom to contact; each comes from ``assessment.settings`` in English and
Chinese. ``consent_notice`` returns the notice as plain-text sections; the page shows them and
the store keeps the text exactly as shown with the consent record.
"""

from __future__ import annotations

from dataclasses import dataclass

from assessment.settings import Settings
from assessment.vocabulary import Language

_WORDING: dict[str, dict[str, str]] = {
    "intro": {
        "en": (
            "This test shows short situations from customer-service work and asks which "
            "responses you find most (and sometimes least) effective. There are no trick "
            "questions."
        ),
        "zh": (
            "本测验呈现客户服务工作中的一些简短情境，请你判断哪些应对方式最有效（有时也要判断"
            "哪种最不恰当）。题目没有陷阱。"
        ),
    },
    "who_title": {"en": "Who is responsible for your data", "zh": "谁负责你的数据"},
    "who_named": {
        "en": "{employer}, who invited you to this test.",
        "zh": "{employer}，即邀请你参加本测验的用人单位。",
    },
    "who_unnamed": {
        "en": "The employer who invited you to this test.",
        "zh": "邀请你参加本测验的用人单位。",
    },
    "purpose_title": {"en": "Why your data are used", "zh": "数据用途"},
    "purpose_default": {
        "en": (
            "Your answers and response times produce a profile of your judgement in "
            "customer-service situations for this recruitment."
        ),
        "zh": (
            "你的作答和作答时间将用于生成一份关于你在客户服务情境中判断能力的概况，供本次招聘使用。"
        ),
    },
    "purpose_always": {
        "en": (
            "The profile is one input among several: it is never the only basis for a hiring "
            "decision and a person always reviews it. Without your name, the answers also help "
            "to improve the test."
        ),
        "zh": (
            "该概况只是参考信息之一，绝不会作为录用决定的唯一依据，且始终由人工审阅。"
            "在去除姓名后，作答也会用于改进测验。"
        ),
    },
    "retention_title": {"en": "How long your data are kept", "zh": "数据保存期限"},
    "retention": {
        "en": (
            "Your name and e-mail address are deleted {months} months after your last activity "
            "in this test. Answers and scores without your name are kept to improve the test."
        ),
        "zh": (
            "你的姓名和电子邮箱会在你最后一次使用本测验 {months} 个月后删除。"
            "去除姓名后的作答和分数将保留，用于改进测验。"
        ),
    },
    "contact_title": {"en": "Your rights", "zh": "你的权利"},
    "contact_named": {
        "en": "You may ask for a copy of your data or for its deletion: {contact}.",
        "zh": "你可以索取你的数据副本或要求删除：{contact}。",
    },
    "contact_unnamed": {
        "en": "You may ask the employer who invited you for a copy of your data or its deletion.",
        "zh": "你可以向邀请你的用人单位索取你的数据副本或要求删除。",
    },
}


@dataclass(frozen=True)
class ConsentNotice:
    """The notice in one language: its sections, and the settings it was filled in from."""

    language: Language
    intro: str
    sections: tuple[tuple[str, str], ...]
    """(heading, text) of each section, in order."""
    employer: str | None
    purpose: str
    retention_months: int
    contact: str | None

    @property
    def text(self) -> str:
        """The whole notice as plain text, as stored with the consent record."""
        parts = [self.intro, *(f"{heading}: {body}" for heading, body in self.sections)]
        return "\n\n".join(parts)


def _sentence(text: str, language: Language) -> str:
    """``text`` ending with a full stop (an organisation's purpose may be written without)."""
    text = text.strip()
    if text.endswith((".", "!", "?", "。", "！", "？")):
        return text
    return text + ("。" if language == "zh" else ".")


def consent_notice(settings: Settings, language: Language) -> ConsentNotice:
    """The consent notice in ``language`` for the organisation described by ``settings``."""

    def say(key: str, **values: object) -> str:
        return _WORDING[key][language].format(**values)

    employer = settings.employer(language)
    purpose = settings.purpose(language) or say("purpose_default")
    contact = settings.privacy_contact
    months = settings.retention_months
    gap = "" if language == "zh" else " "
    sections = (
        (say("who_title"), say("who_named", employer=employer) if employer else say("who_unnamed")),
        (say("purpose_title"), _sentence(purpose, language) + gap + say("purpose_always")),
        (say("retention_title"), say("retention", months=months)),
        (
            say("contact_title"),
            say("contact_named", contact=contact) if contact else say("contact_unnamed"),
        ),
    )
    return ConsentNotice(language, say("intro"), sections, employer, purpose, months, contact)


__all__ = ["ConsentNotice", "consent_notice"]
