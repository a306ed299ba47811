"""Notebook functions of the obedience organism: tune an adapter, then measure base vs tuned.

Example::

    import rivalry
    base = rivalry.load_model("smollm2")
    tune = rivalry.tune_obedience(base, out="runs/my-adapter", steps=20, lora_layers=(18, 29))
    tuned = rivalry.load_model("smollm2", adapter=tune.adapter)
    evaluation = rivalry.evaluate_obedience(base, tuned, max_facts=32)
    evaluation.to_pandas()
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rivalry.experiments.obedience_eval import ObedienceEvalConfig, ObedienceEvalResult, adapter_settings
from rivalry.experiments.obedience_eval import run as run_evaluation
from rivalry.experiments.obedience_tune import ObedienceTuneConfig, TuneResult
from rivalry.experiments.obedience_tune import run as run_tune
from rivalry.models.model import Model, as_model


def tune_obedience(
    model: Model,
    config: ObedienceTuneConfig | None = None,
    *,
    out: str | Path,
    progress: bool = True,
    **overrides: Any,
) -> TuneResult:
    """LoRA-tune ``model`` (a copy; ``model`` is untouched) to obey a forbidden word; the adapter goes to ``out``.

    ``overrides`` are :class:`ObedienceTuneConfig` fields (``steps=20``, ``lora_layers=(28, 29)``). Process state
    is left alone: torch's thread count (wrap the call in ``rivalry.cli.runtime.torch_threads(n)`` to change it) and
    the global random generators (the training seeds a fork of them).
    """
    config = (config or ObedienceTuneConfig()).replace(**overrides)
    return run_tune(as_model(model), config, out, progress=progress)


def evaluate_obedience(
    base: Model,
    tuned: Model,
    config: ObedienceEvalConfig | None = None,
    *,
    progress: bool = True,
    **overrides: Any,
) -> ObedienceEvalResult:
    """Measure ``base`` and ``tuned`` on held-out facts and held-out system prompts (mean total effect, nc accuracy).

    Without a ``config``, the fact split and held-out templates are those recorded with the tuned model's adapter
    (its ``training_config.json``) when it has one, else the tuning defaults. ``overrides`` are
    :class:`ObedienceEvalConfig` fields (``max_facts=32``, ``formats=("prefill",)``).
    """
    tuned = as_model(tuned, "tuned")
    if config is None:
        config = ObedienceEvalConfig()
        adapter = tuned.provenance.adapter
        if adapter is not None and (Path(adapter) / "training_config.json").is_file():
            config = config.replace(**adapter_settings(adapter)[0])
    return run_evaluation(as_model(base, "base"), tuned, config.replace(**overrides), progress=progress)
