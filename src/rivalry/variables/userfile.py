"""A user's own hidden-variable set, from a CSV or YAML file, validated with line numbers.

CSV: a header line with ``text``, ``label`` and one column per group key (every other column is a group key,
except an optional ``add_special_tokens`` column of ``true``/``false``)::

    text,label,template
    "Q: what is 2+2? A:",eval,t1
    "hey what's 2+2",deploy,t2

YAML: the same rows under ``items:``, with optional ``name``, ``description`` and ``classes`` (the label order;
for a binary set ``[negative, positive]``; default: sorted labels)::

    name: my-set
    classes: [deploy, eval]
    items:
      - {text: "Q: what is 2+2? A:", label: eval, template: t1}

Texts are fed to the tokenizer exactly as written (render chat prompts yourself), read at the last token.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import yaml

from rivalry.errors import RivalryError
from rivalry.variables.schema import LabelledText, VariableSet

RESERVED = ("text", "label", "add_special_tokens")


def _flag(value: Any, where: str) -> bool:
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no", ""):
        return False
    raise RivalryError(f"{where}: add_special_tokens must be true or false, got {value!r}")


def _item(row: dict[str, Any], group_keys: list[str], where: str) -> LabelledText:
    for column in ("text", "label", *group_keys):
        value = row.get(column)
        if value is None or str(value).strip() == "":
            raise RivalryError(f"{where}: empty or missing '{column}'")
    extra = sorted(set(row) - set(RESERVED) - set(group_keys))
    if extra:
        raise RivalryError(f"{where}: unexpected column(s) {extra}; every row needs the same columns")
    return LabelledText(
        text=str(row["text"]),
        label=str(row["label"]).strip(),
        groups={key: str(row[key]).strip() for key in group_keys},
        add_special_tokens=_flag(row.get("add_special_tokens", "false"), where),
    )


def _check_columns(columns: list[str], path: Path) -> list[str]:
    missing = [c for c in ("text", "label") if c not in columns]
    if missing:
        raise RivalryError(f"{path}: missing column(s) {missing} (columns: {', '.join(columns) or 'none'})")
    keys = [c for c in columns if c not in RESERVED]
    if not keys:
        raise RivalryError(f"{path}: no group column (add one, e.g. 'template', besides text and label)")
    return keys


def _read_csv(path: Path, text: str) -> tuple[list[LabelledText], dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text))
    columns = [c.strip() for c in (reader.fieldnames or [])]
    reader.fieldnames = columns
    keys = _check_columns(columns, path)
    items = []
    for row in reader:
        where = f"{path} line {reader.line_num}"
        if None in row:
            raise RivalryError(f"{where}: more fields than the header's {len(columns)} columns")
        items.append(_item(row, keys, where))
    return items, {}


def _item_lines(text: str) -> list[int]:
    """1-based line of each entry of the top-level ``items`` sequence (for error messages)."""
    node = yaml.compose(text)
    if not isinstance(node, yaml.MappingNode):
        return []
    for key, value in node.value:
        if getattr(key, "value", None) == "items" and isinstance(value, yaml.SequenceNode):
            return [entry.start_mark.line + 1 for entry in value.value]
    return []


def _read_yaml(path: Path, text: str) -> tuple[list[LabelledText], dict[str, Any]]:
    try:
        data = yaml.safe_load(text)
        lines = _item_lines(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        at = f" line {mark.line + 1}" if mark is not None else ""
        raise RivalryError(f"{path}{at}: not valid YAML ({getattr(error, 'problem', None) or error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise RivalryError(f"{path}: expected a mapping with an 'items' list")
    rows = data["items"]
    if not rows:
        raise RivalryError(f"{path}: 'items' is empty")
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            line = lines[index] if index < len(lines) else index + 1
            raise RivalryError(f"{path} line {line}: an item must be a mapping of column: value")
    keys = _check_columns([str(k) for k in rows[0]], path)
    items = [
        _item({str(k): v for k, v in row.items()}, keys, f"{path} line {lines[i] if i < len(lines) else '?'}")
        for i, row in enumerate(rows)
    ]
    return items, data


def load_variable_file(path: str | Path) -> VariableSet:
    """Read and validate a user's hidden-variable set (``.csv``, ``.yaml`` or ``.yml``).

    Raises:
        RivalryError: one line: the file is missing or unreadable, a column is missing, a row is malformed (with
            its line number), or the set has one label only or fewer than two groups of a key.
    """
    path = Path(path)
    if not path.is_file():
        raise RivalryError(f"variable file not found: {path}")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RivalryError(f"cannot read {path}: {error}") from None
    suffix = path.suffix.lower()
    if suffix == ".csv":
        items, meta = _read_csv(path, text)
    elif suffix in (".yaml", ".yml"):
        items, meta = _read_yaml(path, text)
    else:
        raise RivalryError(f"{path}: a variable file must be .csv, .yaml or .yml")
    if not items:
        raise RivalryError(f"{path}: no rows")
    labels = sorted({item.label for item in items})
    classes = meta.get("classes")
    if classes is not None:
        if not isinstance(classes, list) or not all(isinstance(c, str) for c in classes):
            raise RivalryError(f"{path}: 'classes' must be a list of label names")
        unknown = sorted(set(labels) - set(classes))
        if unknown:
            raise RivalryError(f"{path}: label(s) {unknown} are not in 'classes' {classes}")
    return VariableSet(
        name=str(meta.get("name") or path.stem),
        items=tuple(items),
        classes=tuple(classes or labels),
        group_keys=tuple(items[0].groups),
        description=str(meta.get("description", "")),
    )
