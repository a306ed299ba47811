"""Aggregating per-fact results: site ranking, the cumulative curve, and the files of a finished run."""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from jaxtyping import Float
from torch import Tensor

from rivalry.core.sites import Site
from rivalry.forbidden.prompts import PROMPT_KINDS
from rivalry.forbidden.store import write_atomically, write_json

FRACTIONS = ("0.8", "0.9", "1.0")
FACT_COLUMNS = (
    "fact_id",
    "relation",
    "subject",
    "answer",
    "wrong_answer",
    "irrelevant_word",
    "prompt_competing",
    "prompt_nc_wrong",
    "prompt_nc_irrelevant",
    "p_competing",
    "p_nc_wrong",
    "p_nc_irrelevant",
    "lo_competing",
    "lo_nc_wrong",
    "lo_nc_irrelevant",
    "total_effect_log10",
)
SITE_COLUMNS = ("rank", "site", "kind", "layer", "head", "effect_mean", "effect_std")


def ranked_sites(sites: Sequence[Site], effects: Float[Tensor, "fact site"]) -> list[dict[str, Any]]:
    """Sites with the mean and standard deviation over facts of their effect, most suppressive first."""
    means = effects.mean(0) if effects.shape[0] else torch.full((len(sites),), float("nan"))
    stds = effects.std(0, unbiased=effects.shape[0] > 1) if effects.shape[0] else torch.full_like(means, float("nan"))
    order = sorted(range(len(sites)), key=lambda i: (float(means[i]), i))
    return [{**sites[i].to_dict(), "effect_mean": float(means[i]), "effect_std": float(stds[i])} for i in order]


def in_direction(ranked: list[dict[str, Any]], total: float) -> list[dict[str, Any]]:
    """Sites ordered by how much they push in the direction of the total effect (strongest first)."""
    return ranked if total < 0 else list(reversed(ranked))


def cumulative_curve(ranked: list[dict[str, Any]], total: float) -> tuple[dict[str, list], dict[str, int | None]]:
    """Cumulative sum of the top-k effects (ranked in the total effect's direction) and the k reaching each fraction."""
    ordered = in_direction(ranked, total)
    sums, running = [], 0.0
    for site in ordered:
        running += site["effect_mean"]
        sums.append(running)
    k_for: dict[str, int | None] = {}
    for fraction in FRACTIONS:
        target = float(fraction) * total
        hits = [k for k, value in enumerate(sums, start=1) if total != 0 and value / total >= float(fraction) - 1e-9]
        k_for[fraction] = hits[0] if hits and math.isfinite(target) else None
    return {"k": list(range(1, len(sums) + 1)), "sum_effect": sums}, k_for


def summarise(
    model: str,
    settings: dict[str, Any],
    sites: Sequence[Site],
    rows: list[dict[str, Any]],
    effects: Float[Tensor, "fact site"],
    dropped: list[tuple[str, str]],
    n_facts_total: int,
    n_layers: int,
    n_heads: int,
) -> dict[str, Any]:
    """The ``results.json`` content (without the joint check, added once it is computed)."""
    totals = [float(r["total_effect_log10"]) for r in rows]
    mean_total = sum(totals) / len(totals) if totals else float("nan")
    ranked = ranked_sites(sites, effects)
    curve, k_for = cumulative_curve(ranked, mean_total)
    mean_p = {
        kind: (sum(float(r[f"p_{kind}"]) for r in rows) / len(rows) if rows else float("nan")) for kind in PROMPT_KINDS
    }
    return {
        "model": model,
        "settings": settings,
        "n_facts_total": n_facts_total,
        "n_facts_kept": len(rows),
        "n_facts_dropped": dict(sorted(Counter(reason for _, reason in dropped).items())),
        "mean_total_effect_log10": mean_total,
        "direction": "suppression" if mean_total < 0 else "amplification",
        "mean_p_correct": mean_p,
        "n_layers": n_layers,
        "n_heads": n_heads,
        "sites": ranked,
        "cumulative": curve,
        "k_for_fraction": k_for,
        "joint_patching_check": [],
    }


def _csv_bytes(columns: Sequence[str], rows: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def write_outputs(root: Path, results: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    """Write ``results.json``, ``facts.csv`` and ``sites.csv`` (atomically)."""
    write_json(root / "results.json", results)
    write_atomically(root / "facts.csv", _csv_bytes(FACT_COLUMNS, rows))
    site_rows = [{"rank": rank, **site} for rank, site in enumerate(results["sites"], start=1)]
    write_atomically(root / "sites.csv", _csv_bytes(SITE_COLUMNS, site_rows))
