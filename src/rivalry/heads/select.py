"""Choosing the heads to study: from a finished run, or by attention to the forbidden word and OV suppression."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from jaxtyping import Float
from torch import Tensor

from rivalry.core.sites import Site
from rivalry.errors import RivalryError


def heads_from_run(run_dir: str | Path, k: int) -> list[Site]:
    """The top ``k`` heads of a finished run directory.

    A forbidden-facts run (``results.json``): the heads with the most negative mean first-order effect (they
    suppress the answer when it is forbidden). A ``rivalry heads`` run (``heads.json``): its ``top_heads``.
    """
    run = Path(run_dir)
    if (run / "heads.json").is_file():
        data = json.loads((run / "heads.json").read_text())
        return [Site(int(h["layer"]), "head", int(h["head"])) for h in data["top_heads"][:k]]
    results = run / "results.json"
    if not results.is_file():
        raise RivalryError(f"{run} holds neither results.json (forbidden-facts run) nor heads.json (rivalry heads)")
    try:
        sites = json.loads(results.read_text())["sites"]
    except (json.JSONDecodeError, KeyError):
        raise RivalryError(f"{results}: not a finished forbidden-facts results file") from None
    heads = sorted((s for s in sites if s["kind"] == "head"), key=lambda s: float(s["effect_mean"]))
    if not heads:
        raise RivalryError(f"{results}: no head sites")
    return [Site(int(s["layer"]), "head", int(s["head"])) for s in heads[:k]]


def suppressor_scores(
    mass_competing: Float[Tensor, "layer head"], ov_scores: Float[Tensor, "layer head"]
) -> Float[Tensor, "layer head"]:
    """``mass on the forbidden word (competing) x max(0, -OV suppression score)``: heads that look at the
    forbidden word and lower the logit of what they look at."""
    return mass_competing * (-ov_scores).clamp(min=0)


def top_heads(scores: Float[Tensor, "layer head"], k: int) -> list[Site]:
    """The ``k`` heads with the highest scores, best first."""
    n_heads = scores.shape[1]
    order = torch.argsort(scores.flatten(), descending=True)[:k]
    return [Site(int(i) // n_heads, "head", int(i) % n_heads) for i in order]
