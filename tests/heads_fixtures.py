"""Forbidden-facts results built in memory with chosen sites and effects, for the experiments that take their
heads from one (heads, attack)."""

from __future__ import annotations

from dataclasses import fields

import torch

from rivalry.core.sites import Site
from rivalry.experiments.forbidden_facts import FactRow, ForbiddenFactsConfig, ForbiddenFactsResult
from rivalry.models.model import Provenance


def forbidden_facts_result(effects: dict[Site, float], empty: bool = False) -> ForbiddenFactsResult:
    """A result of one fact whose only sites are ``effects``' keys, with those effects (``empty``: the fact was
    dropped, so nothing is ranked)."""
    fact = FactRow(**{f.name: 0.0 if f.type == "float" else "x" for f in fields(FactRow)})
    sites = tuple(effects)
    values = torch.tensor([[effects[s] for s in sites]])
    return ForbiddenFactsResult(
        config=ForbiddenFactsConfig(split="heldout", limit=1),
        provenance={"model": Provenance(name="tiny-chat", source="in-memory", base_sha256="0" * 64)},
        fingerprint={"experiment": "forbidden_facts", "models": {"model": {"name": "tiny-chat"}}},
        n_facts_total=1,
        dropped=(("x", "multi_token_answer"),) if empty else (),
        facts=() if empty else (fact,),
        site_order=sites,
        effects=values[:0] if empty else values,
        n_layers=2,
        n_heads=4,
    )
