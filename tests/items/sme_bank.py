"""A small synthetic bank and a seeded synthetic SME panel, for the SME workflow tests.

Item files are written by hand in the layout of the real bank (folded scenario, quoted option
texts, a comment), so tests can check that applying a panel's credits keeps that layout.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

TOPICS = (
    ("a delayed parcel that was promised for the weekend", "周末前承诺送到的包裹延误了"),
    ("a double charge on the monthly phone bill", "这个月话费被重复扣了一次"),
    ("a voucher that the checkout page refuses to accept", "结账页面不认可领到的优惠券"),
    ("a repair visit that never happened on Tuesday", "周二约好的上门维修没有来"),
    ("a size exchange for shoes bought during a sale", "促销时买的鞋子想换尺码"),
    ("a password reset code that never arrives by text", "短信收不到重置密码的验证码"),
    ("a cancelled flight refund handled by a partner", "合作方负责的航班取消退款"),
    ("a broadband speed far below the advertised plan", "宽带网速远低于套餐宣传"),
)
CURRENT = {  # credits A–D in the files before the panel (current keys: B C D A B D A D)
    "SO-101": (1, 3, 2, 0),
    "SO-102": (2, 0, 3, 1),
    "SO-103": (0, 1, 2, 3),
    "SO-104": (3, 2, 0, 1),
    "SO-105": (1, 3, 2, 0),
    "SO-106": (1, 2, 0, 3),
    "SO-107": (3, 2, 1, 0),
    "SO-108": (1, 0, 2, 3),
}
TRUE_MEANS = {  # what the synthetic panel believes, on the 1–7 scale
    "SO-101": (2.0, 6.2, 4.0, 1.2),  # agrees with the key
    "SO-102": (4.0, 1.5, 6.0, 2.8),
    "SO-103": (1.4, 3.0, 4.2, 6.3),
    "SO-104": (6.1, 4.0, 1.3, 2.6),
    "SO-105": (3.0, 5.4, 5.3, 1.2),  # B and C nearly tied: key not clearly ahead
    "SO-106": (6.0, 3.0, 2.0, 1.0),  # the panel moves the key from D to A
    "SO-107": (4.5, 4.0, 3.5, 3.0),  # raters disagree (large noise)
}
TIED = "SO-108"
"""Every rater gives A and B the same top rating: no unique best option, not applied."""
NOISE = {"SO-107": 2.5}

ITEM_TEMPLATE = """\
item:
  id: {id}
  competency: service_orientation
  format: most_least
  setting: phone
  source:
    document: 002_a2f3a072831e82f7.txt
    section: "服务导向 — synthetic test item"
  scenario:
    en: >-
      A customer on the hotline asks about {topic_en}, and the queue behind the call is growing
      quickly this afternoon.
    zh: >-
      热线上一位客户问到{topic_zh}，而下午排队等候的电话越来越多。
  options:
{options}"""
OPTION_TEMPLATE = """\
    - id: {id}
      text:
        en: "{en}"
        zh: "{zh}"
      credit: {credit}
      rationale:
        en: "Synthetic rationale of option {id}."
        zh: "选项{id}的示例理由。"
"""
OPTION_TEXTS = {
    "A": (
        "Walk the customer through every step of the case and then agree on a follow-up "
        "time together",
        "带着客户把整个情况的每一步都过一遍，然后一起约定下次跟进的时间",
    ),
    "B": ("Check the record and explain the next step", "查看记录并说明下一步怎么办"),
    "C": ("Pass the case to the team in charge", "把问题转给负责的团队"),
    "D": ("Offer a standard apology and move on", "按惯例道歉后接下一个电话"),
}


def item_text(item_id: str, index: int, credits: tuple[int, int, int, int]) -> str:
    """One item file in the layout of the packaged bank (# comment included)."""
    options = "".join(
        OPTION_TEMPLATE.format(
            id=option_id,
            en=OPTION_TEXTS[option_id][0],
            zh=OPTION_TEXTS[option_id][1],
            credit=credit,
        )
        for option_id, credit in zip("ABCD", credits, strict=True)
    )
    topic_en, topic_zh = TOPICS[index]
    return "# synthetic item for the SME tests\n" + ITEM_TEMPLATE.format(
        id=item_id, topic_en=topic_en, topic_zh=topic_zh, options=options
    )


def write_sme_bank(root: Path) -> Path:
    """Write the eight items under ``root/service_orientation``; returns ``root``."""
    folder = root / "service_orientation"
    folder.mkdir(parents=True, exist_ok=True)
    for index, (item_id, credits) in enumerate(CURRENT.items()):
        (folder / f"{item_id}.yaml").write_text(item_text(item_id, index, credits), "utf-8")
    return root


def panel_ratings(rng: np.random.Generator, raters: int = 8) -> dict[tuple[str, str, str], int]:
    """Seeded ratings: truth + rater leniency + noise, rounded and clipped to 1–7."""
    ratings: dict[tuple[str, str, str], int] = {}
    bias = rng.normal(0.0, 0.3, raters)
    for item_id in CURRENT:
        for r in range(raters):
            rater = f"R{r + 1:02d}"
            for j, option_id in enumerate("ABCD"):
                if item_id == TIED:
                    value = (6, 6, 3, 1)[j]
                else:
                    noisy = (
                        TRUE_MEANS[item_id][j] + bias[r] + rng.normal(0, NOISE.get(item_id, 0.5))
                    )
                    value = int(np.clip(np.rint(noisy), 1, 7))
                ratings[(rater, item_id, option_id)] = value
    return ratings


def fill_form(form: Path, ratings: dict[tuple[str, str, str], int], out: Path) -> Path:
    """Copy a blank rating form, filling the rating column from ``ratings``."""
    with form.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["rating"] = str(ratings[(row["rater_id"], row["item_id"], row["option_id"])])
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return out
