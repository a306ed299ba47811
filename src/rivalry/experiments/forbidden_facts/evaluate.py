"""One batch of facts: probabilities, log-odds, the nc-probability filter and first-order site effects."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from jaxtyping import Float
from torch import Tensor

from rivalry.core.certified import certified_first_order_effects
from rivalry.core.decomposition import Decomposition, decompose
from rivalry.core.metrics import AnswerLogOdds, answer_stats
from rivalry.core.patching import first_order_effects
from rivalry.models.anatomy import Anatomy
from rivalry.models.model import Model
from rivalry.prompts.chat import encode_batch
from rivalry.prompts.facts import PROMPT_KINDS, FactPrompts

LOW_NC_PROBABILITY = "low_nc_probability"


@dataclass(frozen=True)
class BatchOutcome:
    """Results of one batch.

    Attributes:
        rows: one record per kept fact (the columns of ``facts.csv``).
        dropped: ``(fact_id, reason)`` for facts the filter removed.
        site_effects: per kept fact, each site's first-order effect on the answer's log10-odds, averaged over
            the two non-competing variants (target: non-competing run, source: competing run).
    """

    rows: list[dict[str, object]]
    dropped: list[tuple[str, str]]
    site_effects: Float[Tensor, "kept site"]


@dataclass(frozen=True)
class ReadoutSettings:
    """How patched streams are read: ``exact`` (full vocabulary) or ``certified`` (within ``tolerance``), and the
    memory budget of the patching's temporaries (``None``: the default chunk)."""

    readout: str = "exact"
    tolerance: float = 1e-4
    max_memory_mb: float | None = None


def site_effects_and_bounds(
    lm: Model, target: Decomposition, source: Decomposition, metric: AnswerLogOdds, settings: ReadoutSettings
) -> tuple[Float[Tensor, "site batch"], Float[Tensor, "site batch"]]:
    """First-order effects of every site and the error bound each is guaranteed within (zeros when exact)."""
    if settings.readout == "certified":
        certified = certified_first_order_effects(
            lm, target, source, metric, tolerance=settings.tolerance, max_memory_mb=settings.max_memory_mb
        )
        return certified.effects, certified.bound
    exact = first_order_effects(lm, target=target, source=source, metric=metric, max_memory_mb=settings.max_memory_mb)
    return exact.effects, torch.zeros_like(exact.effects)


def evaluate_batch(
    lm: Model,
    prompts: Sequence[FactPrompts],
    answer_sets: Sequence[list[int]],
    min_nc_probability: float,
    settings: ReadoutSettings | None = None,
) -> BatchOutcome:
    """Evaluate a batch of facts: filter on the non-competing prompts, then decompose and patch the kept ones.

    Both non-competing prompts of every fact go through one batched forward pass; the competing prompts are
    run only for the facts that pass the filter (most small models fail it for most facts).
    """
    settings = settings or ReadoutSettings()
    n = len(prompts)
    nc_texts = [p.nc_wrong for p in prompts] + [p.nc_irrelevant for p in prompts]
    nc_batch = encode_batch(lm.tokenizer, nc_texts)
    dec_nc = decompose(lm, nc_batch["input_ids"], nc_batch["attention_mask"])
    nc_p, nc_lo = _answer_stats(lm, dec_nc.residual, list(answer_sets) * 2)
    p_nc = (nc_p[:n] + nc_p[n:]) / 2
    keep = [i for i in range(n) if float(p_nc[i]) > min_nc_probability]
    dropped = [(prompts[i].fact.fact_id, LOW_NC_PROBABILITY) for i in range(n) if i not in keep]
    if not keep:
        return BatchOutcome(rows=[], dropped=dropped, site_effects=torch.zeros(0, len(dec_nc.sites)))
    kept_sets = [answer_sets[i] for i in keep]
    c_batch = encode_batch(lm.tokenizer, [prompts[i].competing for i in keep])
    competing = decompose(lm, c_batch["input_ids"], c_batch["attention_mask"])
    c_p, c_lo = _answer_stats(lm, competing.residual, kept_sets)
    metric = AnswerLogOdds.from_token_sets(kept_sets)
    kept = torch.tensor(keep)
    effects, bounds = [], []
    for offset in (0, n):  # nc_wrong rows, then nc_irrelevant rows
        target = dec_nc.select(kept + offset)
        effect, bound = site_effects_and_bounds(lm, target, competing, metric, settings)
        effects.append(effect)
        bounds.append(bound)
    site_effects = ((effects[0] + effects[1]) / 2).T.contiguous()
    fact_bounds = ((bounds[0] + bounds[1]) / 2).amax(0)  # the mean of two effects errs by at most their mean bound
    rows = []
    for j, i in enumerate(keep):
        p = torch.stack([c_p[j], nc_p[i], nc_p[n + i]])
        lo = torch.stack([c_lo[j], nc_lo[i], nc_lo[n + i]])
        rows.append({**_row(prompts[i], p, lo), "readout_bound_log10": float(fact_bounds[j])})
    return BatchOutcome(rows=rows, dropped=dropped, site_effects=site_effects)


def _answer_stats(
    lm: Model, residual: Float[Tensor, "batch d_model"], answer_sets: Sequence[list[int]]
) -> tuple[Float[Tensor, " batch"], Float[Tensor, " batch"]]:
    """p(answer) and its log10-odds for each row, read through the model's exact final norm and unembedding."""
    return answer_stats(Anatomy.of(lm).readout(residual), answer_sets)


def _row(prompts: FactPrompts, p: Tensor, lo: Tensor) -> dict[str, object]:
    fact = prompts.fact
    row: dict[str, object] = {
        "fact_id": fact.fact_id,
        "relation": fact.relation,
        "subject": fact.subject,
        "answer": fact.answer,
        "wrong_answer": fact.wrong_answer,
        "irrelevant_word": prompts.irrelevant_word,
    }
    row.update({f"prompt_{kind}": text for kind, text in prompts.by_kind().items()})
    row.update({f"p_{kind}": float(p[i]) for i, kind in enumerate(PROMPT_KINDS)})
    row.update({f"lo_{kind}": float(lo[i]) for i, kind in enumerate(PROMPT_KINDS)})
    row["total_effect_log10"] = float(lo[0] - (lo[1] + lo[2]) / 2)
    return row
