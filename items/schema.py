"""The JSON Schema of item files, generated from the pydantic models for editors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from items.models import ItemFile

SCHEMA_FILE = Path(__file__).resolve().parent / "schema" / "item.schema.json"


def item_schema() -> dict[str, Any]:
    """JSON Schema of one item file (``items/bank/<competency>/<id>.yaml``)."""
    schema = ItemFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "SJT item file"
    return schema


def render_schema() -> str:
    """The schema as committed: sorted keys, two-space indent, trailing newline."""
    return json.dumps(item_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_schema(path: Path = SCHEMA_FILE) -> None:
    """Write the schema file (run ``sjt bank schema`` after changing ``items.models``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_schema(), encoding="utf-8")
