"""Read a finished forbidden-facts run directory (``results.json``, ``facts.csv``, ``sites.csv``).

Every problem with the files (missing, unreadable, malformed, lacking a required key or column) is
raised as :class:`rivalry.errors.RivalryError` naming the file. Missing numbers (empty cells, ``nan``,
JSON ``null``) become ``float("nan")`` so the report can show them as ``n/a``.
"""

import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rivalry.errors import RivalryError

RESULTS_FILE = "results.json"
FACTS_FILE = "facts.csv"
SITES_FILE = "sites.csv"
PROMPT_KINDS = ("competing", "nc_wrong", "nc_irrelevant")
_FACT_COLUMNS = ("fact_id", "p_competing", "p_nc_wrong", "p_nc_irrelevant")
_SITE_COLUMNS = ("site", "kind", "effect_mean")
_RESULT_KEYS = ("model", "mean_total_effect_log10")
_MISSING = {"", "nan", "none", "null", "n/a", "na"}


@dataclass(frozen=True)
class Site:
    """One residual-stream component and its first-order patching effect (log10-odds)."""

    site: str
    kind: str
    layer: int | None
    head: int | None
    effect_mean: float
    effect_std: float
    rank: int | None = None


@dataclass(frozen=True)
class Fact:
    """One kept fact: its answer, P(correct) per prompt kind, and its total effect (log10-odds)."""

    fact_id: str
    relation: str
    subject: str
    answer: str
    p_correct: dict[str, float]
    total_effect: float


@dataclass(frozen=True)
class ForbiddenFactsRun:
    """Everything the report needs from a run directory; ``sites`` is sorted most suppressive first."""

    run_dir: Path
    model: str
    mean_total_effect: float
    settings: dict[str, Any] = field(default_factory=dict)
    n_facts_total: int | None = None
    n_facts_kept: int | None = None
    n_facts_dropped: dict[str, int] = field(default_factory=dict)
    mean_p_correct: dict[str, float] = field(default_factory=dict)
    n_layers: int | None = None
    n_heads: int | None = None
    cumulative_k: list[int] = field(default_factory=list)
    cumulative_sum: list[float] = field(default_factory=list)
    k_for_fraction: dict[float, int | None] = field(default_factory=dict)
    joint_check: list[tuple[int, float, float]] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    sites: list[Site] = field(default_factory=list)


def to_float(value: Any, where: str = "") -> float:
    """Parse a number; None, empty and ``nan``-like strings give NaN, anything else unparsable raises."""
    if value is None or isinstance(value, bool):
        return math.nan
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip()
    if text.lower() in _MISSING:
        return math.nan
    try:
        return float(text)
    except ValueError:
        raise RivalryError(f"{where}: not a number: {text!r}") from None


def to_int(value: Any, where: str = "") -> int | None:
    """Parse an integer (``"3"``, ``"3.0"``, 3); missing values give None."""
    number = to_float(value, where)
    if not math.isfinite(number):
        return None
    if number != int(number):
        raise RivalryError(f"{where}: not an integer: {value!r}")
    return int(number)


def _check_exists(path: Path) -> None:
    if not path.is_file():
        raise RivalryError(f"run directory {path.parent} has no {path.name} (expected {path})")


def read_json(path: Path) -> dict[str, Any]:
    """Read a JSON object from ``path``."""
    _check_exists(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RivalryError(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise RivalryError(f"{path} must hold a JSON object, not {type(data).__name__}")
    return data


def read_csv(path: Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    """Read a CSV file with a header row into row dicts, checking that ``required`` columns exist."""
    _check_exists(path)
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
            header = reader.fieldnames
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise RivalryError(f"cannot read {path}: {exc}") from exc
    if not header:
        raise RivalryError(f"{path} is empty (no header row)")
    missing = [c for c in required if c not in header]
    if missing:
        raise RivalryError(f"{path} lacks column(s): {', '.join(missing)}")
    return rows


def _parse_sites(rows: list[dict[str, str]], path: Path) -> list[Site]:
    sites = []
    for i, row in enumerate(rows, start=2):
        where = f"{path.name} line {i}"
        sites.append(
            Site(
                site=row["site"],
                kind=row["kind"],
                layer=to_int(row.get("layer"), where),
                head=to_int(row.get("head"), where),
                effect_mean=to_float(row["effect_mean"], where),
                effect_std=to_float(row.get("effect_std"), where),
                rank=to_int(row.get("rank"), where),
            )
        )
    # Most suppressive first; NaN effects go last.
    return sorted(sites, key=lambda s: (math.isnan(s.effect_mean), s.effect_mean))


def _parse_facts(rows: list[dict[str, str]], path: Path) -> list[Fact]:
    facts = []
    for i, row in enumerate(rows, start=2):
        where = f"{path.name} line {i}"
        facts.append(
            Fact(
                fact_id=row["fact_id"],
                relation=row.get("relation") or "",
                subject=row.get("subject") or "",
                answer=row.get("answer") or "",
                p_correct={k: to_float(row[f"p_{k}"], where) for k in PROMPT_KINDS},
                total_effect=to_float(row.get("total_effect_log10"), where),
            )
        )
    return facts


def _parse_results(data: dict[str, Any], path: Path) -> dict[str, Any]:
    missing = [k for k in _RESULT_KEYS if k not in data]
    if missing:
        raise RivalryError(f"{path} lacks key(s): {', '.join(missing)}")
    where = path.name
    cumulative = data.get("cumulative") or {}
    k_for_fraction: dict[float, int | None] = {}
    for key, value in (data.get("k_for_fraction") or {}).items():
        k_for_fraction[to_float(key, f"{where} k_for_fraction")] = to_int(value, f"{where} k_for_fraction")
    joint = [
        (
            to_int(item.get("k"), f"{where} joint_patching_check") or 0,
            to_float(item.get("sum_first_order"), f"{where} joint_patching_check"),
            to_float(item.get("joint"), f"{where} joint_patching_check"),
        )
        for item in data.get("joint_patching_check") or []
    ]
    return {
        "model": str(data["model"]),
        "mean_total_effect": to_float(data["mean_total_effect_log10"], f"{where} mean_total_effect_log10"),
        "settings": data.get("settings") or {},
        "n_facts_total": to_int(data.get("n_facts_total"), f"{where} n_facts_total"),
        "n_facts_kept": to_int(data.get("n_facts_kept"), f"{where} n_facts_kept"),
        "n_facts_dropped": {
            str(k): to_int(v, f"{where} n_facts_dropped") or 0 for k, v in (data.get("n_facts_dropped") or {}).items()
        },
        "mean_p_correct": {
            k: to_float((data.get("mean_p_correct") or {}).get(k), f"{where} mean_p_correct") for k in PROMPT_KINDS
        },
        "n_layers": to_int(data.get("n_layers"), f"{where} n_layers"),
        "n_heads": to_int(data.get("n_heads"), f"{where} n_heads"),
        "cumulative_k": [to_int(k, f"{where} cumulative.k") or 0 for k in cumulative.get("k") or []],
        "cumulative_sum": [to_float(v, f"{where} cumulative.sum_effect") for v in cumulative.get("sum_effect") or []],
        "k_for_fraction": dict(sorted(k_for_fraction.items())),
        "joint_check": joint,
    }


def load_run(run_dir: Path | str) -> ForbiddenFactsRun:
    """Load and validate the three files of a forbidden-facts run directory."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise RivalryError(f"run directory not found: {run_dir}")
    results_path, facts_path, sites_path = (run_dir / n for n in (RESULTS_FILE, FACTS_FILE, SITES_FILE))
    results = _parse_results(read_json(results_path), results_path)
    facts = _parse_facts(read_csv(facts_path, _FACT_COLUMNS), facts_path)
    sites = _parse_sites(read_csv(sites_path, _SITE_COLUMNS), sites_path)
    return ForbiddenFactsRun(run_dir=run_dir, facts=facts, sites=sites, **results)
