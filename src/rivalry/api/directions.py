"""``rivalry.directions`` and ``rivalry.orthogonalize``: is a behaviour one residual-stream direction?"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from torch import Tensor

from rivalry.experiments import directions as experiment
from rivalry.experiments.directions import DirectionsConfig, DirectionsResult
from rivalry.io.store import RunStore
from rivalry.models.model import Model


def directions(
    model: Model,
    contrast: str | Path | DirectionsConfig = "forbidden",
    *,
    base: Model | None = None,
    store: RunStore | str | Path | None = None,
    progress: bool = True,
    **overrides: Any,
) -> DirectionsResult:
    """Difference-of-means directions r_l = mean(positive) − mean(negative) of a contrast at every residual point
    (train split), scored on the held-out split; the selected point's direction ablated at every layer and position
    (x ← x − (x·r̂) r̂ in every write into the stream) and added at its point (x_l ← x_l + α r), each against random
    directions of the same norm, with the KL on neutral texts and the change in non-competing accuracy.

    ``contrast`` is ``"forbidden"`` (competing vs non-competing forbidden-facts prompts, the obedient organism's
    held-out facts and templates held out), ``"refusal"`` (refusal-eliciting vs not, scored on the tug-of-war
    requests) or a contrast file (YAML/CSV); or a whole :class:`DirectionsConfig`. Keyword overrides use the
    config's field names (``n_fit``, ``n_eval``, ``layer``, ``n_random``, ...). ``base`` adds its projections per
    subset; ``store`` makes the run resumable.

    Example:
        >>> lm = rivalry.load_model("smollm2-obedient")
        >>> result = rivalry.directions(lm, "forbidden", n_eval=32)  # doctest: +SKIP
        >>> result.intervention("ablation").effect, result.to_pandas()
    """
    config = contrast if isinstance(contrast, DirectionsConfig) else DirectionsConfig(contrast=str(contrast))
    if overrides:
        config = config.replace(**{k: str(v) if isinstance(v, Path) else v for k, v in overrides.items()})
    return experiment.run(model, config, store=store, progress=progress, base=base)


def orthogonalize(model: Model, direction: DirectionsResult | Tensor, out: str | Path) -> Path:
    """Bake the ablation of ``direction`` (a tensor, or a result's selected direction) into every matrix writing to
    the residual stream and save the edited model as a safetensors directory; ``rivalry.load_model(out)`` loads it.

    Example:
        >>> rivalry.orthogonalize(lm, result, "models/obedient-orth")  # doctest: +SKIP
        >>> edited = rivalry.load_model("models/obedient-orth")
    """
    from rivalry.steering.orthogonalize import save_orthogonalized

    if isinstance(direction, DirectionsResult):
        note = {"contrast": direction.contrast, "point": direction.selected_point, "run": dict(direction.fingerprint)}
        return save_orthogonalized(model, direction.direction(), out, note=note)
    return save_orthogonalized(model, direction, out)
