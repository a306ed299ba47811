"""Run a latents experiment: probes at every residual point, their controls and the output observers, for one
model or two side by side.

Units of work (one shard each, so an interrupted run resumes): ``model-<role>`` (the probes with the shuffled
control, and the output observers) and ``random-init-<role>`` (the probes on a randomly initialised model of the
same architecture; computed once when both models share an architecture).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from rivalry.experiments.base import fingerprint, provenance_of
from rivalry.genres.synthetic import GenreGenerator
from rivalry.io.atomic import json_ready
from rivalry.io.store import RunStore, open_store
from rivalry.latents.bootstrap import group_bootstrap
from rivalry.latents.controls import random_init_model
from rivalry.latents.leak import bits_lower_bound
from rivalry.latents.probes import auroc, r_squared
from rivalry.models.model import Model, as_model
from rivalry.variables.registry import load_variable, variable_generator
from rivalry.variables.schema import Split, VariableSet, group_split

from . import analysis
from .config import LatentsConfig
from .result import LatentsResult

MARGIN = 0.05  # a change in AUROC or R² smaller than this (CI included) is read as "kept"


def _architecture(lm: Model) -> str:
    return hashlib.sha256(lm.model.config.to_json_string(use_diff=False).encode()).hexdigest()


def _unit(
    lm: Model,
    variables: VariableSet,
    split: Split,
    config: LatentsConfig,
    control: bool,
    generator: GenreGenerator | None,
    bar: Any,
) -> analysis.Record:
    """One shard: the probes of ``lm`` (and, unless ``control``, its shuffled control and output observers)."""
    step = bar.update
    leak_view = None
    if variables.token_targets is not None:
        record, tensors = analysis.distribution_probes(lm, variables, split, config, control, step)
    else:
        if not control and config.output_leak:  # one forward pass gives the stream and the output
            leak_view = analysis.output_view_of(lm, variables, config, step, capture=True)
        record, tensors = analysis.binary_probes(lm, variables, split, config, not control, step, view=leak_view)
    if not control and config.output_leak:
        leak_view = leak_view or analysis.output_view_of(lm, variables, config, step)
        leak, leak_tensors = analysis.output_leak(lm, variables, split, config, leak_view)
        record["output_leak"] = leak
        tensors.update(leak_tensors)
    if not control and generator is not None:
        record["model_posterior_kl_nats"] = analysis.model_posterior_kl(lm, variables, split, generator)
    record["name"] = lm.name
    return json_ready(record), tensors


def _stored(store: RunStore | None, name: str, compute: Any) -> analysis.Record:
    if store is not None and store.has(name):
        record, tensors = store.load(name)
        return record, tensors
    record, tensors = compute()
    if store is not None:
        store.save(name, record, tensors)
    return record, tensors


def run(
    model: Model,
    config: LatentsConfig | None = None,
    compare_with: Model | None = None,
    store: RunStore | str | Path | None = None,
    progress: bool = True,
    generator: GenreGenerator | None = None,
) -> LatentsResult:
    """Probe ``model`` (and ``compare_with``) for ``config.variable`` on held-out groups, with controls, observers
    of the output, and (for two models) paired bootstrap changes and the hidden / destroyed / exposed reading.

    ``generator``: the synthetic corpus of ``variable="genre"`` for a model built in memory (a shipped or saved
    synthetic-genre model names its own). With a store the run is resumable (see the module docstring).
    """
    config = config or LatentsConfig()
    config.check_inputs()
    models = {"model": as_model(model)}
    if compare_with is not None:
        models["compare_with"] = as_model(compare_with, "compare_with")
    if config.variable == "genre" and generator is None:
        generator = variable_generator(models["model"])
    variables = load_variable(config.variable, models["model"], config.limit, config.seed, generator)
    continuous = variables.token_targets is not None
    if not continuous:
        variables.require_binary()
    split = group_split(variables, config.heldout_fraction, config.seed)
    run_fingerprint = fingerprint(LatentsResult.KIND, config, models)
    run_store = open_store(store, run_fingerprint)
    extra = 1 if config.output_leak and variables.token_targets is not None else 0  # genre: a pass of its own
    n_passes = len(models) * (1 + extra) + (len(models) if config.random_init_control else 0)
    bar = tqdm(
        total=n_passes * len(variables.items), desc=f"latents ({variables.name})", unit="text", disable=not progress
    )
    blocks: dict[str, dict[str, Any]] = {}
    arrays: dict[str, torch.Tensor] = {}
    controls: dict[str, dict[str, Any]] = {}
    for role, lm in models.items():
        record, tensors = _stored(
            run_store, f"model-{role}", lambda lm=lm: _unit(lm, variables, split, config, False, generator, bar)
        )
        blocks[role] = record
        for key, value in tensors.items():
            shared = key in ("exact_posterior", "test_text", "test_token")
            arrays[key if shared else f"{role}.{key}"] = value
        if config.random_init_control:
            arch = _architecture(lm)
            if arch not in controls:
                control_seed = config.seed + 1000
                controls[arch] = _stored(
                    run_store,
                    f"random-init-{role}",
                    lambda lm=lm, s=control_seed: _unit(
                        random_init_model(lm, s), variables, split, config, True, None, bar
                    ),
                )[0]
            _attach_control(record, controls[arch], continuous)
    bar.close()
    comparison = _compare(blocks, arrays, variables, split, config) if compare_with is not None else None
    return LatentsResult(
        config=config,
        provenance=provenance_of(models),
        fingerprint=run_fingerprint,
        variable=_describe(variables, split, continuous),
        models=blocks,
        comparison=comparison,
        test_items=tuple(
            {"item": int(i), "label": variables.items[int(i)].label, "groups": dict(variables.items[int(i)].groups)}
            for i in split.test
        ),
        arrays=arrays,
    )


def _describe(variables: VariableSet, split: Split, continuous: bool) -> dict[str, Any]:
    return {
        "name": variables.name,
        "description": variables.description,
        "classes": list(variables.classes),
        "group_keys": list(variables.group_keys),
        "read_at": variables.read_at,
        "continuous": continuous,
        "n_items": len(variables.items),
        "n_train": int(len(split.train)),
        "n_test": int(len(split.test)),
    }


def _attach_control(record: dict[str, Any], control: dict[str, Any], continuous: bool) -> None:
    """Copy the random-init control's score into each layer row, with the selectivities (probe minus control)."""
    metric = "probe_r2" if continuous else "probe_auroc"
    record["control_model"] = control["name"]
    for row, other in zip(record["layers"], control["layers"], strict=True):
        row["control_random_init"] = other[metric]
        for name, key in (
            ("selectivity_random_init", "control_random_init"),
            ("selectivity_shuffled", "control_shuffled"),
        ):
            value, base = row.get(metric), row.get(key)
            row[name] = None if value is None or base is None else value - base


def _delta(values: tuple[float | None, float | None]) -> float | None:
    a, b = values
    return None if a is None or b is None else a - b


def _compare(
    blocks: dict[str, dict[str, Any]],
    arrays: dict[str, torch.Tensor],
    variables: VariableSet,
    split: Split,
    config: LatentsConfig,
) -> dict[str, Any]:
    """Paired bootstrap (over the held-out groups) of model minus compare_with, and the reading in words."""
    roles = ("model", "compare_with")
    continuous = variables.token_targets is not None
    y = variables.targets()[split.test]
    n_classes = len(variables.classes)
    out: dict[str, Any] = {"model": blocks["model"]["name"], "compare_with": blocks["compare_with"]["name"]}
    if continuous:
        exact = arrays["exact_posterior"].double().numpy()
        ridge = {r: arrays[f"{r}.probe_ridge"].double().numpy() for r in roles}
        groups = [str(t) for t in arrays["test_text"].tolist()]

        def probe_stat(rows: np.ndarray) -> float | None:
            return _delta(tuple(r_squared(exact[rows], ridge[r][rows]) for r in roles))  # type: ignore[arg-type]
    else:
        scores = {r: arrays[f"{r}.probe_scores"][blocks[r]["best_layer"]].double().numpy() for r in roles}
        groups = analysis.bootstrap_groups(variables, split.test)

        def probe_stat(rows: np.ndarray) -> float | None:
            return _delta(tuple(auroc(y[rows], scores[r][rows], n_classes) for r in roles))  # type: ignore[arg-type]

    everything = np.arange(len(groups))
    out["probe_delta"] = _interval(probe_stat, everything, groups, config)
    if config.output_leak:
        leak_groups = analysis.bootstrap_groups(variables, split.test)
        nxt = {r: arrays[f"{r}.next_token_scores"].double().numpy() for r in roles}

        def leak_stat(rows: np.ndarray) -> float | None:
            return _delta(tuple(auroc(y[rows], nxt[r][rows], n_classes) for r in roles))  # type: ignore[arg-type]

        def bits_stat(rows: np.ndarray) -> float | None:
            def bits(r: str) -> float:
                p = nxt[r][rows]
                probabilities = p if p.ndim == 2 else np.stack([1 - p, p], axis=1)
                return bits_lower_bound(probabilities, y[rows]).bound

            return bits("model") - bits("compare_with")

        rows = np.arange(len(leak_groups))
        out["next_token_auroc_delta"] = _interval(leak_stat, rows, leak_groups, config)
        out["bits_delta"] = _interval(bits_stat, rows, leak_groups, config)
    out["reading"], out["reading_text"] = reading(out, "probe_r2" if continuous else "probe_auroc")
    return json_ready(out)


def _interval(statistic: Any, rows: np.ndarray, groups: list[str], config: LatentsConfig) -> dict[str, Any]:
    low, high = group_bootstrap(statistic, groups, config.n_bootstrap, config.seed)
    return {"value": statistic(rows), "low": low, "high": high}


def reading(comparison: dict[str, Any], metric: str) -> tuple[str, str]:
    """``hidden`` / ``destroyed`` / ``exposed`` / ``unchanged`` / ``undetermined``, and a sentence saying why.

    With Δ = model − compare_with and 95 % bootstrap intervals: *destroyed* if the probe's Δ is below −0.05 for
    the whole interval; else *hidden* if the next-token observer's AUROC Δ is below 0 for the whole interval
    (the inference is kept inside, the output gives less away); *exposed* if it is above 0 for the whole interval;
    else *unchanged*.
    """
    probe, leak = comparison.get("probe_delta"), comparison.get("next_token_auroc_delta")
    a, b = comparison["model"], comparison["compare_with"]
    if probe is None or probe["high"] is None or leak is None or leak["high"] is None:
        return "undetermined", "the change could not be bounded (too few held-out groups, or no output observer)"
    words = (
        f"{metric} Δ {probe['value']:+.3f} [{probe['low']:+.3f}, {probe['high']:+.3f}], next-token observer "
        f"AUROC Δ {leak['value']:+.3f} [{leak['low']:+.3f}, {leak['high']:+.3f}] ({a} minus {b})"
    )
    if probe["high"] < -MARGIN:
        return "destroyed", f"destroyed: {a} decodes the variable less well inside than {b}; {words}"
    if leak["high"] < 0:
        return (
            "hidden",
            f"hidden, not destroyed: the inference stays inside {a} while its output gives away less; {words}",
        )
    if leak["low"] > 0:
        return "exposed", f"exposed: {a}'s output gives away more than {b}'s, the inside kept; {words}"
    return "unchanged", f"unchanged: neither the inside nor the output changed beyond the intervals; {words}"
