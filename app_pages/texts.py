"""Candidate-facing interface texts in English and Simplified Chinese."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "title": {"en": "Customer service situational judgement test", "zh": "客户服务情境判断测验"},
    "choose_language": {"en": "Choose your language", "zh": "请选择语言"},
    "continue": {"en": "Continue", "zh": "继续"},
    "consent_title": {"en": "Before you start", "zh": "开始之前"},
    "consent_check": {
        "en": "I have read this notice and agree to take the test.",
        "zh": "我已阅读以上说明，同意参加测验。",
    },
    "consent_needed": {
        "en": "Please tick the box to agree before continuing.",
        "zh": "请先勾选同意，再继续。",
    },
    "instructions_title": {"en": "How it works", "zh": "作答说明"},
    "instructions_body": {
        "en": (
            "- Read each situation and the four possible responses.\n"
            "- Some questions ask for the **most effective** response; others ask for the "
            "**most** and the **least** effective.\n"
            "- Judge how effective each response would be in the situation described. Each "
            "answer is saved as soon as you press *Next*; you can close the page and continue "
            "later with the same link.\n"
            "- The number of questions adapts to your answers, so it may differ between people.\n"
            "- You can use the keyboard alone: Tab moves to a group of responses, the arrow "
            "keys choose a response and Enter sends your answer."
        ),
        "zh": (
            "- 阅读每个情境及四个可能的应对方式。\n"
            "- 有些题目请你选出**最有效**的应对；有些请你同时选出**最有效**和**最不恰当**的应对。\n"
            "- 请判断在所描述的情境中各种应对的效果。每点击一次“下一题”，答案就会立即保存；你可以"
            "随时关闭页面，之后用同一链接继续。\n"
            "- 题目数量会根据作答情况调整，因此每个人的题量可能不同。\n"
            "- 可以只用键盘作答：Tab 键移到一组选项，方向键选择，回车键提交答案。"
        ),
    },
    "practice_title": {"en": "Practice question (not scored)", "zh": "练习题（不计分）"},
    "practice_scenario": {
        "en": (
            "A customer at the counter says the parcel she is collecting has the wrong name on "
            "the label. Her ID matches the tracking number."
        ),
        "zh": "一位顾客在柜台取件时说包裹标签上的姓名写错了，但她的证件与运单号相符。",
    },
    "practice_options": {
        "en": (
            "Refuse to release the parcel until the sender corrects the label.|"
            "Check the tracking details with her, note the label error and hand over the parcel.|"
            "Hand the parcel over without checking anything to save time.|"
            "Tell her to call the courier's hotline and come back another day."
        ),
        "zh": (
            "在寄件人更正标签之前，拒绝交付包裹。|"
            "与她一起核对运单信息，记录标签错误后交付包裹。|"
            "为节省时间，不做任何核对直接交付包裹。|"
            "让她先打快递公司热线，改天再来。"
        ),
    },
    "practice_best": {"en": "B", "zh": "B"},
    "practice_check": {"en": "Check my answer", "zh": "查看反馈"},
    "practice_right": {
        "en": "Well chosen: B is the most effective response.",
        "zh": "选得好：B 是最有效的应对。",
    },
    "practice_wrong": {
        "en": "You chose {choice}. The most effective response is B.",
        "zh": "你选择了 {choice}。最有效的应对是 B。",
    },
    "practice_why": {
        "en": (
            "B checks that the parcel is hers, solves her problem now and records the label "
            "error so that it can be corrected. A and D send her away although her ID matches; "
            "C skips the check that protects her and other customers."
        ),
        "zh": (
            "B 既核实了包裹确实属于她，又当场解决了问题，还记录了标签错误以便更正。A 和 D 在她"
            "证件相符的情况下仍让她空手而归；C 省去了保护她和其他顾客的核对步骤。"
        ),
    },
    "practice_after": {
        "en": "In the test itself you will not see feedback after each question.",
        "zh": "正式测验中，每题作答后不会显示反馈。",
    },
    "start_test": {"en": "Start the test", "zh": "开始正式测验"},
    "question": {"en": "Question {n}", "zh": "第 {n} 题"},
    "progress": {"en": "{answered} answered", "zh": "已答 {answered} 题"},
    "time_left_minutes": {"en": "Time left: {minutes} min", "zh": "剩余时间：{minutes} 分钟"},
    "time_left_seconds": {"en": "Time left: {clock}", "zh": "剩余时间：{clock}"},
    "time_rule": {
        "en": (
            "When the time is up the test ends by itself: every answer you have sent with "
            "Next counts; a choice not yet sent does not."
        ),
        "zh": "时间到后测验会自动结束：已点击“下一题”提交的答案都有效，尚未提交的选择不计入。",
    },
    "time_intro": {
        "en": (
            "You have {minutes} minutes for the test. The time starts when you press "
            "*Start the test*; a timer above each question shows how much is left."
        ),
        "zh": "本测验限时 {minutes} 分钟，点击“开始正式测验”后开始计时；每道题上方会显示剩余时间。",
    },
    "best_prompt": {
        "en": "Which response is the most effective?",
        "zh": "哪种应对方式最有效？",
    },
    "most_prompt": {"en": "Most effective response", "zh": "最有效的应对"},
    "least_prompt": {"en": "Least effective response", "zh": "最不恰当的应对"},
    "next": {"en": "Next", "zh": "下一题"},
    "choose_one": {"en": "Please choose a response.", "zh": "请选择一个选项。"},
    "choose_both": {
        "en": "Please choose a most and a different least effective response.",
        "zh": "请分别选出最有效和最不恰当的应对（两者不能相同）。",
    },
    "saved": {"en": "Answer saved.", "zh": "答案已保存。"},
    "complete_title": {"en": "Thank you — you have finished", "zh": "感谢作答，测验已完成"},
    "complete_body": {
        "en": (
            "Your answers have been submitted. The employer who invited you will be in touch "
            "about the next steps. You can close this window."
        ),
        "zh": "你的答案已提交。邀请你的用人单位会就后续安排与你联系。现在可以关闭此页面。",
    },
    "time_up": {
        "en": "The time limit was reached: the answers you sent before then have been submitted.",
        "zh": "已到测验时限：在此之前提交的答案均已提交。",
    },
    "groups_title": {
        "en": "Optional: help us check that the test is fair",
        "zh": "可选：帮助我们检验测验是否公平",
    },
    "groups_body": {
        "en": (
            "These questions are voluntary and do not affect your result. Your answers are "
            "stored separately from your scores, are never shown to the employer, and are only "
            "used in anonymous statistics that check whether any group is disadvantaged."
        ),
        "zh": (
            "以下问题完全自愿，不影响你的结果。你的回答与成绩分开保存，绝不会提供给用人单位，"
            "仅用于匿名统计，以检验测验是否对某些群体不利。"
        ),
    },
    "groups_skip": {"en": "— (no answer)", "zh": "—（不回答）"},
    "groups_submit": {"en": "Send", "zh": "提交"},
    "groups_thanks": {
        "en": "Thank you. Your answers to the optional questions were saved.",
        "zh": "谢谢！你对可选问题的回答已保存。",
    },
    "field_gender": {"en": "Gender", "zh": "性别"},
    "field_age_band": {"en": "Age", "zh": "年龄"},
    "field_first_language": {"en": "First language", "zh": "母语"},
    "link_problem_title": {"en": "This link cannot be used", "zh": "此链接无法使用"},
    "link_unknown": {
        "en": (
            "We could not find a test for this link. Please check that you copied the whole "
            "link, or ask the person who invited you for a new one."
        ),
        "zh": "未找到与此链接对应的测验。请确认链接复制完整，或联系邀请你的人重新发送。",
    },
    "link_expired": {
        "en": "This invitation has expired. Please ask the person who invited you for a new link.",
        "zh": "此邀请已过期。请联系邀请你的人重新发送链接。",
    },
    "link_throttled": {
        "en": (
            "We could not find a test for this link, and many links that do not exist were "
            "tried recently. Please check that you copied the whole link from your invitation; "
            "a correct link always works."
        ),
        "zh": (
            "未找到与此链接对应的测验，且近期有大量无效链接被尝试。"
            "请确认已完整复制邀请中的链接；正确的链接始终可以使用。"
        ),
    },
    "link_used": {
        "en": "This test has already been completed. Thank you for taking part.",
        "zh": "此测验已经完成，感谢你的参与。",
    },
    "retry": {
        "en": "We could not save just now. Your earlier answers are safe — please try again.",
        "zh": "暂时无法保存。你之前的答案都已安全保存，请稍后重试。",
    },
    "no_model": {
        "en": "The test is not available at the moment. Please try again later.",
        "zh": "测验暂时无法使用，请稍后再试。",
    },
}


GROUP_VALUES_ZH: dict[str, str] = {
    "woman": "女",
    "man": "男",
    "another gender": "其他性别",
    "prefer not to say": "不愿透露",
    "under 25": "25 岁以下",
    "25-39": "25–39 岁",
    "40-54": "40–54 岁",
    "55 or over": "55 岁及以上",
    "Chinese": "中文",
    "English": "英文",
    "another language": "其他语言",
}


def group_value(value: str, lang: str) -> str:
    """Display form of a group answer option (values are stored in English)."""
    return GROUP_VALUES_ZH.get(value, value) if lang == "zh" else value


def text(key: str, lang: str, **values: object) -> str:
    """The interface text ``key`` in ``lang`` with ``{placeholders}`` filled."""
    entry = TEXTS[key]
    value = entry.get(lang) or entry["en"]
    return value.format(**values) if values else value
