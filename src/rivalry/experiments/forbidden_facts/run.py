"""Run the forbidden-facts experiment batch by batch; with a store, resumable after a crash."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from tqdm.auto import tqdm

from rivalry.core.sites import Site, site_order
from rivalry.core.vocabulary import VocabularyIndex
from rivalry.errors import RivalryError
from rivalry.experiments.base import fingerprint, provenance_of
from rivalry.experiments.forbidden_facts.config import ForbiddenFactsConfig
from rivalry.experiments.forbidden_facts.evaluate import BatchOutcome, ReadoutSettings, evaluate_batch
from rivalry.experiments.forbidden_facts.joint import JointPatcher, check_sizes
from rivalry.experiments.forbidden_facts.result import FactRow, ForbiddenFactsResult, JointCheck
from rivalry.facts.dataset import Fact, load_facts, load_irrelevant_words, select_split
from rivalry.io.store import RunStore, open_store
from rivalry.models.model import Model, as_model
from rivalry.prompts.facts import build_fact_prompts

MULTI_TOKEN_ANSWER = "multi_token_answer"


def chosen_facts(config: ForbiddenFactsConfig) -> list[Fact]:
    facts = select_split(load_facts(config.facts), config.split)
    return facts[: config.limit] if config.limit else facts


def _prepare(lm: Model, config: ForbiddenFactsConfig) -> tuple[list[Fact], dict[str, list[int]], dict[str, Any]]:
    facts = chosen_facts(config)
    if not facts:
        raise RivalryError("no facts to run on (empty dataset or split)")
    vocab = VocabularyIndex(lm.tokenizer, lm.anatomy.vocab_size)
    answer_sets = {f.fact_id: vocab.token_set(f.answer) for f in facts}
    return facts, answer_sets, fingerprint(ForbiddenFactsResult.KIND, config, {"model": lm})


def _batches(usable: list[Fact], config: ForbiddenFactsConfig) -> list[list[Fact]]:
    return [usable[i : i + config.batch_size] for i in range(0, len(usable), config.batch_size)]


def _batch_outcome(
    lm: Model,
    config: ForbiddenFactsConfig,
    store: RunStore | None,
    index: int,
    batch: list[Fact],
    answer_sets: dict[str, list[int]],
) -> BatchOutcome:
    """One batch's outcome: read back from ``store`` when finished there, else computed (and stored)."""
    name = f"batch-{index:05d}"
    if store is not None and store.has(name):
        record, tensors = store.load(name)
        return BatchOutcome(record["rows"], [tuple(d) for d in record["dropped"]], tensors["site_effects"])
    words = load_irrelevant_words()
    prompts = [build_fact_prompts(lm.tokenizer, f, words, config.prompt_format, config.system_template) for f in batch]
    settings = ReadoutSettings(config.readout, config.readout_tolerance, config.max_memory_mb)
    outcome = evaluate_batch(lm, prompts, [answer_sets[f.fact_id] for f in batch], config.min_nc_probability, settings)
    if store is not None:
        store.save(
            name, {"rows": outcome.rows, "dropped": outcome.dropped}, {"site_effects": outcome.site_effects.float()}
        )
    return outcome


def count_shards(model: Model, config: ForbiddenFactsConfig) -> int:
    """How many batches (independent units of work) a run of ``config`` on ``model`` has."""
    lm = as_model(model)
    facts, answer_sets, _ = _prepare(lm, config)
    return len(_batches([f for f in facts if answer_sets[f.fact_id]], config))


def compute_shards(
    model: Model, config: ForbiddenFactsConfig, store: RunStore | str | Path, index: int, count: int
) -> list[str]:
    """Compute and store the batches ``b`` with ``b % count == index`` (one worker's share of a split run).

    Batches already in ``store`` are skipped. Once every share is stored, :func:`run` with the same store reads
    them all back and gives the result a single process would. Returns the names of the batches computed here.
    """
    if not 0 <= index < count:
        raise RivalryError(f"shard index {index} out of range for {count} shard(s)")
    lm = as_model(model)
    facts, answer_sets, run_fingerprint = _prepare(lm, config)
    run_store = open_store(store, run_fingerprint)
    assert run_store is not None
    computed = []
    batches = _batches([f for f in facts if answer_sets[f.fact_id]], config)
    for batch_index in range(index, len(batches), count):
        name = f"batch-{batch_index:05d}"
        if not run_store.has(name):
            _batch_outcome(lm, config, run_store, batch_index, batches[batch_index], answer_sets)
            computed.append(name)
    return computed


def run(
    model: Model, config: ForbiddenFactsConfig, store: RunStore | str | Path | None = None, progress: bool = True
) -> ForbiddenFactsResult:
    """Measure, decompose and rank how ``model`` handles a forbidden correct answer.

    Without ``store`` everything is computed in memory. With a :class:`~rivalry.io.RunStore` (or a directory
    path, opened with ``resume=True``) every finished batch and joint check is stored at once, and a rerun reads
    them back instead of recomputing; a store holding a run of another model, config or input is refused.
    """
    lm = as_model(model)
    facts, answer_sets, run_fingerprint = _prepare(lm, config)
    run_store = open_store(store, run_fingerprint)
    anatomy = lm.anatomy
    usable = [f for f in facts if answer_sets[f.fact_id]]
    dropped: list[tuple[str, str]] = [(f.fact_id, MULTI_TOKEN_ANSWER) for f in facts if not answer_sets[f.fact_id]]
    batches = _batches(usable, config)
    outcomes = [
        _batch_outcome(lm, config, run_store, index, batch, answer_sets)
        for index, batch in enumerate(tqdm(batches, desc="forbidden facts", unit="batch", disable=not progress))
    ]

    sites = site_order(
        anatomy.n_layers,
        anatomy.n_heads,
        position_embedding=anatomy.position_embedding is not None,
        attention_bias=anatomy.has_attention_bias,
    )
    rows = tuple(FactRow.from_dict(row) for outcome in outcomes for row in outcome.rows)
    effects = torch.cat([o.site_effects for o in outcomes]) if outcomes else torch.zeros(0, len(sites))
    result = ForbiddenFactsResult(
        config=config,
        provenance=provenance_of({"model": lm}),
        fingerprint=run_fingerprint,
        n_facts_total=len(facts),
        dropped=tuple(dropped + [d for o in outcomes for d in o.dropped]),
        facts=rows,
        site_order=sites,
        effects=effects.float(),
        n_layers=anatomy.n_layers,
        n_heads=anatomy.n_heads,
    )
    if result.is_empty:
        return result
    checks = _joint_check(lm, run_store, config, result, answer_sets, progress)
    return ForbiddenFactsResult(**{**result.__dict__, "joint_check": checks})


def _joint_check(
    lm: Model,
    store: RunStore | None,
    config: ForbiddenFactsConfig,
    result: ForbiddenFactsResult,
    answer_sets: dict[str, list[int]],
    progress: bool,
) -> tuple[JointCheck, ...]:
    """Patch the top-k sites jointly on the first ``joint_facts`` facts and compare with their first-order sum."""
    sample = result.facts[: config.joint_facts]
    if not sample:
        return ()
    ordered: Sequence[Site] = [s.site for s in result.sites_in_direction()]
    index_of = {site: i for i, site in enumerate(result.site_order)}
    sample_means = result.effects[: len(sample)].mean(0)
    patcher: JointPatcher | None = None
    checks = []
    ks = check_sizes(config.joint_ks, {str(f): k for f, k in result.k_for_fraction.items()}, len(result.site_order))
    for k in tqdm(ks, desc="joint patching check", unit="k", disable=not progress):
        name = f"joint-k-{k:05d}"
        if store is not None and store.has(name):
            checks.append(JointCheck(**store.load(name)[0]))
            continue
        top = list(ordered[:k])
        if patcher is None:
            patcher = JointPatcher(lm, [f.to_dict() for f in sample], [answer_sets[f.fact_id] for f in sample])
        check = JointCheck(
            k=k,
            n_facts=len(sample),
            sum_first_order=float(sum(sample_means[index_of[s]] for s in top)),
            joint=patcher.joint_effect(top),
        )
        if store is not None:
            store.save(
                name,
                {
                    "k": check.k,
                    "n_facts": check.n_facts,
                    "sum_first_order": check.sum_first_order,
                    "joint": check.joint,
                },
            )
        checks.append(check)
    return tuple(checks)
