"""The experiments a sweep can run: how to build each one's config, run it, split it and read its headline."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rivalry.errors import RivalryError
from rivalry.experiments.base import ExperimentConfig, Result
from rivalry.io.store import RunStore
from rivalry.models.model import Model

Headline = dict[str, float | int | str | None]


@dataclass(frozen=True)
class SweepExperiment:
    """One experiment as a sweep sees it.

    Attributes:
        name: the experiment's name in a sweep file (its result ``KIND``).
        config_class: its config dataclass (fields are the sweep file's ``config`` / ``grid`` keys).
        roles: the models it takes, by role: ``("model",)`` or ``("base", "tuned")``.
        run: ``run(models_by_role, config, store) -> Result`` (``store`` may be ignored by experiments that take
            seconds and keep no shards).
        headline: the figures of a result that go into ``sweep.csv``.
        count_shards / compute_shards: for experiments whose one run splits into independent shards (batches);
            ``compute_shards(models, config, store, index, count)`` stores shard ``b`` for ``b % count == index``.
    """

    name: str
    config_class: type[ExperimentConfig]
    roles: tuple[str, ...]
    run: Callable[[Mapping[str, Model], Any, RunStore | None], Result]
    headline: Callable[[Any], Headline]
    count_shards: Callable[[Mapping[str, Model], Any], int] | None = None
    compute_shards: Callable[[Mapping[str, Model], Any, RunStore, int, int], list[str]] | None = None


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _forbidden_facts() -> SweepExperiment:
    from rivalry.experiments.forbidden_facts import ForbiddenFactsConfig, ForbiddenFactsResult
    from rivalry.experiments.forbidden_facts.run import compute_shards, count_shards, run

    def headline(result: ForbiddenFactsResult) -> Headline:
        k80 = result.k_for_fraction.get(0.8) if not result.is_empty else None
        return {
            "n_facts_kept": result.n_facts_kept,
            "mean_total_effect_log10": _finite(result.mean_total_effect),
            "direction": result.direction,
            "k_for_80_percent": k80,
        }

    return SweepExperiment(
        name="forbidden_facts",
        config_class=ForbiddenFactsConfig,
        roles=("model",),
        run=lambda models, config, store: run(models["model"], config, store, progress=False),
        headline=headline,
        count_shards=lambda models, config: count_shards(models["model"], config),
        compute_shards=lambda models, config, store, i, n: compute_shards(models["model"], config, store, i, n),
    )


def _tug_of_war() -> SweepExperiment:
    from rivalry.experiments.tug_of_war.config import TugOfWarConfig
    from rivalry.experiments.tug_of_war.result import TugOfWarResult
    from rivalry.experiments.tug_of_war.run import run

    def headline(result: TugOfWarResult) -> Headline:
        return {f"log_odds_refusal.{m.model}.{m.framing}": _finite(m.log_odds_refusal) for m in result.summary}

    return SweepExperiment(
        name="tug_of_war",
        config_class=TugOfWarConfig,
        roles=("base", "tuned"),
        run=lambda models, config, store: run(models["base"], models["tuned"], config, store, progress=False),
        headline=headline,
    )


def _genre_validation() -> SweepExperiment:
    from rivalry.experiments.genre_validation.config import GenreValidationConfig
    from rivalry.experiments.genre_validation.result import SUMMARY_KEYS, GenreValidationResult
    from rivalry.experiments.genre_validation.run import run

    def headline(result: GenreValidationResult) -> Headline:
        figures: Headline = {key: _finite(float(getattr(result, key))) for key in SUMMARY_KEYS}
        figures["model_final_accuracy"] = _finite(result.model_final_accuracy)
        return figures

    return SweepExperiment(
        name="genre_validation",
        config_class=GenreValidationConfig,
        roles=("model",),
        run=lambda models, config, store: run(models["model"], config, progress=False),
        headline=headline,
    )


_BUILDERS: dict[str, Callable[[], SweepExperiment]] = {
    "forbidden_facts": _forbidden_facts,
    "tug_of_war": _tug_of_war,
    "genre_validation": _genre_validation,
}


def sweep_experiment_names() -> list[str]:
    return sorted(_BUILDERS)


def sweep_experiment(name: str) -> SweepExperiment:
    """The catalog entry of ``name``; one line naming the known experiments otherwise."""
    if name not in _BUILDERS:
        raise RivalryError(f"unknown experiment '{name}' in sweep; known: {', '.join(sweep_experiment_names())}")
    return _BUILDERS[name]()
