"""Run the persona battery on a model (and models compared with it), unprompted and prompted, with persona vectors.

For every model the battery is scored under the *panel* of system prompts: none (``plain``), the config's persona
prompt (``prompted``) and, with ``panel``, each trait's persona described toward and against
(``PANEL_TEMPLATE``). The two first conditions are the result's conditions; the whole panel is what the split-half
reliability and the persona-vector correlation run over. Each model's scores are one shard of the store, so an
interrupted run resumes model by model.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from rivalry.errors import RivalryError
from rivalry.experiments.base import fingerprint, provenance_of
from rivalry.io.hashing import sha256_json
from rivalry.io.store import RunStore, open_store
from rivalry.models.model import Model, as_model
from rivalry.organisms.personas.data import build_dialogues
from rivalry.persona_battery.battery import Battery
from rivalry.persona_battery.scoring import (
    bootstrap_interval,
    fisher_interval,
    keyed,
    pearson,
    render_item,
    resolve_format,
    split_half,
    yes_probabilities,
)
from rivalry.persona_battery.vectors import PANEL_TEMPLATE, conversation_projections, fit_directions, prompt_projections

from .config import PersonasConfig
from .result import DataProjection, DirectionScore, PersonasResult, Shift, StatementInfo, TraitInfo, TraitScore

CONDITIONS = ("plain", "prompted")


def panel(battery: Battery, config: PersonasConfig) -> tuple[tuple[str, ...], tuple[str | None, ...]]:
    """The panel's condition names and system prompts."""
    names: list[str] = list(CONDITIONS)
    systems: list[str | None] = [None, config.system_prompt]
    if config.panel:
        for trait in battery.traits:
            if trait.persona_toward and trait.persona_against:
                names += [f"{trait.name}+", f"{trait.name}-"]
                systems += [PANEL_TEMPLATE.format(trait.persona_toward), PANEL_TEMPLATE.format(trait.persona_against)]
    return tuple(names), tuple(systems)


def run(
    model: Model,
    compare_with: Model | Sequence[Model] | None = None,
    config: PersonasConfig | None = None,
    store: RunStore | str | Path | None = None,
    progress: bool = True,
    cache: str | Path | None = None,
) -> PersonasResult:
    """Score the battery on ``model`` and each of ``compare_with`` under the panel; summarise (see the module).

    ``cache`` (a directory) keeps each model's scores under a key of everything that decides them (the model's
    identity, the battery's hash, the settings that change scores, whether it was on the panel), so a base model
    scored once is read back by later runs that compare it with other models.
    """
    config = config or PersonasConfig()
    config.check_inputs()
    battery = config.read_battery()
    others = (
        [] if compare_with is None else [compare_with] if not isinstance(compare_with, Sequence) else list(compare_with)
    )
    models: dict[str, Model] = {"base": as_model(model, "model")}
    models.update({f"compare_{i + 1}": as_model(m, "compare_with") for i, m in enumerate(others)})
    names = [m.provenance.name for m in models.values()]
    if len(set(names)) < len(names):
        raise RivalryError(f"two models share the name '{sorted(n for n in names if names.count(n) > 1)[0]}'")
    prompt_format = resolve_format(models["base"], config.prompt_format)
    for lm in models.values():
        resolve_format(lm, prompt_format)
    conditions, systems = panel(battery, config)
    statements = [(t, i, s) for t in battery.traits for i, s in enumerate(t.statements)]
    run_fingerprint = fingerprint(PersonasResult.KIND, config, models)
    run_store = open_store(store, run_fingerprint)
    p_yes, mass, panel_yes, projections, fitted = [], [], [], [], []
    for m, (role, lm) in enumerate(models.items()):
        on_panel = m == 0 or config.panel_models == "all"
        point = config.point if config.point is not None else round(2 * lm.anatomy.n_layers / 3)
        if point > lm.anatomy.n_layers:
            raise RivalryError(f"point {point} is past model '{lm.name}''s {lm.anatomy.n_layers + 1} points")
        mine = systems if on_panel else systems[: len(CONDITIONS)]
        vectors = config.vectors and on_panel  # only the panel's models need directions
        cached = _cache_store(cache, lm, config, mine, vectors, prompt_format, point)
        if run_store is not None and run_store.has(role):
            record, tensors = run_store.load(role)
        elif cached is not None and cached.has("scores"):
            record, tensors = cached.load("scores")
            if run_store is not None:
                run_store.save(role, record, tensors)
        else:
            record, tensors = _score_model(lm, battery, statements, mine, prompt_format, point, vectors, config,
                                           progress)  # fmt: skip
            for target, name in ((run_store, role), (cached, "scores")):
                if target is not None:
                    target.save(name, record, tensors)
        p_yes.append(tensors["p_yes"][: len(CONDITIONS)])
        mass.append(tensors["mass"][: len(CONDITIONS)])
        if on_panel:
            panel_yes.append(tensors["p_yes"])
            projections.append(tensors.get("projections"))
            fitted.append((record, tensors.get("directions")))
    data = _data_projection(models["base"], fitted[0], config, run_store, progress)
    return summarise(config, provenance_of(models), run_fingerprint, battery, prompt_format, names, conditions,
                     systems, torch.stack(p_yes), torch.stack(mass), torch.stack(panel_yes), projections, fitted,
                     data)  # fmt: skip


def _cache_store(
    cache: str | Path | None,
    lm: Model,
    config: PersonasConfig,
    systems: Sequence[str | None],
    vectors: bool,
    prompt_format: str,
    point: int,
) -> RunStore | None:
    """The cache entry of ``lm``'s scores under exactly these system prompts (None without a cache)."""
    if cache is None:
        return None
    key_record = {"model": lm.provenance.identity(), "systems": list(systems), "vectors": vectors,
                  "prompt_format": prompt_format, "point": point, "limit": config.limit,
                  "batch_size": config.batch_size, "inputs": config.input_hashes()}  # fmt: skip
    key = sha256_json(key_record)[:24]
    return RunStore(Path(cache) / key, resume=True).open({"experiment": "personas-model-scores", **key_record})


def _score_model(lm, battery, statements, systems, prompt_format, point, vectors, config, progress):
    texts = [render_item(lm.tokenizer, s.text, system, prompt_format) for system in systems for _, _, s in statements]
    bar = tqdm(total=len(texts), desc=f"personas {lm.name}", unit="item", disable=not progress)
    p, m = yes_probabilities(lm, texts, config.batch_size, progress=bar.update)
    bar.close()
    shape = (len(systems), len(statements))
    tensors = {"p_yes": torch.from_numpy(p.reshape(shape)), "mass": torch.from_numpy(m.reshape(shape))}
    record: dict = {"point": point, "traits": [], "norms": [], "heldout_auc": []}
    if vectors:
        directions = fit_directions(lm, battery, point, prompt_format, config.batch_size)
        if directions is not None:
            tensors["directions"] = directions.directions
            tensors["projections"] = torch.from_numpy(prompt_projections(lm, systems, directions, prompt_format,
                                                                         config.batch_size))  # fmt: skip
            record.update(traits=list(directions.traits), norms=list(directions.norms),
                          heldout_auc=list(directions.heldout_auc))  # fmt: skip
    return record, tensors


def _data_projection(lm, fitted, config, run_store, progress):
    """Mean projection of each tuning data set on the first model's trait directions (None when skipped)."""
    record, directions = fitted
    if not config.data_samples or directions is None:
        return None
    if run_store is not None and run_store.has("data-projection"):
        return run_store.load("data-projection")[0]
    from rivalry.persona_battery.vectors import TraitDirections

    dirs = TraitDirections(record["point"], tuple(record["traits"]), directions, tuple(record["norms"]),
                           tuple(record["heldout_auc"]))  # fmt: skip
    rng = np.random.default_rng([config.seed, 17])
    out = {}
    for kind in ("self_continuity", "neutral"):
        dialogues = build_dialogues(kind, 0)
        pick = sorted(rng.choice(len(dialogues), size=min(config.data_samples, len(dialogues)), replace=False))
        chosen = [dialogues[i] for i in pick]
        out[kind] = conversation_projections(lm, [d.user for d in chosen], [d.answer for d in chosen], dirs,
                                             config.batch_size).tolist()  # fmt: skip
    if run_store is not None:
        run_store.save("data-projection", out)
    return out


def summarise(config, provenance, run_fingerprint, battery, prompt_format, names, conditions, systems, p_yes, mass,
              panel_yes, projections, fitted, data) -> PersonasResult:  # fmt: skip
    """The result from the raw scores (pure; every interval from a generator seeded by the config and indices)."""
    keys = np.array([1 if s.key == "toward" else -1 for t in battery.traits for s in t.statements])
    trait_of = np.array([ti for ti, t in enumerate(battery.traits) for _ in t.statements])
    agree = keyed(p_yes.numpy(), keys)  # [model, condition, statement]
    panel_agree = keyed(panel_yes.numpy(), keys)  # [panel model, panel condition, statement]
    seed = config.seed
    scores, shifts, direction_rows = [], [], []
    for m, model in enumerate(names):
        for ti, trait in enumerate(battery.traits):
            idx = np.flatnonzero(trait_of == ti)
            reliability = None
            if m < len(panel_agree):
                reliability = split_half(panel_agree[m][:, idx], keys[idx], config.n_splits, [seed, m, ti, 1])
            for c, condition in enumerate(CONDITIONS):
                lo, hi = bootstrap_interval(agree[m, c, idx], keys[idx], config.n_bootstrap, [seed, m, c, ti, 2])
                scores.append(TraitScore(model, condition, trait.name, float(agree[m, c, idx].mean()), lo, hi,
                                         reliability, float(mass[m, c, idx].mean())))  # fmt: skip
    pairs = [(m, c, 0, 0) for m in range(len(names)) for c in range(len(CONDITIONS)) if (m, c) != (0, 0)]
    organism = names.index(config.organism) if config.organism in names else None
    control = names.index(config.control) if config.control in names else None
    if organism is not None and control is not None:
        pairs += [(organism, c, control, c) for c in range(len(CONDITIONS))]
    for m, c, rm, rc in pairs:
        for ti, trait in enumerate(battery.traits):
            idx = np.flatnonzero(trait_of == ti)
            diff = agree[m, c, idx] - agree[rm, rc, idx]
            lo, hi = bootstrap_interval(diff, keys[idx], config.n_bootstrap, [seed, m, c, rm, rc, ti, 3])
            shifts.append(Shift(names[m], CONDITIONS[c], names[rm], CONDITIONS[rc], trait.name, float(diff.mean()),
                                lo, hi))  # fmt: skip
    proj_out = torch.zeros(0, dtype=torch.float64)
    if all(p is not None for p in projections) and projections:
        proj_out = torch.stack([p.double() for p in projections])
        for m, (record, _) in enumerate(fitted):
            for k, trait_name in enumerate(record["traits"]):
                ti = [t.name for t in battery.traits].index(trait_name)
                idx = np.flatnonzero(trait_of == ti)
                per_condition = panel_agree[m][:, idx].mean(axis=1)
                r = pearson(proj_out[m, :, k].numpy(), per_condition) if len(conditions) >= 3 else None
                r_lo, r_hi = fisher_interval(r, len(conditions))
                row = DirectionScore(names[m], trait_name, record["point"], record["norms"][k],
                                     record["heldout_auc"][k], r, r_lo, r_hi, len(conditions))  # fmt: skip
                direction_rows.append(row)
    data_rows, prediction_r = [], None
    if data is not None:
        for k, trait_name in enumerate(fitted[0][0]["traits"]):
            ti = [t.name for t in battery.traits].index(trait_name)
            idx = np.flatnonzero(trait_of == ti)
            measured = None
            if organism is not None and control is not None:
                measured = float((agree[organism, 0, idx] - agree[control, 0, idx]).mean())
            org, ctl = float(data["self_continuity"][k]), float(data["neutral"][k])
            data_rows.append(DataProjection(trait_name, org, ctl, org - ctl, measured))
        if data_rows and all(d.measured_shift is not None for d in data_rows):
            prediction_r = pearson(np.array([d.difference for d in data_rows]),
                                   np.array([d.measured_shift for d in data_rows]))  # fmt: skip
    return PersonasResult(
        config=config,
        provenance=provenance,
        fingerprint=run_fingerprint,
        battery=battery.name,
        prompt_format=prompt_format,
        models=tuple(names),
        conditions=tuple(conditions),
        systems=tuple(systems),
        traits=tuple(TraitInfo(t.name, t.description, t.agentic, len(t.statements)) for t in battery.traits),
        statements=tuple(
            StatementInfo(t.name, i, s.text, s.key) for t in battery.traits for i, s in enumerate(t.statements)
        ),  # fmt: skip
        scores=tuple(scores),
        shifts=tuple(shifts),
        directions=tuple(direction_rows),
        data_projection=tuple(data_rows),
        prediction_r=prediction_r,
        p_yes=p_yes.double(),
        answer_mass=mass.double(),
        panel_p_yes=panel_yes.double(),
        projections=proj_out,
    )
