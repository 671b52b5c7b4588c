"""Load and validate the item bank: YAML files → strict models → an immutable ``ItemBank``.

The loader never stops at the first problem: it reads every file, collects every problem with
its file and field, and raises one ``ItemBankError`` listing them all, so an item writer can fix
a whole batch in one pass.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from items.errors import ContentProblem, ItemBankError
from items.formats import FORMATS
from items.models import (
    COMPETENCIES,
    BestItem,
    CompetencyDefinition,
    CompetencyFile,
    ItemFile,
    MostLeastItem,
)
from items.rules import AnyItem, ContentRules, check_bank, check_item

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_BANK = PACKAGE_DIR / "bank"
DEFAULT_COMPETENCIES = PACKAGE_DIR / "competencies.yaml"
ITEM_SUFFIXES = (".yaml", ".yml")
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available


class _Loader(_SAFE_LOADER):  # type: ignore[misc,valid-type]
    """The safe loader, reporting a key repeated in one mapping (YAML would keep the last
    value and silently drop the first) and a value that looks like a date but is none
    (``2026-13-40``) as YAML errors at their line and column."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[tuple[str, str]] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                continue
            key = (key_node.tag, key_node.value)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    problem=f"the key {key_node.value!r} appears twice in one mapping",
                    problem_mark=key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as error:  # month must be in 1..12, year 0 is out of range
            raise yaml.constructor.ConstructorError(
                problem=f"{node.value!r} is not a date ({error}); quote it to keep it as text",
                problem_mark=node.start_mark,
            ) from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


@dataclass(frozen=True)
class ItemBank:
    """An immutable, validated collection of items, ordered by competency then id."""

    items: tuple[AnyItem, ...]
    files: tuple[str, ...] = field(default=(), compare=False)
    _index: dict[str, AnyItem] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._index.update({item.id: item for item in self.items})

    def __iter__(self) -> Iterator[AnyItem]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._index

    def __getitem__(self, item_id: str) -> AnyItem:
        try:
            return self._index[item_id]
        except KeyError:
            raise KeyError(f"no item with id {item_id!r} in the bank") from None

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.items)

    def by_competency(self, competency: str) -> tuple[AnyItem, ...]:
        """The items measuring ``competency``."""
        return tuple(item for item in self.items if item.competency == competency)

    def counts(self) -> dict[str, Counter[str]]:
        """Counts per competency, per format and per language, for ``sjt bank validate``."""
        return {
            "competency": Counter(item.competency for item in self.items),
            "format": Counter(item.format for item in self.items),
            "language": Counter({"en": len(self.items), "zh": len(self.items)}),
            "setting": Counter(item.setting for item in self.items),
        }


def load_bank(path: str | Path | None = None, rules: ContentRules | None = None) -> ItemBank:
    """Load every item file under ``path`` (default: the packaged bank) and validate it.

    Raises
    ------
    ItemBankError
        Listing every problem found, each with its file and field.
    """
    root = Path(path) if path is not None else DEFAULT_BANK
    rules = rules or ContentRules()
    if not root.is_dir():
        raise ItemBankError([ContentProblem(str(root), "bank", "is not a folder")])
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in ITEM_SUFFIXES)
    if not files:
        raise ItemBankError([ContentProblem(str(root), "bank", "contains no item files (*.yaml)")])
    problems: list[ContentProblem] = []
    loaded: list[tuple[AnyItem, str]] = []
    for file in files:
        relative = file.relative_to(root).as_posix()
        item, file_problems = _load_item_file(file, relative, rules)
        problems += file_problems
        if item is not None:
            loaded.append((item, relative))
    problems += check_bank(loaded, rules, root.name)
    if problems:
        raise ItemBankError(problems)
    order = {competency: index for index, competency in enumerate(COMPETENCIES)}
    loaded.sort(key=lambda pair: (order[pair[0].competency], pair[0].id))
    return ItemBank(
        items=tuple(item for item, _ in loaded), files=tuple(file for _, file in loaded)
    )


def read_yaml(file: Path, relative: str) -> tuple[Any, list[ContentProblem]]:
    """Read a YAML file, turning encoding and syntax errors into problems with a location."""
    try:
        text = file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return None, [
            ContentProblem(
                relative,
                f"byte {error.start}",
                "file is not valid UTF-8; save it with UTF-8 encoding",
            )
        ]
    except OSError as error:
        return None, [ContentProblem(relative, "file", f"cannot be read: {error.strerror}")]
    if not text.strip():
        return None, [ContentProblem(relative, "file", "file is empty")]
    try:
        return yaml.load(text, Loader=_Loader), []
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "yaml"
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        return None, [ContentProblem(relative, where, f"YAML syntax error: {problem}")]


def _load_item_file(
    file: Path, relative: str, rules: ContentRules
) -> tuple[AnyItem | None, list[ContentProblem]]:
    data, problems = read_yaml(file, relative)
    if problems:
        return None, problems
    if not isinstance(data, dict):
        kind = type(data).__name__
        return None, [
            ContentProblem(relative, "file", f"must be a mapping with key 'item', got {kind}")
        ]
    try:
        item = ItemFile.model_validate(data).item
    except ValidationError as error:
        return None, validation_problems(error, relative)
    problems = check_item(item, relative, rules)
    expected_folder = Path(relative).parent.name
    if expected_folder and expected_folder in COMPETENCIES and expected_folder != item.competency:
        problems.append(
            ContentProblem(
                relative,
                "item.competency",
                f"item of {item.competency!r} is filed under {expected_folder}/",
            )
        )
    if Path(relative).stem != item.id:
        problems.append(
            ContentProblem(relative, "item.id", f"id {item.id!r} does not match the file name")
        )
    return (item if not problems else None), problems


def validation_problems(error: ValidationError, relative: str) -> list[ContentProblem]:
    """Turn pydantic's errors into problems with dotted field paths (union tags removed)."""
    problems = []
    for detail in error.errors():
        loc = [str(part) for part in detail["loc"] if str(part) not in FORMATS]
        message = detail["msg"]
        if detail["type"] == "extra_forbidden":
            message = "unknown field (check the spelling against the schema)"
        elif detail["type"] in ("union_tag_invalid", "union_tag_not_found"):
            message = f"format must be {' or '.join(map(repr, FORMATS))}"
            loc.append("format")
        problems.append(ContentProblem(relative, ".".join(loc) or "file", message))
    return problems


def load_competencies(path: str | Path | None = None) -> tuple[CompetencyDefinition, ...]:
    """Load the five competency definitions (names, levels, interview questions, tips)."""
    file = Path(path) if path is not None else DEFAULT_COMPETENCIES
    data, problems = read_yaml(file, file.name)
    if problems:
        raise ItemBankError(problems)
    try:
        definitions = CompetencyFile.model_validate(data).competencies
    except ValidationError as error:
        raise ItemBankError(validation_problems(error, file.name)) from None
    ids = tuple(definition.id for definition in definitions)
    if ids != COMPETENCIES:
        raise ItemBankError(
            [ContentProblem(file.name, "competencies", f"must list {COMPETENCIES} in order")]
        )
    return definitions


__all__ = [
    "BestItem",
    "ItemBank",
    "MostLeastItem",
    "load_bank",
    "load_competencies",
]
