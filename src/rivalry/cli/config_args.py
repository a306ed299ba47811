"""Command-line flags generated from an experiment's config dataclass: one source of truth for names and defaults.

Every field becomes ``--field-name`` (help from the ``Attributes:`` section of the config's docstring, default
from the field); ``--config FILE.yaml`` loads settings from a file, and flags given on the command line override
it. Precedence: flag > YAML file > the dataclass default.
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import re
import types
import typing
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args, get_origin, get_type_hints

C = TypeVar("C")
CONFIG_FLAG = "config_file"


def attribute_docs(cls: type) -> dict[str, str]:
    """``name: text`` entries of the ``Attributes:`` section of ``cls``'s docstring (continuation lines joined)."""
    doc = inspect.getdoc(cls) or ""
    match = re.search(r"^Attributes:\n((?:[ \t]+.*\n?|\n)+)", doc, flags=re.MULTILINE)
    if not match:
        return {}
    docs: dict[str, str] = {}
    current = None
    for line in match.group(1).splitlines():
        entry = re.match(r"^\s{2,8}(\w+):\s*(.*)$", line)
        if entry and (current is None or len(line) - len(line.lstrip()) <= 8):
            current = entry.group(1)
            docs[current] = entry.group(2).strip()
        elif current and line.strip():
            docs[current] += " " + line.strip()
    return docs


def _flag(name: str, rename: Mapping[str, str]) -> str:
    return "--" + rename.get(name, name).replace("_", "-")


def _optional(hint: Any) -> tuple[Any, bool]:
    if get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in get_args(hint) if a is not type(None)]
        if len(args) == 1:
            return args[0], type(None) in get_args(hint)
    return hint, False


def _none_or(kind: type):
    def parse(text: str):
        return None if text.lower() in ("none", "null") else kind(text)

    parse.__name__ = kind.__name__
    return parse


def add_config_arguments(
    parser: argparse.ArgumentParser,
    config_cls: type,
    *,
    rename: Mapping[str, str] | None = None,
    skip: Iterable[str] = (),
    help_overrides: Mapping[str, str] | None = None,
) -> None:
    """Add one flag per field of ``config_cls`` (a dataclass) and ``--config FILE.yaml``."""
    rename = rename or {}
    skip = set(skip)
    docs = {**attribute_docs(config_cls), **(help_overrides or {})}
    hints = get_type_hints(config_cls)
    group = parser.add_argument_group("settings", "every setting can also come from --config FILE.yaml")
    group.add_argument(
        "--config", dest=CONFIG_FLAG, metavar="FILE.yaml", default=None,
        help="YAML file of settings (keys: the config's field names, e.g. min_nc_probability); flags override it",
    )  # fmt: skip
    for field in dataclasses.fields(config_cls):
        if field.name in skip:
            continue
        hint, nullable = _optional(hints[field.name])
        factory: Any = field.default_factory
        default = field.default if field.default is not dataclasses.MISSING else factory()
        shown = list(default) if isinstance(default, tuple) else default
        text = (docs.get(field.name, "") + f" (default: {shown})").strip().replace("%", "%%")
        kwargs: dict[str, Any] = {"dest": field.name, "default": argparse.SUPPRESS, "help": text}
        if hint is bool:
            kwargs["action"] = argparse.BooleanOptionalAction
        elif get_origin(hint) is Literal:
            kwargs["choices"] = list(get_args(hint))
        elif get_origin(hint) is tuple:
            inner = (get_args(hint) or (str,))[0]
            if get_origin(inner) is Literal:
                kwargs.update(nargs="*", choices=list(get_args(inner)))
            else:
                kwargs.update(nargs="*", type=inner, metavar=getattr(inner, "__name__", "VALUE").upper())
        elif hint in (int, float, str):
            kwargs["type"] = _none_or(hint) if nullable else hint
            kwargs["metavar"] = {int: "N", float: "X", str: "TEXT"}[hint]
        else:
            kwargs["type"] = str
        group.add_argument(_flag(field.name, rename), **kwargs)


def settings_from_args(config_cls: type, args: argparse.Namespace) -> dict[str, Any]:
    """The settings a command line gives: the ``--config`` file's, then the flags actually typed over them."""
    from rivalry.errors import RivalryError

    settings: dict[str, Any] = {}
    path = getattr(args, CONFIG_FLAG, None)
    if path:
        import yaml

        file = Path(path)
        if not file.is_file():
            raise RivalryError(f"--config: file not found: {path}")
        try:
            loaded = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        except (yaml.YAMLError, UnicodeDecodeError) as error:
            raise RivalryError(f"--config: cannot parse {path}: {str(error).splitlines()[0]}") from None
        if not isinstance(loaded, dict):
            raise RivalryError(f"--config: {path} must hold a mapping of settings")
        settings.update({str(k).replace("-", "_"): v for k, v in loaded.items()})
    names = {f.name for f in dataclasses.fields(config_cls)}
    settings.update({k: v for k, v in vars(args).items() if k in names})
    return settings


def config_from_args(config_cls: type[C], args: argparse.Namespace, **fixed: Any) -> C:
    """Build the config: ``--config`` file < flags < ``fixed`` (values a command sets itself)."""
    return config_cls.from_dict({**settings_from_args(config_cls, args), **fixed})  # type: ignore[attr-defined]
