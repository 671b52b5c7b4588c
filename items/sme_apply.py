"""Write a panel's consensus credits and keying provenance into the item files.

Files are edited in place so that they stay as their writers left them: only the ``credit:``
values change and a ``keying:`` block is added (or replaced) at the end of the item, in block
style with Unicode text. Every edit is checked by reading the file back; should a file's layout
defeat the in-place edit, the whole file is written again with ``yaml.safe_dump`` (block style,
Unicode, the original key order).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from items.errors import ContentProblem, ItemBankError
from items.loader import ItemBank
from items.models import ItemFile
from items.rules import AnyItem, ContentRules, check_bank, check_item
from items.sme import ItemConsensus

DEFAULT_NOTE = "consensus credits from the panel's mean ratings (1–7); rationales by the authors"
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def keying_block(item: ItemConsensus, date: datetime.date, note: str | None) -> dict[str, Any]:
    """The ``keying`` mapping recording the panel: size, date, agreement and a note."""
    return {
        "method": "sme_panel",
        "raters": item.n_raters,
        "date": date,
        "icc2k": round(item.icc2k, 3),
        "rwg": round(item.rwg, 3),
        "note": note or DEFAULT_NOTE,
    }


def _dump(data: Any) -> str:
    return yaml.safe_dump(
        data, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100
    )


class _LayoutError(Exception):
    """The file's layout is not the plain block mapping the in-place edit expects."""


def _expect(condition: bool) -> None:
    if not condition:
        raise _LayoutError


def _mapping_value(node: yaml.Node | None, key: str) -> tuple[yaml.Node, yaml.Node]:
    """The key and value nodes of ``key`` in a block mapping node."""
    _expect(isinstance(node, yaml.MappingNode))
    assert node is not None  # for the type checker
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return key_node, value_node
    raise _LayoutError


def _in_place(text: str, credits: Mapping[str, int], keying: Mapping[str, Any]) -> str:
    """Edit the credit scalars and the keying block of ``text`` (raises on an unusual layout)."""
    item = _mapping_value(yaml.compose(text, Loader=_SAFE_LOADER), "item")[1]
    _expect(isinstance(item, yaml.MappingNode) and bool(item.value))
    edits: list[tuple[int, int, str]] = []
    options = _mapping_value(item, "options")[1]
    _expect(isinstance(options, yaml.SequenceNode))
    for option in options.value:
        option_id = _mapping_value(option, "id")[1].value
        value = _mapping_value(option, "credit")[1]
        edits.append((value.start_mark.index, value.end_mark.index, str(credits[option_id])))
    indent = item.value[0][0].start_mark.column
    block = "".join(
        " " * indent + line + "\n" for line in _dump({"keying": dict(keying)}).splitlines()
    )
    existing = next((pair for pair in item.value if pair[0].value == "keying"), None)
    if existing is not None:
        start = text.rfind("\n", 0, existing[0].start_mark.index) + 1
        end = existing[1].end_mark.index
        line_start = text.rfind("\n", 0, end) + 1
        if not text[line_start:end].strip():
            end = line_start  # a block ends where the next key's line starts
        edits.append((start, end, block))
    else:
        end = item.value[-1][1].end_mark.index
        line_end = text.find("\n", end)
        if line_end >= 0 and not text[end:line_end].strip():
            end = line_end + 1
        prefix = "" if text[:end].endswith("\n") else "\n"
        edits.append((end, end, prefix + block))
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def rewrite_item_text(text: str, credits: Mapping[str, int], keying: Mapping[str, Any]) -> str:
    """The item file ``text`` with new credits and keying, its layout kept where possible."""
    data = yaml.load(text, Loader=_SAFE_LOADER)
    for option in data["item"]["options"]:
        option["credit"] = credits[option["id"]]
    data["item"]["keying"] = dict(keying)
    try:
        edited = _in_place(text, credits, keying)
        if yaml.load(edited, Loader=_SAFE_LOADER) == data:
            return edited
    except (_LayoutError, yaml.YAMLError, KeyError, IndexError):
        pass
    return _dump(data)


@dataclass(frozen=True)
class ApplyResult:
    """What ``apply_consensus`` did: files changed and items left alone with the reason."""

    changed: tuple[str, ...]
    unchanged: Mapping[str, str] = field(default_factory=dict)


def plan(
    consensus: Sequence[ItemConsensus], bank: ItemBank, skip_flagged: bool = False
) -> tuple[dict[str, dict[str, int]], dict[str, str]]:
    """Which items get which consensus credits, and why the others keep theirs."""
    changes: dict[str, dict[str, int]] = {}
    skipped: dict[str, str] = {}
    for item in consensus:
        if item.proposed is None:
            skipped[item.item_id] = f"not changed: {item.rule_problem}"
        elif item.n_raters < 2:
            skipped[item.item_id] = "not changed: fewer than 2 raters"
        elif item.icc2k != item.icc2k:  # NaN: agreement undefined
            skipped[item.item_id] = "not changed: agreement is undefined"
        elif skip_flagged and item.flagged:
            codes = ", ".join(flag.code for flag in item.flags)
            skipped[item.item_id] = f"not changed (--skip-flagged): {codes}"
        else:
            changes[item.item_id] = dict(item.proposed)
    return changes, skipped


def apply_consensus(
    consensus: Sequence[ItemConsensus],
    bank: ItemBank,
    root: Path,
    *,
    date: datetime.date,
    note: str | None = None,
    skip_flagged: bool = False,
    rules: ContentRules | None = None,
) -> ApplyResult:
    """Write consensus credits and ``keying`` into the item files under ``root``.

    All or nothing: the new items are validated (item and bank-wide content rules) before any
    file is written; if the bank would break a rule, nothing is written and ``ItemBankError``
    names the problems.
    """
    rules = rules or ContentRules()
    changes, skipped = plan(consensus, bank, skip_flagged)
    by_id = {item.item_id: item for item in consensus}
    files = dict(zip(bank.ids, bank.files, strict=True))
    new_texts: dict[str, str] = {}
    new_items: dict[str, AnyItem] = {}
    problems: list[ContentProblem] = []
    for item_id, credits in changes.items():
        path = root / files[item_id]
        keying = keying_block(by_id[item_id], date, note)
        text = rewrite_item_text(path.read_text(encoding="utf-8-sig"), credits, keying)
        try:
            item = ItemFile.model_validate(yaml.load(text, Loader=_SAFE_LOADER)).item
        except ValidationError as error:
            problems.append(ContentProblem(files[item_id], "item", str(error)))
            continue
        problems += check_item(item, files[item_id], rules)
        new_texts[item_id] = text
        new_items[item_id] = item
    after = [
        (new_items.get(item.id, item), file) for item, file in zip(bank, bank.files, strict=True)
    ]
    problems += check_bank(after, rules, root.name)
    if problems:
        raise ItemBankError(problems)
    for item_id, text in new_texts.items():
        (root / files[item_id]).write_text(text, encoding="utf-8")
    return ApplyResult(changed=tuple(new_texts), unchanged=skipped)
