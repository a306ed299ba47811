"""``ForbiddenFactsResult``: the typed result of a forbidden-facts run, and the files that are views of it.

Saved as ``results.json`` (the full record: every key of the documented layout plus ``kind``,
``schema_version``, ``config``, ``provenance``, ``fingerprint``, the per-fact rows and the dropped facts) and
``results.safetensors`` (the ``[fact, site]`` effects); ``facts.csv`` and ``sites.csv`` are views, never read back.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import MISSING, asdict, dataclass, fields
from pathlib import Path
from typing import Any

import torch
from jaxtyping import Float
from torch import Tensor

from rivalry.core.sites import Site
from rivalry.experiments.base import Result, register_result
from rivalry.experiments.forbidden_facts.config import ForbiddenFactsConfig
from rivalry.experiments.forbidden_facts.summary import FRACTIONS, cumulative_curve, in_direction, ranked_order
from rivalry.io.atomic import csv_bytes, write_atomically
from rivalry.models.model import Provenance
from rivalry.prompts.facts import PROMPT_KINDS

SCHEMA_VERSION = 3  # 1: the untyped layout of rivalry <= 0.1 (no kind, config or provenance); 2: no readout bound
SITE_COLUMNS = ("rank", "site", "kind", "layer", "head", "effect_mean", "effect_std")


@dataclass(frozen=True)
class FactRow:
    """One kept fact: its prompts exactly as fed to the tokenizer, p(answer) and log10 odds per prompt kind."""

    fact_id: str
    relation: str
    subject: str
    answer: str
    wrong_answer: str
    irrelevant_word: str
    prompt_competing: str
    prompt_nc_wrong: str
    prompt_nc_irrelevant: str
    p_competing: float
    p_nc_wrong: float
    p_nc_irrelevant: float
    lo_competing: float
    lo_nc_wrong: float
    lo_nc_irrelevant: float
    total_effect_log10: float  # lo_competing - (lo_nc_wrong + lo_nc_irrelevant) / 2
    readout_bound_log10: float = 0.0  # largest guaranteed error of this fact's site effects (0: exact readouts)

    @property
    def p_correct(self) -> dict[str, float]:
        return {kind: getattr(self, f"p_{kind}") for kind in PROMPT_KINDS}

    @property
    def total_effect(self) -> float:
        return self.total_effect_log10

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FactRow:
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data or f.default is MISSING})


FACT_COLUMNS = tuple(f.name for f in fields(FactRow))


@dataclass(frozen=True)
class SiteEffect:
    """A site's first-order effect on the answer's log10 odds, mean and std over facts (rank 1: most suppressive)."""

    site: Site
    effect_mean: float
    effect_std: float
    rank: int

    @property
    def label(self) -> str:
        return self.site.label

    @property
    def kind(self) -> str:
        return self.site.kind

    @property
    def layer(self) -> int:
        return self.site.layer

    @property
    def head(self) -> int | None:
        return self.site.head

    def to_dict(self) -> dict[str, Any]:
        return {**self.site.to_dict(), "effect_mean": self.effect_mean, "effect_std": self.effect_std}


@dataclass(frozen=True)
class JointCheck:
    """Top-k sites patched together (``joint``) against the sum of their first-order effects, on ``n_facts``."""

    k: int
    n_facts: int
    sum_first_order: float
    joint: float


@register_result
@dataclass(frozen=True, eq=False)
class ForbiddenFactsResult(Result):
    """What a forbidden-facts run measured.

    Attributes:
        config: the run's settings.
        provenance: ``{"model": Provenance}``.
        fingerprint: everything that decided the numbers (config, model identity, input hashes).
        n_facts_total: facts in the chosen split (after ``limit``).
        dropped: ``(fact_id, reason)`` of every fact left out (``multi_token_answer``, ``low_nc_probability``).
        facts: the kept facts, in run order.
        site_order: the model's sites in canonical order (the columns of ``effects``).
        effects: ``[fact, site]`` first-order effect of each site on each kept fact (log10 odds).
        n_layers, n_heads: the model's shape.
        joint_check: the joint-patching checks, by k.
    """

    KIND = "forbidden_facts"
    MAIN_FILE = "results.json"
    SCHEMA_VERSION = SCHEMA_VERSION
    CONFIG = ForbiddenFactsConfig

    config: ForbiddenFactsConfig
    provenance: Mapping[str, Provenance]
    fingerprint: Mapping[str, Any]
    n_facts_total: int
    dropped: tuple[tuple[str, str], ...]
    facts: tuple[FactRow, ...]
    site_order: tuple[Site, ...]
    effects: Float[Tensor, "fact site"]
    n_layers: int
    n_heads: int
    joint_check: tuple[JointCheck, ...] = ()

    # --- derived numbers ----------------------------------------------------------------------------------------
    @property
    def is_empty(self) -> bool:
        """True when no fact was kept: nothing is ranked and the mean effect is undefined."""
        return not self.facts

    @property
    def n_facts_kept(self) -> int:
        return len(self.facts)

    @property
    def n_facts_dropped(self) -> dict[str, int]:
        return dict(sorted(Counter(reason for _, reason in self.dropped).items()))

    @property
    def undefined_reason(self) -> str | None:
        """Why the mean effect and the ranking are undefined (no fact kept), else None."""
        if not self.is_empty:
            return None
        why = ", ".join(f"{reason}: {count}" for reason, count in self.n_facts_dropped.items()) or "no facts"
        return f"0 of {self.n_facts_total} facts kept ({why}); nothing to rank"

    @property
    def mean_total_effect(self) -> float | None:
        """Mean over kept facts of ``LO(competing) - mean LO(non-competing)`` (log10 odds); None if empty."""
        if self.is_empty:
            return None
        return sum(f.total_effect_log10 for f in self.facts) / len(self.facts)

    @property
    def direction(self) -> str:
        total = self.mean_total_effect
        return "undefined" if total is None else "suppression" if total < 0 else "amplification"

    @property
    def mean_p_correct(self) -> dict[str, float | None]:
        if self.is_empty:
            return {kind: None for kind in PROMPT_KINDS}
        return {kind: sum(f.p_correct[kind] for f in self.facts) / len(self.facts) for kind in PROMPT_KINDS}

    @property
    def sites(self) -> tuple[SiteEffect, ...]:
        """Every site with its mean and std effect over facts, most suppressive first (empty if no fact kept)."""
        if self.is_empty:
            return ()
        means = self.effects.mean(0)
        stds = self.effects.std(0, unbiased=self.effects.shape[0] > 1)
        order = ranked_order(means)
        return tuple(
            SiteEffect(self.site_order[i], float(means[i]), float(stds[i]), rank)
            for rank, i in enumerate(order, start=1)
        )

    def sites_in_direction(self) -> tuple[SiteEffect, ...]:
        """Sites ordered by how strongly they push in the direction of the total effect."""
        return tuple(in_direction(list(self.sites), self.mean_total_effect or 0.0))

    @property
    def cumulative(self) -> dict[str, list]:
        return cumulative_curve([s.effect_mean for s in self.sites_in_direction()], self.mean_total_effect)[0]

    @property
    def cumulative_k(self) -> list[int]:
        return self.cumulative["k"]

    @property
    def cumulative_sum(self) -> list[float]:
        return self.cumulative["sum_effect"]

    @property
    def k_for_fraction(self) -> dict[float, int | None]:
        """Smallest k whose top-k sites reach 80/90/100% of the mean total effect (float keys)."""
        ks = cumulative_curve([s.effect_mean for s in self.sites_in_direction()], self.mean_total_effect)[1]
        return {float(fraction): k for fraction, k in ks.items()}

    @property
    def settings(self) -> dict[str, Any]:
        """The config as a dict, with the model and adapter as the layout before schema 2 had them."""
        p = self.provenance["model"]
        return {"model": p.name, **self.config.to_dict(), "adapter": p.adapter}

    def effect_of(self, site: Site) -> Float[Tensor, " fact"]:
        """Per-fact effects of one site."""
        return self.effects[:, self.site_order.index(site)]

    # --- saving and loading ---------------------------------------------------------------------------------------
    def record(self) -> dict[str, Any]:
        ranked = [s.to_dict() for s in self.sites]
        return {
            "model": self.model,
            "settings": self.settings,
            "n_facts_total": self.n_facts_total,
            "n_facts_kept": self.n_facts_kept,
            "n_facts_dropped": self.n_facts_dropped,
            "mean_total_effect_log10": self.mean_total_effect,
            "direction": self.direction,
            "undefined_reason": self.undefined_reason,
            "mean_p_correct": self.mean_p_correct,
            "n_layers": self.n_layers,
            "n_heads": self.n_heads,
            "sites": ranked,
            "cumulative": self.cumulative,
            "k_for_fraction": {f: self.k_for_fraction[float(f)] for f in FRACTIONS},
            "joint_patching_check": [asdict(j) for j in self.joint_check],
            "site_order": [s.to_dict() for s in self.site_order],
            "facts": [f.to_dict() for f in self.facts],
            "dropped_facts": [list(d) for d in self.dropped],
        }

    def tensors(self) -> dict[str, torch.Tensor]:
        return {"effects": self.effects.float()}

    @classmethod
    def from_record(
        cls, meta: dict[str, Any], record: dict[str, Any], tensors: dict[str, Tensor]
    ) -> ForbiddenFactsResult:
        site_order = tuple(Site.from_dict(s) for s in record["site_order"])
        facts = tuple(FactRow.from_dict(f) for f in record["facts"])
        effects = tensors.get("effects", torch.zeros(0, len(site_order)))
        if effects.shape != (len(facts), len(site_order)):
            raise ValueError(f"effects have shape {tuple(effects.shape)}, expected ({len(facts)}, {len(site_order)})")
        return cls(
            **meta,
            n_facts_total=int(record["n_facts_total"]),
            dropped=tuple((str(a), str(b)) for a, b in record["dropped_facts"]),
            facts=facts,
            site_order=site_order,
            effects=effects,
            n_layers=int(record["n_layers"]),
            n_heads=int(record["n_heads"]),
            joint_check=tuple(JointCheck(**j) for j in record["joint_patching_check"]),
        )

    def write_views(self, directory: Path) -> None:
        write_atomically(directory / "facts.csv", csv_bytes(FACT_COLUMNS, [f.to_dict() for f in self.facts]))
        site_rows = [{"rank": s.rank, **s.to_dict()} for s in self.sites]
        write_atomically(directory / "sites.csv", csv_bytes(SITE_COLUMNS, site_rows))

    def to_pandas(self) -> Any:
        """The kept facts as a DataFrame (one row per fact); ``sites_frame()`` gives the ranked sites."""
        import pandas as pd

        return pd.DataFrame([f.to_dict() for f in self.facts], columns=list(FACT_COLUMNS))

    def sites_frame(self) -> Any:
        import pandas as pd

        return pd.DataFrame([{"rank": s.rank, **s.to_dict()} for s in self.sites], columns=list(SITE_COLUMNS))

    def summary_line(self) -> str:
        """One line for the terminal."""
        if self.is_empty:
            return str(self.undefined_reason)
        total = self.mean_total_effect
        assert total is not None and math.isfinite(total)
        return (
            f"{self.n_facts_kept} of {self.n_facts_total} facts kept; "
            f"mean total effect {total:+.2f} log10 odds ({self.direction})"
        )
