"""Run the forbidden-facts experiment end to end, batch by batch, resumable after a crash."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from tqdm.auto import tqdm

from rivalry.core.sites import Site, site_order
from rivalry.core.vocabulary import VocabularyIndex
from rivalry.errors import RivalryError
from rivalry.facts.dataset import Fact, load_facts, load_irrelevant_words, select_split
from rivalry.forbidden.config import ForbiddenFactsConfig
from rivalry.forbidden.evaluate import BatchOutcome, evaluate_batch
from rivalry.forbidden.joint import JointPatcher, check_sizes
from rivalry.forbidden.prompts import build_fact_prompts
from rivalry.forbidden.store import RunStore
from rivalry.forbidden.summary import in_direction, summarise, write_outputs
from rivalry.models.anatomy import Anatomy

MULTI_TOKEN_ANSWER = "multi_token_answer"


def chosen_facts(config: ForbiddenFactsConfig) -> list[Fact]:
    facts = select_split(load_facts(config.facts), config.split)
    return facts[: config.limit] if config.limit else facts


def run_forbidden_facts(
    lm: object,
    config: ForbiddenFactsConfig,
    out_dir: Path,
    resume: bool = False,
    progress: bool = True,
    after_batch: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Run the experiment on ``lm`` and write ``results.json``, ``facts.csv`` and ``sites.csv`` into ``out_dir``.

    Each batch's results are stored as soon as it finishes; with ``resume`` finished batches are read back
    instead of recomputed, so an interrupted run ends with the same ``results.json`` as an uninterrupted one.
    ``after_batch`` is called with each batch index after it is stored (tests use it to simulate a crash).
    """
    anatomy = Anatomy.of(lm)
    store = RunStore(out_dir)
    store.open(config.to_dict(), config.fingerprint(), resume)
    facts = chosen_facts(config)
    if not facts:
        raise RivalryError("no facts to run on (empty dataset or split)")
    vocab = VocabularyIndex(lm.tokenizer, anatomy.vocab_size)
    answer_sets = {f.fact_id: vocab.token_set(f.answer) for f in facts}
    usable = [f for f in facts if answer_sets[f.fact_id]]
    dropped: list[tuple[str, str]] = [(f.fact_id, MULTI_TOKEN_ANSWER) for f in facts if not answer_sets[f.fact_id]]
    words = load_irrelevant_words()
    batches = [usable[i : i + config.batch_size] for i in range(0, len(usable), config.batch_size)]
    outcomes: list[BatchOutcome] = []
    bar = tqdm(total=len(batches), desc="forbidden facts", unit="batch", disable=not progress)
    for index, batch in enumerate(batches):
        if store.has_batch(index):
            outcomes.append(store.load_batch(index))
        else:
            prompts = [
                build_fact_prompts(lm.tokenizer, f, words, config.prompt_format, config.system_template) for f in batch
            ]
            outcome = evaluate_batch(lm, prompts, [answer_sets[f.fact_id] for f in batch], config.min_nc_probability)
            store.save_batch(index, outcome)
            outcomes.append(outcome)
            if after_batch is not None:
                after_batch(index)
        bar.update(1)
    bar.close()

    sites = site_order(
        anatomy.n_layers,
        anatomy.n_heads,
        position_embedding=anatomy.position_embedding is not None,
        attention_bias=anatomy.has_attention_bias,
    )
    rows = [row for outcome in outcomes for row in outcome.rows]
    effects = torch.cat([o.site_effects for o in outcomes]) if outcomes else torch.zeros(0, len(sites))
    dropped += [d for outcome in outcomes for d in outcome.dropped]
    results = summarise(
        config.model,
        config.to_dict(),
        sites,
        rows,
        effects,
        dropped,
        len(facts),
        anatomy.n_layers,
        anatomy.n_heads,
    )
    if rows:
        results["joint_patching_check"] = _joint_check(
            lm, store, config, results, rows, effects, sites, answer_sets, progress
        )
    write_outputs(out_dir, results, rows)
    return results


def _joint_check(lm, store, config, results, rows, effects, sites, answer_sets, progress) -> list[dict[str, Any]]:
    sample = rows[: config.joint_facts]
    ordered = in_direction(results["sites"], results["mean_total_effect_log10"])
    index_of = {site: i for i, site in enumerate(sites)}
    sample_means = effects[: len(sample)].mean(0)
    patcher: JointPatcher | None = None
    checks = []
    ks = check_sizes(config.joint_ks, results["k_for_fraction"], len(sites))
    for k in tqdm(ks, desc="joint patching check", unit="k", disable=not progress):
        stored = store.load_joint(k)
        if stored is None:
            top = [Site.from_dict(s) for s in ordered[:k]]
            if patcher is None:
                patcher = JointPatcher(lm, sample, [answer_sets[r["fact_id"]] for r in sample])
            stored = {
                "k": k,
                "n_facts": len(sample),
                "sum_first_order": float(sum(sample_means[index_of[s]] for s in top)),
                "joint": patcher.joint_effect(top),
            }
            store.save_joint(k, stored)
        checks.append(stored)
    return checks
