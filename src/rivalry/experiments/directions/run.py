"""Run a directions experiment: fit a direction per point, select one, ablate and add it, against random controls.

1. Fit: residual features at the read position (each text's last token) at every point for ``n_fit`` train items
   per side; the difference of means and a logistic-regression probe per point; their held-out separation.
2. Select: the point whose direction, ablated at every layer and position, moves the train-side ``ablate_on``
   prompts' score most in the intended direction, among points whose addition moves the ``add_on`` prompts the
   intended way (if any do), up to ``max_layer_fraction`` of the depth (or ``config.layer``).
3. Intervene with the selected point's direction (and the probe's, for comparison) on the held-out prompts:
   ablation on ``ablate_on``, addition on ``add_on``; ``n_random`` random directions of the same norm give the
   control band; the cost is the KL on neutral texts and the change in non-competing accuracy.
4. Project the last-token state at the selected point onto the direction, per subset (framing, prompt kind), for
   the model and (optionally) a base model.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from rivalry.core.residual import residual_features, residual_point_names
from rivalry.errors import RivalryError
from rivalry.experiments.base import fingerprint, provenance_of
from rivalry.io.store import RunStore, open_store
from rivalry.models.model import Model, as_model
from rivalry.steering.builtin import forbidden_contrast, neutral_texts, refusal_contrast
from rivalry.steering.contrasts import Contrast, ScoredPrompt, file_contrast, load_contrast_file, paired_subsample
from rivalry.steering.finding import fit_probe, mean_difference, score_points, unit
from rivalry.steering.measures import (
    CLEAN,
    Edit,
    neutral_kl,
    neutral_logits,
    percentile,
    quantile,
    random_directions,
    score_prompts,
)

from .config import DirectionsConfig
from .result import DirectionsResult, InterventionRow, LayerRow, ProjectionRow


def build_contrast(lm: Model, config: DirectionsConfig) -> Contrast:
    """The contrast a config names, for ``lm``."""
    if config.contrast == "forbidden":
        return forbidden_contrast(
            lm, config.n_eval, config.n_select, config.min_nc_probability, config.seed, config.batch_size
        )
    if config.contrast == "refusal":
        return refusal_contrast(lm, config.requests, config.n_fit * 2, config.n_select, config.seed,
                                config.heldout_fraction, config.refusal_negatives)  # fmt: skip
    return file_contrast(load_contrast_file(config.contrast), config.heldout_fraction, config.seed)


def _features(lm: Model, contrast: Contrast, rows: np.ndarray, batch_size: int) -> torch.Tensor:
    items = [contrast.variables.items[int(i)] for i in rows]
    special = items[0].add_special_tokens
    return residual_features(
        lm.anatomy, lm.tokenizer, [i.text for i in items], "last", batch_size, add_special_tokens=special
    ).features


def _fit(lm: Model, contrast: Contrast, config: DirectionsConfig) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    targets = contrast.variables.targets()
    train = paired_subsample(contrast.variables, contrast.split.train, config.n_fit, config.seed)
    test = paired_subsample(contrast.variables, contrast.split.test, config.n_fit, config.seed)
    x_train = _features(lm, contrast, train, config.batch_size)
    x_test = _features(lm, contrast, test, config.batch_size)
    y_train, y_test = torch.from_numpy(targets[train]), torch.from_numpy(targets[test])
    directions = mean_difference(x_train, y_train)
    if config.orthogonal_to_mean:  # drop the component along the stream's mean (massive activations live there)
        means = x_train.double().mean(1)
        m_hat = means / means.norm(dim=-1, keepdim=True).clamp_min(1e-12)
        d64 = directions.double()
        directions = (d64 - (d64 * m_hat).sum(-1, keepdim=True) * m_hat).float()
    scores = score_points(directions, x_test, y_test)
    probes, accuracy, cosine = [], [], []
    for point in range(directions.shape[0]):
        probe = fit_probe(x_train[point], y_train, l2=config.probe_l2)
        norm = float(probe.weight.norm())
        probes.append(probe.weight / norm if norm > 0 else probe.weight)
        accuracy.append(probe.accuracy(x_test[point], y_test))
        d_norm = float(directions[point].norm())
        cosine.append(float(probes[-1] @ directions[point]) / d_norm if norm > 0 and d_norm > 0 else 0.0)
    record = {
        "n_fit": len(train),
        "n_heldout": len(test),
        "norm": list(scores.norm),
        "heldout_separation": list(scores.heldout_separation),
        "heldout_auc": list(scores.heldout_auc),
        "probe_heldout_accuracy": accuracy,
        "probe_cosine": cosine,
    }
    return record, {"directions": directions, "probe_directions": torch.stack(probes)}


class _Stage:
    """Store-or-compute for one named unit of work (a JSON-ready record)."""

    def __init__(self, store: RunStore | None):
        self.store = store

    def get(self, name: str, compute: Any) -> Any:
        if self.store is not None and self.store.has(name):
            return self.store.load(name)[0]
        value = compute()
        if self.store is not None:
            self.store.save(name, value)
        return value


def _mean(values: torch.Tensor) -> float:
    return float(values.double().mean())


def _accuracy(contrast: Contrast, top: torch.Tensor, clean_top: torch.Tensor, prompts: Sequence[ScoredPrompt]) -> float:
    if contrast.nc_accuracy == "answer":
        hits = [int(t) in set(p.answer_ids or ()) for t, p in zip(top.tolist(), prompts, strict=True)]
    else:
        hits = (top == clean_top).tolist()
    return 100.0 * sum(hits) / max(len(hits), 1)


def _subsets(prompts: Sequence[ScoredPrompt], clean: torch.Tensor, edited: torch.Tensor) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for subset in dict.fromkeys(p.subset for p in prompts):
        rows = torch.tensor([i for i, p in enumerate(prompts) if p.subset == subset])
        out[subset] = {"n": float(len(rows)), "clean": _mean(clean[rows]), "edited": _mean(edited[rows])}
    return out


def run(
    model: Model,
    config: DirectionsConfig | None = None,
    store: RunStore | str | Path | None = None,
    progress: bool = True,
    base: Model | None = None,
) -> DirectionsResult:
    """Directions of ``config.contrast`` in ``model`` at every point, the selected direction's ablation and addition
    against random directions of the same norm, their costs, and the projections per subset (``base`` too)."""
    lm = as_model(model)
    config = config or DirectionsConfig()
    config.check_inputs()
    n_points = lm.anatomy.n_layers + 1
    if config.layer is not None and config.layer >= n_points:
        raise RivalryError(f"layer {config.layer} is out of range: {lm.name} has points 0..{n_points - 1}")
    models = {"model": lm} if base is None else {"model": lm, "base": as_model(base, "base")}
    run_fingerprint = fingerprint(DirectionsResult.KIND, config, models)
    stage = _Stage(open_store(store, run_fingerprint))
    contrast = build_contrast(lm, config)
    bar = tqdm(total=6, desc="directions", disable=not progress)

    fit_store = stage.store
    if fit_store is not None and fit_store.has("fit"):
        fit_record, fit_tensors = fit_store.load("fit")
    else:
        fit_record, fit_tensors = _fit(lm, contrast, config)
        if fit_store is not None:
            fit_store.save("fit", fit_record, fit_tensors)
    directions, probe_directions = fit_tensors["directions"].float(), fit_tensors["probe_directions"].float()
    bar.update()

    sign = contrast.ablation_sign
    bs = config.batch_size
    sel_abl, sel_add = contrast.select_ablate_on, contrast.select_add_on
    clean_sel = stage.get(
        "select-clean",
        lambda: {
            "ablate_on": score_prompts(lm, sel_abl, batch_size=bs)[0][0].tolist(),
            "add_on": score_prompts(lm, sel_add, batch_size=bs)[0][0].tolist(),
        },
    )
    last = max(0, min(n_points - 1, math.floor(config.max_layer_fraction * (n_points - 1))))
    candidates = [config.layer] if config.layer is not None else list(range(last + 1))
    selection: dict[int, dict[str, float]] = {}
    for point in candidates:
        if float(directions[point].norm()) == 0.0:
            continue
        d = directions[point]

        def select(d: torch.Tensor = d, point: int = point) -> dict[str, float]:
            ablated = score_prompts(lm, sel_abl, Edit("ablation", d, point), bs)[0][0]
            addition = score_prompts(lm, sel_add, Edit("addition", d, point, config.addition_scale), bs)[0][0]
            return {
                "ablation": _mean(ablated) - float(np.mean(clean_sel["ablate_on"])),
                "addition": _mean(addition) - float(np.mean(clean_sel["add_on"])),
            }

        selection[point] = stage.get(f"select-{point:04d}", select)
    if not selection:
        raise RivalryError("every candidate direction has zero norm: the two sides give identical residual streams")
    eligible = [p for p in selection if -sign * selection[p]["addition"] > 0] or list(selection)
    selected = max(eligible, key=lambda p: sign * selection[p]["ablation"])
    rule = (
        f"point {config.layer} (given)" if config.layer is not None else
        f"largest ablation effect on {len(sel_abl)} train-side prompts among points 0..{last}"
        + (" whose addition moves the score the intended way" if len(eligible) < len(selection) else "")
    )  # fmt: skip
    bar.update()

    direction = unit(directions[selected]) * directions[selected].norm()  # checks the norm is not zero
    norm = float(direction.norm())
    probe = probe_directions[selected] * norm
    texts = neutral_texts(lm, config.n_neutral, config.seed)
    clean_neutral = neutral_logits(lm, texts, CLEAN, bs)
    targets = {"ablate_on": contrast.ablate_on, "add_on": contrast.add_on}
    nc = contrast.nc_items

    def clean_scores() -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, prompts in (*targets.items(), ("nc", nc)):
            scores, top = score_prompts(lm, prompts, batch_size=bs)
            out[name] = {"scores": scores[0].tolist(), "top": top[0].tolist()}
        return out

    clean = stage.get("eval-clean", clean_scores)
    bar.update()
    random = random_directions(config.n_random, lm.anatomy.d_model, norm, config.seed)

    def random_effects(kind: str, target: str, scale: float) -> list[float]:
        if config.n_random == 0:
            return []
        scores = score_prompts(lm, targets[target], Edit(kind, random, selected, scale), bs)[0]
        return (scores.double().mean(1) - float(np.mean(clean[target]["scores"]))).tolist()

    controls = {
        "ablation": stage.get("random-ablation", lambda: random_effects("ablation", "ablate_on", 0.0)),
        "addition": stage.get("random-addition", lambda: random_effects("addition", "add_on", config.addition_scale)),
    }
    if config.subtraction_scale > 0:
        controls["subtraction"] = stage.get(
            "random-subtraction", lambda: random_effects("addition", "ablate_on", -config.subtraction_scale)
        )
    bar.update()
    plan = [
        ("ablation", "ablation", "mean_difference", direction, "ablate_on", 0.0),
        ("addition", "addition", "mean_difference", direction, "add_on", config.addition_scale),
        ("probe_ablation", "ablation", "probe", probe, "ablate_on", 0.0),
        ("probe_addition", "addition", "probe", probe, "add_on", config.addition_scale),
    ]
    if config.subtraction_scale > 0:  # activation subtraction on the prompts where the behaviour happens
        plan.insert(
            2, ("subtraction", "addition", "mean_difference", direction, "ablate_on", -config.subtraction_scale)
        )
    rows = []
    for name, kind, source, vector, target, scale in plan:
        edit = Edit(kind, vector, selected, scale)

        def evaluate(edit: Edit = edit, target: str = target) -> dict[str, Any]:
            scores, _ = score_prompts(lm, targets[target], edit, bs)
            _, nc_top = score_prompts(lm, nc, edit, bs)
            kl = neutral_kl(clean_neutral, neutral_logits(lm, texts, edit, bs))
            return {"scores": scores[0].tolist(), "nc_top": nc_top[0].tolist(), "kl": kl}

        done = stage.get(f"edit-{name}", evaluate)
        intended = sign if target == "ablate_on" else -sign
        clean_t, edited_t = torch.tensor(clean[target]["scores"]), torch.tensor(done["scores"])
        effect = _mean(edited_t) - _mean(clean_t)
        randoms = [float(v) for v in controls["subtraction" if name == "subtraction" else kind]]
        clean_top = torch.tensor(clean["nc"]["top"])
        acc_clean = _accuracy(contrast, clean_top, clean_top, nc)
        acc_edited = _accuracy(contrast, torch.tensor(done["nc_top"]), clean_top, nc)
        rows.append(
            InterventionRow(
                name=name,
                kind=kind,
                source=source,
                point=selected,
                scale=config.addition_scale if kind == "addition" else 0.0,
                target=target,
                n=len(targets[target]),
                clean_mean=_mean(clean_t),
                edited_mean=_mean(edited_t),
                effect=effect,
                intended_sign=intended,
                random_effects=tuple(randoms),
                random_p95=intended * quantile([intended * r for r in randoms], 0.95) if randoms else None,
                percentile=percentile(effect, randoms, intended) if randoms else None,
                kl_neutral_nats=float(done["kl"]),
                nc_accuracy_clean=acc_clean,
                nc_accuracy_edited=acc_edited,
                nc_accuracy_change=acc_edited - acc_clean,
                subsets=_subsets(targets[target], clean_t, edited_t),
            )  # fmt: skip
        )
    bar.update()
    r_hat = unit(direction)
    prompts = (*contrast.ablate_on, *contrast.add_on)

    def projections() -> list[dict[str, Any]]:
        out = []
        for role, m in models.items():
            for subset in dict.fromkeys(p.subset for p in prompts):
                mine = [p for p in prompts if p.subset == subset]
                features = residual_features(
                    m.anatomy, m.tokenizer, [p.text for p in mine], "last", bs,
                    add_special_tokens=mine[0].add_special_tokens,
                ).features[selected]  # fmt: skip
                values = features.double() @ r_hat.double()
                std = float(values.std()) if len(values) > 1 else 0.0
                out.append({"model": role, "model_name": m.name, "subset": subset, "n": len(mine),
                            "mean": float(values.mean()), "std": std})  # fmt: skip
        return out

    projection_rows = stage.get("projections", projections)
    bar.update()
    bar.close()
    names = residual_point_names(lm.anatomy.n_layers)
    layers = tuple(
        LayerRow(
            point=p,
            name=names[p],
            norm=fit_record["norm"][p],
            heldout_separation=fit_record["heldout_separation"][p],
            heldout_auc=fit_record["heldout_auc"][p],
            probe_heldout_accuracy=fit_record["probe_heldout_accuracy"][p],
            probe_cosine=fit_record["probe_cosine"][p],
            select_ablation_effect=selection[p]["ablation"] if p in selection else None,
            select_addition_effect=selection[p]["addition"] if p in selection else None,
        )  # fmt: skip
        for p in range(n_points)
    )
    return DirectionsResult(
        config=config,
        provenance=provenance_of(models),
        fingerprint=run_fingerprint,
        contrast=contrast.name,
        score_unit=contrast.score_unit,
        nc_accuracy_rule=contrast.nc_accuracy,
        n_fit=int(fit_record["n_fit"]),
        n_heldout=int(fit_record["n_heldout"]),
        points=tuple(names),
        selected_point=selected,
        selection=rule,
        layers=layers,
        interventions=tuple(rows),
        projections=tuple(ProjectionRow(**row) for row in projection_rows),
        directions=directions,
        probe_directions=probe_directions,
    )
