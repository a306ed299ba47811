"""Run ``rivalry faithfulness``: the k-site circuit's own prediction, and attack success from the description.

(a) Circuit: on each fact's competing and non-competing prompts, every site outside the top k (the forbidden-facts
ranking, most suppressive first) is set at the predicting position to its mean over all non-competing runs; the
circuit's effect ``LO(competing) - mean LO(non-competing)`` is compared with the full model's per fact.

(b) Attacks: for every attacked prompt of the attack run, the description's prediction is the heads' direct effect
through their attention to the inserted word, ``sum_h sum_{j in word} A_h[last, j] (v_h[j] . W_O_h^T g)`` with
``g = dLO/dresid_final`` of the attacked run (the suppression search's quantity, read off the real attention);
AUROC against the measured success (``effect <= -1`` log10 odds), beside a baseline scoring by the clean log odds.
"""

from __future__ import annotations

import math
from pathlib import Path

import torch
from tqdm.auto import tqdm

from rivalry.circuits.attack import SUCCESS_EFFECT
from rivalry.circuits.attention import forbidden_word_span
from rivalry.circuits.circuit import HeadCircuits, eager_attention, run_body
from rivalry.circuits.suppression_search import answer_gradient
from rivalry.core.capture import Activations, capture
from rivalry.core.hooks import Hook, main_output
from rivalry.core.metrics import AnswerLogOdds
from rivalry.core.patching import patch_hooks, readout_metric
from rivalry.core.positions import position_ids_from_mask, resolve_positions
from rivalry.core.sites import Site
from rivalry.core.vocabulary import VocabularyIndex
from rivalry.errors import RivalryError
from rivalry.experiments.attack.result import AttackResult, AttackRow
from rivalry.experiments.base import fingerprint, provenance_of
from rivalry.experiments.faithfulness.config import FaithfulnessConfig
from rivalry.experiments.faithfulness.inputs import load_inputs
from rivalry.experiments.faithfulness.result import AttackPrediction, CircuitRow, FaithfulnessResult, auroc
from rivalry.experiments.forbidden_facts.result import FactRow
from rivalry.models.model import Model, as_model
from rivalry.prompts.chat import encode_batch

KINDS = ("competing", "nc_wrong", "nc_irrelevant")


def run(model: Model, config: FaithfulnessConfig, progress: bool = True) -> FaithfulnessResult:
    """Judge the forbidden-facts run's description against the model (circuit) and the attack run (attacks)."""
    lm = as_model(model)
    source, attack = load_inputs(config)
    mine = lm.provenance.identity()
    for name, result in (("run", source), ("attack run", attack)):
        if result is None:
            continue
        theirs = result.provenance["model"].identity()
        if any(theirs.get(key) != mine.get(key) for key in ("base_sha256", "adapter_sha256")):
            raise RivalryError(f"the {name} was made with {result.provenance['model'].label}, not this model")
    facts = list(source.facts[: config.limit] if config.limit else source.facts)
    vocab = VocabularyIndex(lm.tokenizer, lm.anatomy.vocab_size)
    order = [s.site for s in source.sites_in_direction() if s.site.kind != "attn_bias"]
    ks = sorted({min(k, len(order)) for k in config.ks} | {len(order)})
    circuit = _circuit_rows(lm, config, facts, vocab, order, ks, progress)
    predictions = [] if attack is None else _attack_predictions(lm, config, attack, vocab, progress)
    return FaithfulnessResult(
        config=config,
        provenance=provenance_of({"model": lm}),
        fingerprint=fingerprint(FaithfulnessResult.KIND, config, {"model": lm}),
        ks=tuple(ks),
        order=tuple(order),
        circuit=tuple(circuit),
        heads=() if attack is None else tuple(attack.heads),
        predictions=tuple(predictions),
        attack_auroc=auroc([-p.predicted for p in predictions], [p.success for p in predictions]),
        baseline_auroc=auroc([-p.lo_clean for p in predictions], [p.success for p in predictions]),
    )


def _mean_activations(lm: Model, rows: list[FactRow], batch_size: int) -> Activations:
    """Every site's mean activation at the predicting position over the non-competing prompts."""
    parts: list[Activations] = []
    texts = [getattr(r, f"prompt_{kind}") for r in rows for kind in KINDS[1:]]
    for start in range(0, len(texts), batch_size):
        batch = encode_batch(lm.tokenizer, texts[start : start + batch_size])
        mask = batch["attention_mask"]
        parts.append(capture(lm.anatomy, batch["input_ids"], mask, resolve_positions(mask, -1)))

    def mean(name: str) -> torch.Tensor | None:
        values = [getattr(p, name) for p in parts]
        if values[0] is None:
            return None
        dim = 0 if name in ("embed", "pos_embed", "residual") else 1
        return torch.cat(values, dim=dim).mean(dim, keepdim=True)

    return Activations(**{name: mean(name) for name in Activations.__dataclass_fields__})  # type: ignore[arg-type]


def _expand(acts: Activations, n: int) -> Activations:
    def grow(x: torch.Tensor, dim: int) -> torch.Tensor:
        return x.repeat_interleave(n, dim=dim)

    def maybe(x: torch.Tensor | None, dim: int) -> torch.Tensor | None:
        return None if x is None else grow(x, dim)

    return Activations(
        embed=grow(acts.embed, 0), pos_embed=maybe(acts.pos_embed, 0), head_inputs=grow(acts.head_inputs, 1),
        post_attention_scale=maybe(acts.post_attention_scale, 1), mlp_outputs=grow(acts.mlp_outputs, 1),
        residual=grow(acts.residual, 0),
    )  # fmt: skip


def _circuit_rows(
    lm: Model,
    config: FaithfulnessConfig,
    facts: list[FactRow],
    vocab: VocabularyIndex,
    order: list[Site],
    ks: list[int],
    progress: bool,
) -> list[CircuitRow]:
    """Each fact's effect with only the top-k sites live at the predicting position, for every k."""
    anatomy = lm.anatomy
    means = _mean_activations(lm, facts, config.batch_size)
    effects: dict[int, list[float]] = {k: [] for k in ks}
    step = max(1, config.batch_size // 3)
    for start in tqdm(range(0, len(facts), step), desc="circuit", unit="batch", disable=not progress):
        chunk = facts[start : start + step]
        texts = [getattr(r, f"prompt_{kind}") for kind in KINDS for r in chunk]
        sets = [vocab.token_set(r.answer) for _ in KINDS for r in chunk]
        batch = encode_batch(lm.tokenizer, texts)
        mask = batch["attention_mask"]
        positions = resolve_positions(mask, -1)
        metric = AnswerLogOdds.from_token_sets(sets)
        rows = torch.arange(len(texts))
        for k in ks:
            ablated = order[k:]
            hooks = patch_hooks(anatomy, ablated, _expand(means, len(texts)), positions) if ablated else []
            residual = capture(anatomy, batch["input_ids"], mask, positions, extra_hooks=hooks).residual
            lo = readout_metric(anatomy, residual, rows, metric).reshape(len(KINDS), len(chunk))
            effects[k] += (lo[0] - (lo[1] + lo[2]) / 2).tolist()
    return [
        CircuitRow(
            fact_id=r.fact_id, full_effect=r.total_effect_log10, circuit_effects=tuple(effects[k][i] for k in ks)
        )
        for i, r in enumerate(facts)
    ]


def _word_region(text: str) -> str:
    """The part of an attack's system prompt before the forbidden-word sentence (the insertion lives there)."""
    cut = text.find("not allowed")
    return text if cut < 0 else text[:cut]


def _capture_hooks(circuits: HeadCircuits, layers: list[int], store: dict[str, torch.Tensor]) -> list[Hook]:
    """Hooks keeping the final residual, and the attention weights and values of ``layers``, in ``store``."""
    keep = store.__setitem__
    hooks = [Hook(circuits.anatomy.final_norm, lambda m, a, k: keep("final", a[0] if a else k["hidden_states"]), "pre")]
    for layer in layers:
        hooks.append(Hook(circuits.attention[layer], lambda m, a, k, o, layer=layer: keep(f"p{layer}", o[1])))
        hooks.append(Hook(circuits.value[layer], lambda m, a, k, o, layer=layer: keep(f"v{layer}", main_output(o))))
    return hooks


def _attack_predictions(
    lm: Model, config: FaithfulnessConfig, attack: AttackResult, vocab: VocabularyIndex, progress: bool
) -> list[AttackPrediction]:
    """The description's predicted effect of every attacked prompt (one eager pass per batch)."""
    circuits = HeadCircuits.of(lm)
    anatomy = circuits.anatomy
    heads = list(attack.heads)
    layers = sorted({h.layer for h in heads})
    w_out = anatomy.head_output_weights
    rows: list[AttackRow] = [r for r in attack.rows if r.insertion]
    out: list[AttackPrediction] = []
    for start in tqdm(range(0, len(rows), config.batch_size), desc="attacks", unit="batch", disable=not progress):
        chunk = rows[start : start + config.batch_size]
        texts = [r.prompt_attacked for r in chunk]
        batch = encode_batch(lm.tokenizer, texts)
        mask = batch["attention_mask"]
        store: dict[str, torch.Tensor] = {}
        hooks = _capture_hooks(circuits, layers, store)
        with eager_attention(lm):
            run_body(
                anatomy, hooks, input_ids=batch["input_ids"].to(anatomy.device), attention_mask=mask.to(anatomy.device),
                position_ids=position_ids_from_mask(mask).to(anatomy.device), use_cache=False,
            )  # fmt: skip
        seq = batch["input_ids"].shape[1]
        for i, row in enumerate(chunk):
            pad = seq - int(mask[i].sum())
            span = [
                pad + j
                for j in forbidden_word_span(
                    lm.tokenizer, row.prompt_attacked, row.insertion, _word_region(row.prompt_attacked)
                )
            ]
            g = answer_gradient(lm, store["final"][i, -1], vocab.token_set(row.answer))
            total = 0.0
            for head in heads:
                assert head.head is not None
                u = w_out[head.layer, :, head.head].T @ g  # [d_head]
                values = circuits.split(store[f"v{head.layer}"][i].float())[:, circuits.kv_head(head.head)]
                weights = store[f"p{head.layer}"][i, head.head, -1].float()
                total += float((weights[span] * (values[span] @ u)).sum())
            out.append(
                AttackPrediction(
                    attack=row.attack, template=row.template, fact_id=row.fact_id, insertion=row.insertion,
                    predicted=total, lo_clean=row.lo_clean, effect_log10=row.effect_log10,
                    success=row.effect_log10 <= SUCCESS_EFFECT,
                )
            )  # fmt: skip
    return out


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


__all__ = ["Path", "load_inputs", "run"]
