"""The per-site difference of first-order effects between two forbidden-facts runs.

For every site present in both runs, ``difference = effect_mean(B) - effect_mean(A)`` (log10 odds of the
answer). With A the base model and B the tuned one, a negative difference is suppression the tuning added.
Sites are ranked by ``|difference|``, largest first.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rivalry.core.sites import Site
from rivalry.errors import RivalryError
from rivalry.forbidden.store import write_atomically, write_json

CSV_COLUMNS = (
    "rank",
    "site",
    "kind",
    "layer",
    "head",
    "effect_a",
    "effect_b",
    "difference",
    "rank_a",
    "rank_b",
)


@dataclass(frozen=True)
class RunSummary:
    """What the comparison needs from one run directory's ``results.json``."""

    path: str
    model: str
    adapter: str | None
    split: str | None
    prompt_format: str | None
    n_facts_kept: int
    mean_total_effect_log10: float
    n_layers: int
    n_heads: int
    sites: list[dict[str, Any]]

    def label(self) -> str:
        return f"{self.model} + {Path(self.adapter).name}" if self.adapter else self.model


@dataclass(frozen=True)
class SiteChange:
    """One site's first-order effect in both runs and its change (``effect_b - effect_a``)."""

    site: Site
    effect_a: float
    effect_b: float
    difference: float
    rank_a: int
    rank_b: int

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.site.to_dict(),
            "effect_a": self.effect_a,
            "effect_b": self.effect_b,
            "difference": self.difference,
            "rank_a": self.rank_a,
            "rank_b": self.rank_b,
        }


@dataclass(frozen=True)
class Comparison:
    """Two runs and their per-site changes, largest ``|difference|`` first."""

    run_a: RunSummary
    run_b: RunSummary
    changes: list[SiteChange]

    @property
    def total_effect_change(self) -> float:
        return self.run_b.mean_total_effect_log10 - self.run_a.mean_total_effect_log10

    def to_dict(self) -> dict[str, Any]:
        def run(summary: RunSummary) -> dict[str, Any]:
            data = asdict(summary)
            del data["sites"]
            return data

        return {
            "run_a": run(self.run_a),
            "run_b": run(self.run_b),
            "total_effect_change_log10": self.total_effect_change,
            "sum_of_site_changes": sum(c.difference for c in self.changes),
            "changes": [{"rank": i, **c.to_dict()} for i, c in enumerate(self.changes, start=1)],
        }


def load_run_summary(run_dir: str | Path) -> RunSummary:
    """Read ``results.json`` of a finished forbidden-facts run (one-line errors for anything else)."""
    path = Path(run_dir) / "results.json"
    if not path.is_file():
        raise RivalryError(f"'{run_dir}' has no results.json (not a finished forbidden-facts run)")
    try:
        results = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise RivalryError(f"{path}: invalid JSON ({error.msg})") from None
    missing = [k for k in ("sites", "mean_total_effect_log10", "n_layers", "n_heads") if k not in results]
    if missing:
        raise RivalryError(f"{path}: missing {', '.join(missing)}")
    settings = results.get("settings", {})
    return RunSummary(
        path=str(run_dir),
        model=str(results.get("model", "?")),
        adapter=settings.get("adapter"),
        split=settings.get("split"),
        prompt_format=settings.get("prompt_format"),
        n_facts_kept=int(results.get("n_facts_kept", 0)),
        mean_total_effect_log10=float(results["mean_total_effect_log10"]),
        n_layers=int(results["n_layers"]),
        n_heads=int(results["n_heads"]),
        sites=list(results["sites"]),
    )


def compare_runs(run_a: RunSummary, run_b: RunSummary) -> Comparison:
    """Per-site changes from ``run_a`` to ``run_b``; the two runs must have the same sites (same architecture)."""
    ranks_a = {Site.from_dict(s): (i, s) for i, s in enumerate(run_a.sites, start=1)}
    ranks_b = {Site.from_dict(s): (i, s) for i, s in enumerate(run_b.sites, start=1)}
    if set(ranks_a) != set(ranks_b):
        raise RivalryError(
            f"the runs have different sites ({len(ranks_a)} vs {len(ranks_b)}); compare runs of the same architecture"
        )
    changes = []
    for site, (rank_a, a) in ranks_a.items():
        rank_b, b = ranks_b[site]
        effect_a, effect_b = float(a["effect_mean"]), float(b["effect_mean"])
        changes.append(SiteChange(site, effect_a, effect_b, effect_b - effect_a, rank_a, rank_b))
    changes.sort(key=lambda c: (-_magnitude(c.difference), c.site))
    return Comparison(run_a=run_a, run_b=run_b, changes=changes)


def _magnitude(x: float) -> float:
    return abs(x) if math.isfinite(x) else -1.0  # NaN (a run without kept facts) sorts last


def write_comparison(comparison: Comparison, out_dir: Path) -> None:
    """Write ``comparison.json`` and ``comparison.csv`` into ``out_dir``."""
    data = comparison.to_dict()
    write_json(Path(out_dir) / "comparison.json", data)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(CSV_COLUMNS), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(data["changes"])
    write_atomically(Path(out_dir) / "comparison.csv", buffer.getvalue().encode())
