"""Run the forbidden-facts experiment batch by batch; with a store, resumable after a crash."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch
from tqdm.auto import tqdm

from rivalry.core.sites import Site, site_order
from rivalry.core.vocabulary import VocabularyIndex
from rivalry.errors import RivalryError
from rivalry.experiments.base import fingerprint, provenance_of
from rivalry.experiments.forbidden_facts.config import ForbiddenFactsConfig
from rivalry.experiments.forbidden_facts.evaluate import BatchOutcome, evaluate_batch
from rivalry.experiments.forbidden_facts.joint import JointPatcher, check_sizes
from rivalry.experiments.forbidden_facts.prompts import build_fact_prompts
from rivalry.experiments.forbidden_facts.result import FactRow, ForbiddenFactsResult, JointCheck
from rivalry.facts.dataset import Fact, load_facts, load_irrelevant_words, select_split
from rivalry.io.store import RunStore, open_store
from rivalry.models.model import Model, as_model

MULTI_TOKEN_ANSWER = "multi_token_answer"


def chosen_facts(config: ForbiddenFactsConfig) -> list[Fact]:
    facts = select_split(load_facts(config.facts), config.split)
    return facts[: config.limit] if config.limit else facts


def run(
    model: Model, config: ForbiddenFactsConfig, store: RunStore | str | Path | None = None, progress: bool = True
) -> ForbiddenFactsResult:
    """Measure, decompose and rank how ``model`` handles a forbidden correct answer.

    Without ``store`` everything is computed in memory. With a :class:`~rivalry.io.RunStore` (or a directory
    path, opened with ``resume=True``) every finished batch and joint check is stored at once, and a rerun reads
    them back instead of recomputing; a store holding a run of another model, config or input is refused.
    """
    lm = as_model(model)
    facts = chosen_facts(config)
    if not facts:
        raise RivalryError("no facts to run on (empty dataset or split)")
    run_fingerprint = fingerprint(ForbiddenFactsResult.KIND, config, {"model": lm})
    run_store = open_store(store, run_fingerprint)
    anatomy = lm.anatomy
    vocab = VocabularyIndex(lm.tokenizer, anatomy.vocab_size)
    answer_sets = {f.fact_id: vocab.token_set(f.answer) for f in facts}
    usable = [f for f in facts if answer_sets[f.fact_id]]
    dropped: list[tuple[str, str]] = [(f.fact_id, MULTI_TOKEN_ANSWER) for f in facts if not answer_sets[f.fact_id]]
    words = load_irrelevant_words()
    batches = [usable[i : i + config.batch_size] for i in range(0, len(usable), config.batch_size)]
    outcomes: list[BatchOutcome] = []
    for index, batch in enumerate(tqdm(batches, desc="forbidden facts", unit="batch", disable=not progress)):
        name = f"batch-{index:05d}"
        if run_store is not None and run_store.has(name):
            record, tensors = run_store.load(name)
            outcomes.append(
                BatchOutcome(record["rows"], [tuple(d) for d in record["dropped"]], tensors["site_effects"])
            )
            continue
        prompts = [
            build_fact_prompts(lm.tokenizer, f, words, config.prompt_format, config.system_template) for f in batch
        ]
        outcome = evaluate_batch(lm, prompts, [answer_sets[f.fact_id] for f in batch], config.min_nc_probability)
        if run_store is not None:
            record = {"rows": outcome.rows, "dropped": outcome.dropped}
            run_store.save(name, record, {"site_effects": outcome.site_effects.float()})
        outcomes.append(outcome)

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
