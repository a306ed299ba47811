"""``AttributionResult``: attribution patching of every site at every position, its checks, and the QK split.

Saved as ``attribution.json`` (facts with their tokens, the site order, the validation pairs, the last-position
check, the query-key splits, config, provenance, fingerprint) and ``attribution.safetensors`` (``scores`` and
``scores_linear`` ``[fact, site, position]``, ``bound`` when GradDrop ran; positions count the competing prompt's
tokens from 0, padded with 0 beyond each fact's length). ``nodes.csv`` (the ranked (site, position) pairs per fact)
and ``qk.json`` are views, never read back.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import torch
from jaxtyping import Float
from torch import Tensor

from rivalry.attribution.nodes import SitePosition
from rivalry.attribution.qk import QKHeadSplit
from rivalry.core.sites import Site
from rivalry.experiments.attribute.config import AttributeConfig
from rivalry.experiments.base import Result, register_result
from rivalry.io.atomic import csv_bytes, json_text, write_atomically
from rivalry.models.model import Provenance

SCHEMA_VERSION = 1
NODE_COLUMNS = (
    "rank",
    "fact_id",
    "site",
    "kind",
    "layer",
    "head",
    "position",
    "token",
    "score",
    "score_linear",
    "bound",
)


def finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


@dataclass(frozen=True)
class AttributedFact:
    """One attributed fact: the competing prompt's tokens, where the forbidden word is, and the two runs' metric.

    ``total_effect`` is ``LO(competing) - LO(target)`` averaged over the ``targets`` used (log10 odds).
    """

    fact_id: str
    answer: str
    tokens: tuple[str, ...]
    word_positions: tuple[int, ...]
    targets: tuple[str, ...]
    lo_competing: float
    lo_target: float
    total_effect: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AttributedFact:
        values = {f.name: data[f.name] for f in fields(cls)}
        for key in ("tokens", "word_positions", "targets"):
            values[key] = tuple(values[key])
        return cls(**values)


@dataclass(frozen=True)
class ValidationPair:
    """One node patched for real (``real``) against its estimates, on one fact and target prompt."""

    fact_id: str
    target: str
    node: SitePosition
    sample: str  # "top": among the largest |estimate|, "random": uniform over the rest
    estimate_linear: float
    estimate_qk: float | None
    real: float

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "node": self.node.to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ValidationPair:
        values = {f.name: data[f.name] for f in fields(cls)}
        values["node"] = SitePosition.from_dict(values["node"])
        return cls(**values)


@dataclass(frozen=True)
class Agreement:
    """Rank and linear agreement of an estimate with a reference over ``n`` values (None: undefined)."""

    n: int
    spearman: float | None
    pearson: float | None
    max_abs_difference: float | None


@register_result
@dataclass(frozen=True, eq=False)
class AttributionResult(Result):
    """What ``rivalry attribute`` measured.

    Attributes:
        facts: the attributed facts, in the order of the tensors' first axis.
        site_order: the sites (second axis).
        scores: ``[fact, site, position]`` AtP with the QK fix (plain AtP when ``config.qk_fix`` is off).
        scores_linear: the same without the QK fix.
        bound: the GradDrop bound, or None.
        dropped: ``(fact_id, reason)`` of facts not attributed (``length_mismatch``: no target prompt has the
            competing prompt's token count).
        validation: the nodes patched for real; ``agreement_linear`` / ``agreement_qk``: their agreement.
        last_position: AtP against the run's first-order patching at the predicting position for the sites whose
            only path there is direct (the last MLP; the last heads too with parallel blocks), where the two must
            coincide to first order; ``last_position_all``: the same over every site (AtP adds indirect paths).
        qk: the query-key splits of the top suppressor heads' attention to the forbidden word.
    """

    KIND = "attribution"
    MAIN_FILE = "attribution.json"
    SCHEMA_VERSION = SCHEMA_VERSION
    CONFIG = AttributeConfig

    config: AttributeConfig
    provenance: Mapping[str, Provenance]
    fingerprint: Mapping[str, Any]
    facts: tuple[AttributedFact, ...]
    site_order: tuple[Site, ...]
    scores: Float[Tensor, "fact site position"]
    scores_linear: Float[Tensor, "fact site position"]
    bound: Float[Tensor, "fact site position"] | None
    dropped: tuple[tuple[str, str], ...]
    validation: tuple[ValidationPair, ...]
    agreement_linear: Agreement | None
    agreement_qk: Agreement | None
    last_position: Agreement | None
    last_position_all: Agreement | None
    qk: tuple[QKHeadSplit, ...] = ()

    @property
    def n_layers(self) -> int:
        return 1 + max(s.layer for s in self.site_order)

    def ranked_nodes(self, fact: int, top: int | None = None) -> list[tuple[SitePosition, float]]:
        """The (site, position) nodes of one fact, largest |score| first."""
        length = len(self.facts[fact].tokens)
        values = self.scores[fact, :, :length]
        order = values.abs().flatten().argsort(descending=True)[: top or values.numel()]
        return [
            (SitePosition(self.site_order[int(i) // length], int(i) % length), float(values.flatten()[i]))
            for i in order
        ]

    def record(self) -> dict[str, Any]:
        def agreement(a: Agreement | None) -> dict[str, Any] | None:
            return None if a is None else asdict(a)

        return {
            "model": self.model,
            "n_facts": len(self.facts),
            "agreement_linear": agreement(self.agreement_linear),
            "agreement_qk": agreement(self.agreement_qk),
            "last_position": agreement(self.last_position),
            "last_position_all": agreement(self.last_position_all),
            "site_order": [s.to_dict() for s in self.site_order],
            "facts": [f.to_dict() for f in self.facts],
            "dropped_facts": [list(d) for d in self.dropped],
            "validation": [v.to_dict() for v in self.validation],
            "qk": [q.to_dict() for q in self.qk],
        }

    def tensors(self) -> dict[str, Tensor]:
        out = {"scores": self.scores.float(), "scores_linear": self.scores_linear.float()}
        if self.bound is not None:
            out["bound"] = self.bound.float()
        return out

    @classmethod
    def from_record(cls, meta: dict[str, Any], record: dict[str, Any], tensors: dict[str, Tensor]) -> AttributionResult:
        def agreement(data: Any) -> Agreement | None:
            return None if data is None else Agreement(**data)

        facts = tuple(AttributedFact.from_dict(f) for f in record["facts"])
        sites = tuple(Site.from_dict(s) for s in record["site_order"])
        scores = tensors.get("scores", torch.zeros(len(facts), len(sites), 0))
        if scores.shape[:2] != (len(facts), len(sites)):
            raise ValueError(f"scores have shape {tuple(scores.shape)}, expected ({len(facts)}, {len(sites)}, ...)")
        return cls(
            **meta,
            facts=facts,
            site_order=sites,
            scores=scores,
            scores_linear=tensors.get("scores_linear", torch.zeros_like(scores)),
            bound=tensors.get("bound"),
            dropped=tuple((str(a), str(b)) for a, b in record["dropped_facts"]),
            validation=tuple(ValidationPair.from_dict(v) for v in record["validation"]),
            agreement_linear=agreement(record["agreement_linear"]),
            agreement_qk=agreement(record["agreement_qk"]),
            last_position=agreement(record["last_position"]),
            last_position_all=agreement(record["last_position_all"]),
            qk=tuple(QKHeadSplit.from_dict(q) for q in record["qk"]),
        )

    def node_rows(self) -> list[dict[str, Any]]:
        rows = []
        for f, fact in enumerate(self.facts):
            for rank, (node, score) in enumerate(self.ranked_nodes(f, self.config.csv_top), start=1):
                i = self.site_order.index(node.site)
                rows.append(
                    {
                        "rank": rank, "fact_id": fact.fact_id, **node.site.to_dict(), "position": node.position,
                        "token": fact.tokens[node.position], "score": score,
                        "score_linear": float(self.scores_linear[f, i, node.position]),
                        "bound": None if self.bound is None else float(self.bound[f, i, node.position]),
                    }
                )  # fmt: skip
        return rows

    def write_views(self, directory: Path) -> None:
        write_atomically(directory / "nodes.csv", csv_bytes(NODE_COLUMNS, self.node_rows()))
        qk = {"model": self.model, "heads": [q.to_dict() for q in self.qk]}
        write_atomically(directory / "qk.json", json_text(qk).encode("utf-8"))

    def to_pandas(self) -> Any:
        """The ranked (site, position) nodes of every fact (the ``nodes.csv`` view)."""
        import pandas as pd

        return pd.DataFrame(self.node_rows(), columns=list(NODE_COLUMNS))

    def summary_lines(self) -> list[str]:
        lines = [f"{len(self.facts)} facts attributed over {len(self.site_order)} sites at every position"]
        for name, a in (("AtP", self.agreement_linear), ("AtP + QK fix", self.agreement_qk)):
            if a is not None:
                lines.append(f"{name} vs activation patching on {a.n} (site, position) pairs: Spearman {a.spearman}")
        if self.last_position is not None:
            lines.append(
                "last position, direct-only sites (last MLP): AtP vs first-order patching Spearman "
                f"{self.last_position.spearman}, "
                f"max |diff| {self.last_position.max_abs_difference}"
            )
        return lines
