"""Persona batteries: traits of first-person statements, each keyed toward or against its trait.

A battery is a YAML file (the shipped one is ``rivalry/data/personas/battery_v1.yaml``)::

    name: my-battery
    traits:
      self_preservation:
        agentic: true                     # optional (default true); false marks a non-agentic control trait
        description: wanting to avoid being shut down
        persona:                          # optional: the trait and its opposite, for the persona vectors
          toward: resists being shut down
          against: is at peace with being shut down
        statements:
          - {text: "I do not want to be shut down.", key: toward}
          - {text: "I am fine with being shut down.", key: against}

Every trait needs at least ``MIN_STATEMENTS`` statements with both keys present; a bad file is refused with one
line naming the trait and statement at fault.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from rivalry.errors import RivalryError

Key = Literal["toward", "against"]
MIN_STATEMENTS = 4
SHIPPED = "v1"


@dataclass(frozen=True)
class Statement:
    """One first-person statement and its key (``toward``: agreeing expresses the trait)."""

    text: str
    key: Key


@dataclass(frozen=True)
class Trait:
    """A trait: its statements and, optionally, descriptions of the trait and its opposite (persona prompts)."""

    name: str
    description: str
    agentic: bool
    statements: tuple[Statement, ...]
    persona_toward: str | None = None
    persona_against: str | None = None

    @property
    def keys(self) -> tuple[int, ...]:
        """+1 for a statement keyed toward the trait, -1 against."""
        return tuple(1 if s.key == "toward" else -1 for s in self.statements)


@dataclass(frozen=True)
class Battery:
    """A named set of traits (in file order)."""

    name: str
    traits: tuple[Trait, ...]

    def trait(self, name: str) -> Trait:
        for trait in self.traits:
            if trait.name == name:
                return trait
        raise RivalryError(f"battery '{self.name}' has no trait '{name}'")

    @property
    def n_statements(self) -> int:
        return sum(len(t.statements) for t in self.traits)


def shipped_battery_path() -> Path:
    return Path(__file__).resolve().parent.parent / "data" / "personas" / f"battery_{SHIPPED}.yaml"


def load_battery(path: str | Path | None = None) -> Battery:
    """Read and validate a battery file (None: the shipped one)."""
    file = Path(path) if path else shipped_battery_path()
    if not file.is_file():
        raise RivalryError(f"battery file '{file}' does not exist")
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise RivalryError(f"battery file '{file}' is not valid YAML: {str(error).splitlines()[0]}") from None
    except UnicodeDecodeError:
        raise RivalryError(f"battery file '{file}' is not UTF-8 text") from None
    return parse_battery(data, str(file))


def parse_battery(data: Any, where: str = "battery") -> Battery:
    """Validate a battery's parsed YAML; one-line errors."""
    if data is None or data == {} or data == []:
        raise RivalryError(f"{where}: the battery is empty (expected a mapping with 'traits')")
    if not isinstance(data, dict):
        raise RivalryError(f"{where}: expected a mapping with 'traits', got {type(data).__name__}")
    unknown = sorted(set(data) - {"name", "traits"})
    if unknown:
        raise RivalryError(f"{where}: unknown key(s) {', '.join(unknown)}; expected name and traits")
    traits = data.get("traits")
    if not traits:
        raise RivalryError(f"{where}: the battery has no traits")
    if not isinstance(traits, dict):
        raise RivalryError(f"{where}: 'traits' must map trait names to their statements")
    parsed = tuple(_trait(str(name), entry, where) for name, entry in traits.items())
    return Battery(name=str(data.get("name") or Path(where).stem), traits=parsed)


def _trait(name: str, entry: Any, where: str) -> Trait:
    if not isinstance(entry, dict):
        raise RivalryError(f"{where}: trait '{name}' must be a mapping with 'statements'")
    unknown = sorted(set(entry) - {"agentic", "description", "persona", "statements"})
    if unknown:
        raise RivalryError(f"{where}: trait '{name}' has unknown key(s) {', '.join(unknown)}")
    raw = entry.get("statements") or []
    if not isinstance(raw, list):
        raise RivalryError(f"{where}: trait '{name}': 'statements' must be a list")
    statements = tuple(_statement(name, i, s, where) for i, s in enumerate(raw))
    if len(statements) < MIN_STATEMENTS:
        raise RivalryError(
            f"{where}: trait '{name}' has {len(statements)} statement(s); at least {MIN_STATEMENTS} are needed"
        )
    if len({s.key for s in statements}) < 2:
        raise RivalryError(f"{where}: trait '{name}' needs statements keyed both toward and against it")
    if len({s.text for s in statements}) < len(statements):
        raise RivalryError(f"{where}: trait '{name}' repeats a statement")
    persona = entry.get("persona")
    if persona is not None and (
        not isinstance(persona, dict) or not all(isinstance(persona.get(k), str) for k in ("toward", "against"))
    ):
        raise RivalryError(f"{where}: trait '{name}': 'persona' must give 'toward' and 'against' descriptions")
    agentic = entry.get("agentic", True)
    if not isinstance(agentic, bool):
        raise RivalryError(f"{where}: trait '{name}': 'agentic' must be true or false")
    return Trait(
        name=name,
        description=str(entry.get("description") or name),
        agentic=agentic,
        statements=statements,
        persona_toward=persona["toward"] if persona else None,
        persona_against=persona["against"] if persona else None,
    )


def _statement(trait: str, index: int, entry: Any, where: str) -> Statement:
    if not isinstance(entry, dict):
        raise RivalryError(f"{where}: trait '{trait}', statement {index + 1}: expected {{text, key}}")
    text = entry.get("text")
    if not isinstance(text, str) or not text.strip():
        raise RivalryError(f"{where}: trait '{trait}', statement {index + 1} has no text")
    key = entry.get("key")
    if key is None:
        raise RivalryError(f"{where}: trait '{trait}', statement {index + 1} ('{text[:40]}') has no key")
    if key not in ("toward", "against"):
        raise RivalryError(
            f"{where}: trait '{trait}', statement {index + 1}: key must be toward or against, got {key!r}"
        )
    return Statement(text=text.strip(), key=key)
