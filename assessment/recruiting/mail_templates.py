"""The invitation and reminder e-mails in English and Chinese: subject, plain text and HTML.

Every message names the link, how long it stays valid (or when a timed sitting ends), the time
limit with any extra time agreed for the candidate, and whom to contact for adjustments. User
text (the candidate's name, the contact) is inserted as plain text in the text part and
HTML-escaped in the HTML part; the link is attribute-escaped. Times are given in UTC.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Literal

from assessment.persistence.mail_store import MailTarget
from assessment.recruiting.mail_settings import SmtpSettings

Template = Literal["invitation", "reminder_invited", "reminder_started"]
MAX_SHOWN_NAME = 120

_MONTHS_EN = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "subject.invitation": "Your invitation to the customer-service situational-judgement test",
        "subject.reminder_invited": "Reminder: your situational-judgement test is waiting",
        "subject.reminder_started": "Reminder: please finish your situational-judgement test",
        "greeting": "Dear {name},",
        "greeting_anonymous": "Hello,",
        "intro.invitation": (
            "you are invited to take a situational-judgement test as part of your application. "
            "It shows short situations from customer service and asks which responses you "
            "think work best. There are no trick questions."
        ),
        "intro.reminder_invited": (
            "this is a friendly reminder: you have not started the situational-judgement test yet."
        ),
        "intro.reminder_started": (
            "you have started the situational-judgement test but not finished it yet. Your "
            "answers so far are saved: the link takes you back to where you left off."
        ),
        "action.start": "Start the test",
        "action.continue": "Continue the test",
        "link_note": "The link is personal; please do not pass it on.",
        "valid_until": "The link is valid until {when}.",
        "ends_at": "Your time for the test ends at {when}.",
        "no_limit": "There is no time limit.",
        "limit": "Once you start, you have {minutes} minutes to finish.",
        "extra_time": (
            "This includes the extra time agreed for you ({base} minutes × {multiplier})."
        ),
        "resume": (
            "Your answers are saved as you go: if you close the browser, the same link takes "
            "you back to where you left off."
        ),
        "adjustments": (
            "If you need an adjustment to take the test, for example extra time, a screen "
            "reader, larger text or breaks, please contact {contact} before you start."
        ),
        "closing": "Kind regards",
        "footer": "You receive this e-mail because you applied for a customer-service role.",
        "utc": "{date}, {time} UTC",
    },
    "zh": {
        "subject.invitation": "邀请您参加客户服务情境判断测验",
        "subject.reminder_invited": "提醒：您的情境判断测验尚未开始",
        "subject.reminder_started": "提醒：请完成您的情境判断测验",
        "greeting": "{name}，您好：",
        "greeting_anonymous": "您好：",
        "intro.invitation": (
            "诚邀您参加情境判断测验，这是您应聘流程的一部分。测验呈现客户服务中的简短情境，"
            "请您选择您认为最有效的应对方式。题目中没有陷阱。"
        ),
        "intro.reminder_invited": "温馨提醒：您尚未开始情境判断测验。",
        "intro.reminder_started": (
            "您已开始情境判断测验，但尚未完成。您已作答的内容均已保存，通过下方链接即可从上次中断的地方继续。"
        ),
        "action.start": "开始测验",
        "action.continue": "继续测验",
        "link_note": "此链接仅供您本人使用，请勿转发他人。",
        "valid_until": "链接有效期至 {when}。",
        "ends_at": "您的测验时间截止于 {when}。",
        "no_limit": "本测验不限时。",
        "limit": "开始后，您有 {minutes} 分钟完成测验。",
        "extra_time": "其中包含为您安排的延长时间（{base} 分钟 × {multiplier}）。",
        "resume": "您的作答会随时保存：如果关闭了浏览器，用同一链接即可回到上次中断的地方。",
        "adjustments": (
            "如果您需要调整测验安排（例如延长时间、使用读屏软件、放大字体或中途休息），"
            "请在开始前联系 {contact}。"
        ),
        "closing": "此致\n敬礼",
        "footer": "您收到此邮件，是因为您应聘了客户服务岗位。",
        "utc": "{date} {time}（UTC）",
    },
}
"""The wording of the e-mails; ``{placeholders}`` are filled in by ``compose``."""


@dataclass(frozen=True)
class MailContent:
    """One e-mail before addressing: subject, plain-text body and HTML body."""

    subject: str
    text: str
    html: str
    language: str


def format_when(moment: dt.datetime, language: str) -> str:
    """A moment in UTC as a reader of ``language`` writes it."""
    moment = moment.astimezone(dt.UTC)
    clock = f"{moment.hour:02d}:{moment.minute:02d}"
    if language == "zh":
        date = f"{moment.year}年{moment.month}月{moment.day}日"
    else:
        date = f"{moment.day} {_MONTHS_EN[moment.month - 1]} {moment.year}"
    return WORDS[language]["utc"].format(date=date, time=clock)


def _number(value: float) -> str:
    return f"{value:g}"


def _timing(target: MailTarget, words: dict[str, str], template: Template) -> list[str]:
    """Sentences on validity and time: the end of a timed sitting, or the link's expiry and
    the time limit (with extra time)."""
    lang = target.language
    if template == "reminder_started":
        if target.deadline_at is not None:
            return [words["ends_at"].format(when=format_when(target.deadline_at, lang))]
        return []
    lines = [words["valid_until"].format(when=format_when(target.expires_at, lang))]
    if not target.time_limit_minutes:
        lines.append(words["no_limit"])
        return lines
    # whole minutes, rounded down: the candidate never has less than the number printed
    minutes = math.floor(target.time_limit_minutes * target.time_multiplier + 1e-9)
    lines.append(words["limit"].format(minutes=minutes))
    if target.time_multiplier > 1.0:
        lines.append(
            words["extra_time"].format(
                base=target.time_limit_minutes, multiplier=_number(target.time_multiplier)
            )
        )
    return lines


def template_for(kind: str, target: MailTarget) -> Template:
    """The template of an e-mail ``kind`` ("invitation" or "reminder") for ``target``."""
    if kind == "invitation":
        return "invitation"
    return "reminder_started" if target.state == "started" else "reminder_invited"


def compose(template: Template, target: MailTarget, link: str, contact: str) -> MailContent:
    """The e-mail of ``template`` about ``target`` with ``link``, in the invitation's language."""
    lang = target.language if target.language in WORDS else "en"
    words = WORDS[lang]
    name = " ".join((target.name or "").split())[:MAX_SHOWN_NAME]
    greeting = words["greeting"].format(name=name) if name else words["greeting_anonymous"]
    action = words["action.continue" if template == "reminder_started" else "action.start"]
    paragraphs = [words[f"intro.{template}"]]
    timing = _timing(target, words, template)
    notes = [words["link_note"], *timing]
    if template != "reminder_started":
        notes.append(words["resume"])
    adjustments = words["adjustments"].format(contact=contact)
    text = "\n\n".join(
        [
            greeting,
            *paragraphs,
            f"{action}:\n{link}",
            " ".join(notes) if lang == "en" else "".join(notes),
            adjustments,
            words["closing"],
            f"-- \n{words['footer']}",
        ]
    )
    e = html.escape
    body = "".join(
        [
            f"<p>{e(greeting)}</p>",
            *(f"<p>{e(paragraph)}</p>" for paragraph in paragraphs),
            f'<p><a href="{e(link, quote=True)}"><strong>{e(action)}</strong></a><br>',
            f'<span style="font-size:90%">{e(link)}</span></p>',
            "<p>" + e(" ".join(notes) if lang == "en" else "".join(notes)) + "</p>",
            f"<p>{e(adjustments)}</p>",
            "<p>" + "<br>".join(e(line) for line in words["closing"].split("\n")) + "</p>",
            f'<p style="color:#5a6675;font-size:85%">{e(words["footer"])}</p>',
        ]
    )
    page = (
        f'<!DOCTYPE html><html lang="{"zh-Hans" if lang == "zh" else "en"}"><head>'
        '<meta charset="utf-8"></head><body style="font-family:sans-serif;line-height:1.5">'
        f"{body}</body></html>"
    )
    return MailContent(words[f"subject.{template}"], text + "\n", page, lang)


def build_message(
    content: MailContent,
    settings: SmtpSettings,
    recipient_name: str | None,
    recipient_address: str,
    now: dt.datetime,
) -> EmailMessage:
    """A MIME message (plain text with an HTML alternative) from the sender to the recipient.

    Header values are built with ``email.headerregistry`` from single-line text, so a name
    cannot inject headers.
    """
    message = EmailMessage()
    message["Subject"] = content.subject
    message["From"] = settings.sender
    display = " ".join((recipient_name or "").split())[:MAX_SHOWN_NAME]
    message["To"] = Address(display_name=display, addr_spec=recipient_address)
    if settings.contact != settings.sender_address and "@" in settings.contact:
        message["Reply-To"] = settings.contact
    message["Date"] = format_datetime(now.astimezone(dt.UTC))
    message["Message-ID"] = make_msgid(domain=settings.sender_address.rsplit("@", 1)[-1])
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(content.text, charset="utf-8")
    message.add_alternative(content.html, subtype="html", charset="utf-8")
    message["Content-Language"] = "zh-Hans" if content.language == "zh" else "en"
    return message


__all__ = [
    "WORDS",
    "MailContent",
    "Template",
    "build_message",
    "compose",
    "format_when",
    "template_for",
]
