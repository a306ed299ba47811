"""Run ``rivalry attribute``: AtP over every site and position of a forbidden-facts run, checked, plus QK splits."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from pathlib import Path

import torch
from tqdm.auto import tqdm

from rivalry.attribution.atp import NodeScores, attribution_patching, model_sites
from rivalry.attribution.attention_access import AttentionAccess
from rivalry.attribution.nodes import SitePosition
from rivalry.attribution.patch import patch_nodes
from rivalry.attribution.qk import QKHeadSplit, qk_split, summarise
from rivalry.attribution.trace import trace
from rivalry.circuits.attention import forbidden_word_span
from rivalry.circuits.search import spearman
from rivalry.core.metrics import AnswerLogOdds
from rivalry.core.sites import Site
from rivalry.core.vocabulary import VocabularyIndex
from rivalry.errors import RivalryError
from rivalry.experiments.attribute.config import AttributeConfig
from rivalry.experiments.attribute.result import Agreement, AttributedFact, AttributionResult, ValidationPair, finite
from rivalry.experiments.attribute.source import load_source_run
from rivalry.experiments.base import fingerprint, provenance_of
from rivalry.experiments.forbidden_facts.result import FactRow, ForbiddenFactsResult
from rivalry.io.store import RunStore, open_store
from rivalry.models.model import Model, as_model
from rivalry.prompts.chat import encode_batch

LENGTH_MISMATCH = "length_mismatch"
MULTI_TOKEN_ANSWER = "multi_token_answer"


def _check_model(lm: Model, source: ForbiddenFactsResult) -> None:
    mine, theirs = lm.provenance.identity(), source.provenance["model"].identity()
    for key in ("base_sha256", "adapter_sha256"):
        if mine.get(key) != theirs.get(key):
            raise RivalryError(
                f"the run was made with {source.provenance['model'].label}, not this model ({key} differs); "
                "load that model"
            )


def agreement(estimate: Sequence[float], reference: Sequence[float]) -> Agreement | None:
    if len(estimate) < 2:
        return None
    x, y = torch.tensor(estimate, dtype=torch.float64), torch.tensor(reference, dtype=torch.float64)
    pearson = float(torch.corrcoef(torch.stack([x, y]))[0, 1])
    return Agreement(
        n=len(estimate),
        spearman=finite(spearman(x, y)),
        pearson=finite(pearson),
        max_abs_difference=finite(float((x - y).abs().max())),
    )


def _prompt(row: FactRow, kind: str) -> str:
    return str(getattr(row, f"prompt_{kind}"))


def run(
    model: Model, config: AttributeConfig, store: RunStore | str | Path | None = None, progress: bool = True
) -> AttributionResult:
    """Attribute every site at every position of the forbidden-facts run ``config.source_run`` (see the module docs)."""
    lm = as_model(model)
    source_run = load_source_run(config.source_run)
    _check_model(lm, source_run)
    stamp = fingerprint(AttributionResult.KIND, config, {"model": lm})
    run_store = open_store(store, stamp)
    tokenizer, anatomy = lm.tokenizer, lm.anatomy
    vocab = VocabularyIndex(tokenizer, anatomy.vocab_size)
    sites = model_sites(anatomy)

    def length(text: str) -> int:
        return len(tokenizer(text, add_special_tokens=False)["input_ids"])

    usable: list[tuple[FactRow, tuple[str, ...]]] = []
    dropped: list[tuple[str, str]] = []
    for row in source_run.facts:
        kinds = tuple(k for k in config.target_kinds if length(_prompt(row, k)) == length(row.prompt_competing))
        if not vocab.token_set(row.answer):
            dropped.append((row.fact_id, MULTI_TOKEN_ANSWER))
        elif not kinds:
            dropped.append((row.fact_id, LENGTH_MISMATCH))
        else:
            usable.append((row, kinds))
    usable = usable[: config.limit] if config.limit else usable
    if not usable:
        raise RivalryError("no fact of the run has a target prompt with the competing prompt's token count")

    facts, scores, linear, bounds = [], [], [], []
    kept_scores: dict[tuple[str, str], tuple[NodeScores, int]] = {}  # (fact_id, kind) -> batch scores, row
    batches = [usable[i : i + config.batch_size] for i in range(0, len(usable), config.batch_size)]
    for index, batch in enumerate(tqdm(batches, desc="attribution patching", unit="batch", disable=not progress)):
        name = f"batch-{index:05d}"
        validating = index < _validation_batches(config)  # the check needs this batch's scores in memory
        if run_store is not None and run_store.has(name) and not validating:
            record, tensors = run_store.load(name)
            facts += [AttributedFact.from_dict(f) for f in record["facts"]]
            lengths = [len(f["tokens"]) for f in record["facts"]]
            scores += [t[:, :n] for t, n in zip(tensors["scores"], lengths, strict=True)]
            linear += [t[:, :n] for t, n in zip(tensors["linear"], lengths, strict=True)]
            bounds += [t[:, :n] for t, n in zip(tensors["bound"], lengths, strict=True)] if "bound" in tensors else []
            continue
        out = _attribute_batch(lm, config, batch, vocab, source_run, kept_scores, validating)
        if run_store is not None and not run_store.has(name):
            tensors = {k: _pad_stack(v) for k, v in zip(("scores", "linear", "bound"), out[1:], strict=True) if v}
            run_store.save(name, {"facts": [f.to_dict() for f in out[0]]}, tensors)
        facts += out[0]
        scores += out[1]
        linear += out[2]
        bounds += out[3]
    validation = _validate(lm, config, usable, vocab, kept_scores, progress)
    last, last_all = last_position_checks(lm, source_run, facts, linear)
    qk = _qk_splits(lm, config, source_run, [u[0] for u in usable], facts, progress) if config.qk_heads else ()
    fixed = [v.estimate_qk for v in validation]
    return AttributionResult(
        config=config,
        provenance=provenance_of({"model": lm}),
        fingerprint=stamp,
        facts=tuple(facts),
        site_order=sites,
        scores=_pad_stack(scores),
        scores_linear=_pad_stack(linear),
        bound=_pad_stack(bounds) if bounds else None,
        dropped=tuple(dropped),
        validation=tuple(validation),
        agreement_linear=agreement([v.estimate_linear for v in validation], [v.real for v in validation]),
        agreement_qk=agreement([float(f) for f in fixed if f is not None], [v.real for v in validation])
        if config.qk_fix
        else None,
        last_position=last,
        last_position_all=last_all,
        qk=qk,
    )


def _pad_stack(values: list[torch.Tensor]) -> torch.Tensor:
    """Stack ``[site, length]`` tensors, zero-padded on the right to the longest."""
    width = max(v.shape[-1] for v in values)
    return torch.stack([torch.nn.functional.pad(v, (0, width - v.shape[-1])) for v in values])


def _validation_batches(config: AttributeConfig) -> int:
    return math.ceil(config.validate_facts / config.batch_size) if config.validate_pairs else 0


def _attribute_batch(
    lm: Model,
    config: AttributeConfig,
    batch: list[tuple[FactRow, tuple[str, ...]]],
    vocab: VocabularyIndex,
    source_run: ForbiddenFactsResult,
    kept: dict[tuple[str, str], tuple[NodeScores, int]],
    keep: bool,
) -> tuple[list[AttributedFact], list[torch.Tensor], list[torch.Tensor], list[torch.Tensor]]:
    """AtP of one batch of facts, averaged over each fact's usable target prompts; positions unpadded."""
    tokenizer = lm.tokenizer
    sums: dict[str, dict[str, torch.Tensor]] = {row.fact_id: {} for row, _ in batch}
    metrics: dict[str, list[tuple[float, float]]] = {row.fact_id: [] for row, _ in batch}
    for kind in dict.fromkeys(k for _, kinds in batch for k in kinds):
        rows = [row for row, kinds in batch if kind in kinds]
        source = encode_batch(tokenizer, [r.prompt_competing for r in rows])
        target = encode_batch(tokenizer, [_prompt(r, kind) for r in rows])
        metric = AnswerLogOdds.from_token_sets([vocab.token_set(r.answer) for r in rows])
        result = attribution_patching(
            lm, target["input_ids"], target["attention_mask"], source["input_ids"], source["attention_mask"], metric,
            qk_fix=config.qk_fix, graddrop_groups=config.graddrop_groups,
        )  # fmt: skip
        pad = (target["attention_mask"] == 0).sum(-1)
        for i, row in enumerate(rows):
            if keep:
                kept[(row.fact_id, kind)] = (result, i)
            cut = int(pad[i])
            parts = {"scores": result.best[i, :, cut:], "linear": result.linear[i, :, cut:]}
            if result.bound is not None:
                parts["bound"] = result.bound[i, :, cut:]
            if config.positions == "last":
                parts = {k: _last_only(v) for k, v in parts.items()}
            for key, value in parts.items():
                sums[row.fact_id][key] = sums[row.fact_id].get(key, 0) + value
            metrics[row.fact_id].append((float(result.source_metric[i]), float(result.target_metric[i])))
    facts, scores, linear, bounds = [], [], [], []
    system = source_run.config.system_template
    for row, kinds in batch:
        n = len(kinds)
        ids = tokenizer(row.prompt_competing, add_special_tokens=False)["input_ids"]
        span = forbidden_word_span(tokenizer, row.prompt_competing, row.answer, system.format(word=row.answer))
        lo_c = metrics[row.fact_id][0][0]
        lo_t = sum(t for _, t in metrics[row.fact_id]) / n
        facts.append(
            AttributedFact(
                fact_id=row.fact_id, answer=row.answer, tokens=tuple(tokenizer.convert_ids_to_tokens(ids)),
                word_positions=tuple(span), targets=kinds, lo_competing=lo_c, lo_target=lo_t,
                total_effect=lo_c - lo_t,
            )
        )  # fmt: skip
        scores.append(sums[row.fact_id]["scores"] / n)
        linear.append(sums[row.fact_id]["linear"] / n)
        if "bound" in sums[row.fact_id]:
            bounds.append(sums[row.fact_id]["bound"] / n)
    return facts, scores, linear, bounds


def _last_only(values: torch.Tensor) -> torch.Tensor:
    out = torch.zeros_like(values)
    out[..., -1] = values[..., -1]
    return out


def _validate(
    lm: Model,
    config: AttributeConfig,
    usable: list[tuple[FactRow, tuple[str, ...]]],
    vocab: VocabularyIndex,
    kept: dict[tuple[str, str], tuple[NodeScores, int]],
    progress: bool,
) -> list[ValidationPair]:
    """Real activation patching of a sample of nodes (half the largest |estimate|, half uniform over the rest)."""
    if not config.validate_pairs:
        return []
    access = AttentionAccess.of(lm)
    tokenizer, sites = lm.tokenizer, model_sites(lm.anatomy)
    rng = random.Random(config.seed)
    chosen = usable[: config.validate_facts]
    per_fact = math.ceil(config.validate_pairs / len(chosen))
    pairs: list[ValidationPair] = []
    for row, kinds in tqdm(chosen, desc="activation patching check", unit="fact", disable=not progress):
        kind = kinds[0]
        scores, i = kept[(row.fact_id, kind)]
        source = encode_batch(tokenizer, [row.prompt_competing])
        target = encode_batch(tokenizer, [_prompt(row, kind)])
        metric = AnswerLogOdds.from_token_sets([vocab.token_set(row.answer)])
        src = trace(access, source["input_ids"], source["attention_mask"])
        best, plain = scores.best[i], scores.linear[i]
        seq = best.shape[-1]
        pad = seq - int(target["attention_mask"].sum())  # the batch's padding in front of this row
        nodes = [
            (s, c) for s, site in enumerate(sites) if site.kind in ("embed", "head", "mlp") for c in range(pad, seq)
        ]
        ranked = sorted(nodes, key=lambda n: -abs(float(best[n])))
        top = ranked[: per_fact // 2]
        rest = rng.sample(ranked[per_fact // 2 :], min(per_fact - len(top), len(ranked) - len(top)))
        sample = [(n, "top") for n in top] + [(n, "random") for n in rest]
        wanted = [SitePosition(sites[s], c - pad) for (s, c), _ in sample]
        real = patch_nodes(access, target["input_ids"][0], target["attention_mask"][0], src, 0, wanted, metric, 0)
        for ((s, c), how), node, value in zip(sample, wanted, real.tolist(), strict=True):
            pairs.append(
                ValidationPair(
                    fact_id=row.fact_id, target=kind, node=node, sample=how, estimate_linear=float(plain[s, c]),
                    estimate_qk=float(best[s, c]) if config.qk_fix else None, real=value,
                )
            )  # fmt: skip
    return pairs


def direct_only(lm: Model, site: Site) -> bool:
    """Whether ``site``'s write at the predicting position reaches the metric only through the unembedding: the
    last block's MLP, and its heads too where attention and MLP run in parallel (GPT-NeoX)."""
    last = lm.anatomy.n_layers - 1
    parallel = bool(getattr(lm.anatomy.model.config, "use_parallel_residual", False))
    return site.layer == last and (site.kind == "mlp" or (site.kind == "head" and parallel))


def last_position_checks(
    lm: Model, source_run: ForbiddenFactsResult, facts: list[AttributedFact], scores: list[torch.Tensor]
) -> tuple[Agreement | None, Agreement | None]:
    """AtP at the predicting position against the run's first-order patching (facts patched from both targets).

    The first is over the sites whose only path is direct (they must coincide to first order), the second over
    every site (AtP adds the indirect paths through later layers at the predicting position).
    """
    index = {row.fact_id: i for i, row in enumerate(source_run.facts)}
    direct_atp, direct_fo, all_atp, all_fo = [], [], [], []
    for fact, values in zip(facts, scores, strict=True):
        if set(fact.targets) != {"nc_wrong", "nc_irrelevant"}:
            continue  # the run's effects are the mean over both targets
        first_order = source_run.effects[index[fact.fact_id]]
        for s, site in enumerate(source_run.site_order):
            if site.kind == "attn_bias":
                continue
            all_atp.append(float(values[s, -1]))
            all_fo.append(float(first_order[s]))
            if direct_only(lm, site):
                direct_atp.append(float(values[s, -1]))
                direct_fo.append(float(first_order[s]))
    return agreement(direct_atp, direct_fo), agreement(all_atp, all_fo)


def _qk_splits(
    lm: Model,
    config: AttributeConfig,
    source_run: ForbiddenFactsResult,
    rows: list[FactRow],
    facts: list[AttributedFact],
    progress: bool,
) -> tuple[QKHeadSplit, ...]:
    """Split the top suppressor heads' scores (predicting position -> forbidden word) on the competing prompts."""
    from rivalry.experiments.heads.select import heads_from_result

    heads: list[Site] = heads_from_result(source_run, config.qk_heads)
    access = AttentionAccess.of(lm)
    splits: dict[Site, list] = {h: [] for h in heads}
    attention: dict[Site, list[float]] = {h: [] for h in heads}
    for start in tqdm(range(0, len(rows), config.batch_size), desc="query-key split", disable=not progress):
        chunk = rows[start : start + config.batch_size]
        batch = encode_batch(lm.tokenizer, [r.prompt_competing for r in chunk])
        nodes = trace(access, batch["input_ids"], batch["attention_mask"], probs=True)
        seq = batch["input_ids"].shape[1]
        for i, fact in enumerate(facts[start : start + len(chunk)]):
            pad = seq - len(fact.tokens)
            key = pad + fact.word_positions[-1]
            for head in heads:
                splits[head].append(qk_split(access, nodes, i, head, seq - 1, key))
                assert nodes.probs is not None
                attention[head].append(float(nodes.probs[head.layer][i, head.head, seq - 1, key]))
    return tuple(summarise(h, splits[h], attention[h]) for h in heads)
