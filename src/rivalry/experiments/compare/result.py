"""``ComparisonResult``: the per-site difference of first-order effects between two forbidden-facts results.

For every site present in both results, ``difference = effect_mean(B) - effect_mean(A)`` (log10 odds of the
answer). With A the base model and B the tuned one, a negative difference is suppression the tuning added.
Sites are ranked by ``|difference|``, largest first. Saved as ``comparison.json`` (``comparison.csv`` a view).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rivalry.core.sites import Site
from rivalry.experiments.base import Result, register_result
from rivalry.experiments.compare.config import CompareConfig
from rivalry.io.atomic import csv_bytes, write_atomically
from rivalry.models.model import Provenance

CSV_COLUMNS = ("rank", "site", "kind", "layer", "head", "effect_a", "effect_b", "difference", "rank_a", "rank_b")


@dataclass(frozen=True)
class RunSummary:
    """What the comparison keeps of one forbidden-facts result."""

    path: str | None
    model: str
    adapter: str | None
    split: str | None
    prompt_format: str | None
    n_facts_kept: int
    mean_total_effect_log10: float
    n_layers: int
    n_heads: int

    def label(self) -> str:
        return self.model


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

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SiteChange:
        return cls(
            Site.from_dict(data),
            float(data["effect_a"]),
            float(data["effect_b"]),
            float(data["difference"]),
            int(data["rank_a"]),
            int(data["rank_b"]),
        )


@register_result
@dataclass(frozen=True, eq=False)
class ComparisonResult(Result):
    """Two forbidden-facts results (A, B) and their per-site changes, largest ``|difference|`` first.

    Attributes:
        config: how to show it.
        provenance: ``{"a": Provenance, "b": Provenance}``.
        fingerprint: the two results' fingerprints.
        run_a, run_b: what the comparison keeps of each result.
        changes: per-site changes, largest ``|difference|`` first.
    """

    KIND = "comparison"
    MAIN_FILE = "comparison.json"
    SCHEMA_VERSION = 2
    CONFIG = CompareConfig

    config: CompareConfig
    provenance: Mapping[str, Provenance]
    fingerprint: Mapping[str, Any]
    run_a: RunSummary
    run_b: RunSummary
    changes: tuple[SiteChange, ...]

    @property
    def total_effect_change(self) -> float:
        return self.run_b.mean_total_effect_log10 - self.run_a.mean_total_effect_log10

    def record(self) -> dict[str, Any]:
        return {
            "run_a": asdict(self.run_a),
            "run_b": asdict(self.run_b),
            "total_effect_change_log10": self.total_effect_change,
            "sum_of_site_changes": sum(c.difference for c in self.changes),
            "changes": [{"rank": i, **c.to_dict()} for i, c in enumerate(self.changes, start=1)],
        }

    @classmethod
    def from_record(cls, meta: dict[str, Any], record: dict[str, Any], tensors: dict[str, Any]) -> ComparisonResult:
        return cls(
            **meta,
            run_a=RunSummary(**record["run_a"]),
            run_b=RunSummary(**record["run_b"]),
            changes=tuple(SiteChange.from_dict(c) for c in record["changes"]),
        )

    def write_views(self, directory: Path) -> None:
        write_atomically(directory / "comparison.csv", csv_bytes(CSV_COLUMNS, self.record()["changes"]))

    def to_pandas(self) -> Any:
        import pandas as pd

        return pd.DataFrame(self.record()["changes"], columns=list(CSV_COLUMNS))
