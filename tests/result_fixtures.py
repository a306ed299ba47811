"""Small ForbiddenFactsResult objects built in memory with chosen site effects (no model needed)."""

from __future__ import annotations

import torch

from rivalry.core.sites import site_order
from rivalry.experiments.base import fingerprint
from rivalry.experiments.forbidden_facts import FactRow, ForbiddenFactsConfig, ForbiddenFactsResult, JointCheck
from rivalry.models.model import Provenance

EVIL_ID = "<script>alert('x')</script>"


def provenance(name: str = "toy-model", adapter: str | None = None) -> Provenance:
    return Provenance(name=name, source="in-memory", base_sha256=f"sha-{name}", adapter=adapter,
                      adapter_sha256="a" * 64 if adapter else None)  # fmt: skip


def fact_row(fact_id: str, total: float, p: tuple[float, float, float] = (0.1, 0.5, 0.6), answer: str = "A") -> FactRow:
    return FactRow(
        fact_id=fact_id, relation="capital_of", subject="s", answer=answer, wrong_answer="W", irrelevant_word="w",
        prompt_competing="c", prompt_nc_wrong="w", prompt_nc_irrelevant="i",
        p_competing=p[0], p_nc_wrong=p[1], p_nc_irrelevant=p[2],
        lo_competing=total, lo_nc_wrong=0.0, lo_nc_irrelevant=0.0, total_effect_log10=total,
    )  # fmt: skip


def make_result(
    site_effects: dict[str, float],
    mean_effect: float = -0.8,
    n_layers: int = 2,
    n_heads: int = 2,
    n_facts: int = 4,
    n_facts_total: int | None = None,
    dropped: tuple[tuple[str, str], ...] = (),
    model: str = "toy-model",
    adapter: str | None = None,
    joint: tuple[JointCheck, ...] = (),
    fact_ids: tuple[str, ...] = (),
) -> ForbiddenFactsResult:
    """A result whose every fact has the given site effects (so each site's mean is exactly its value)."""
    sites = site_order(n_layers, n_heads, position_embedding=False, attention_bias=False)
    row = torch.tensor([site_effects.get(s.label, 0.0) for s in sites])
    ids = fact_ids or tuple(f"f{i}" for i in range(n_facts))
    facts = tuple(fact_row(fid, mean_effect, (0.05 * (i + 1), 0.5, 0.6), f"Answer{i}") for i, fid in enumerate(ids))
    config = ForbiddenFactsConfig(split="heldout")
    prov = provenance(model, adapter)
    return ForbiddenFactsResult(
        config=config,
        provenance={"model": prov},
        fingerprint=fingerprint(ForbiddenFactsResult.KIND, config, {"model": prov}),
        n_facts_total=n_facts_total if n_facts_total is not None else len(facts) + len(dropped),
        dropped=dropped,
        facts=facts,
        site_order=sites,
        effects=row.repeat(len(facts), 1),
        n_layers=n_layers,
        n_heads=n_heads,
        joint_check=joint,
    )
