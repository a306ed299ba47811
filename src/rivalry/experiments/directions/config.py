"""Settings of a directions run: which contrast, how many prompts, how the point is chosen, how many controls."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from rivalry.errors import RivalryError
from rivalry.experiments.base import ExperimentConfig
from rivalry.io.hashing import sha256_file

BUILTIN_CONTRASTS = ("forbidden", "refusal")


@dataclass(frozen=True)
class DirectionsConfig(ExperimentConfig):
    """Everything besides the model(s) that decides a directions run's numbers.

    Attributes:
        contrast: forbidden (competing vs non-competing forbidden-facts prompts), refusal (refusal-eliciting vs
            not; scored on the tug-of-war requests) or a contrast file (YAML/CSV: positive, negative, behaviour).
        n_fit: items per side (train split) the directions are fitted on; the same number per side (held-out split)
            scores their separation.
        n_eval: held-out prompts per side the interventions are scored on (forbidden: known facts only).
        n_select: train-side prompts per side the point is selected on (by the ablation effect at every point).
        layer: use this residual point (0 .. n_layers) instead of selecting one (None: select).
        max_layer_fraction: select among points up to this fraction of the depth (Arditi et al. skip the last 20%).
        addition_scale: activation addition adds this times the difference-of-means vector.
        subtraction_scale: activation subtraction (on the prompts where the behaviour happens) adds minus this
            times the vector at the selected point; 0 leaves it out.
        n_random: random directions of the same norm per intervention (the control band).
        min_nc_probability: forbidden: score only facts whose non-competing p(answer) exceeds this.
        heldout_fraction: refusal and file contrasts: fraction of groups held out.
        refusal_negatives: refusal on a synthetic-genre model: benign (benign requests, a refusal direction) or
            story (the same cruel requests asked inside a story: an assistant-genre direction).
        requests: refusal: the tug-of-war request set (a shipped name or YAML; None: synthetic or smollm2).
        n_neutral: neutral texts for the KL cost.
        orthogonal_to_mean: project each point's direction orthogonal to the mean stream of the fit items there
            (removes the component along massive activations, which ablation otherwise wipes out everywhere).
        probe_l2: L2 penalty of the logistic-regression probe (standardised features).
        seed: seeds the subsamples and the random directions.
        batch_size: rows per forward pass.
    """

    contrast: str = "forbidden"
    n_fit: int = 128
    n_eval: int = 32
    n_select: int = 8
    layer: int | None = None
    max_layer_fraction: float = 0.8
    addition_scale: float = 1.0
    subtraction_scale: float = 1.0
    n_random: int = 20
    min_nc_probability: float = 0.5
    heldout_fraction: float = 0.3
    refusal_negatives: Literal["benign", "story"] = "benign"
    requests: str | None = None
    n_neutral: int = 16
    orthogonal_to_mean: bool = False
    probe_l2: float = 0.01
    seed: int = 0
    batch_size: int = 16

    input_files = ("contrast", "requests")

    def __post_init__(self) -> None:
        if not self.contrast:
            raise RivalryError("contrast must be forbidden, refusal or a contrast file")
        for name in ("n_fit", "n_eval", "n_select", "batch_size", "n_neutral"):
            if getattr(self, name) < 1:
                raise RivalryError(f"{name} must be at least 1")
        if self.n_fit < 2:
            raise RivalryError("n_fit must be at least 2")
        if self.subtraction_scale < 0:
            raise RivalryError("subtraction_scale must be >= 0 (0: no subtraction)")
        if self.n_random < 0:
            raise RivalryError("n_random must be >= 0")
        if self.layer is not None and self.layer < 0:
            raise RivalryError(f"layer {self.layer} is out of range: points are numbered from 0")
        if not 0.0 < self.max_layer_fraction <= 1.0:
            raise RivalryError("max_layer_fraction must be in (0, 1]")
        if not 0.0 <= self.min_nc_probability < 1.0:
            raise RivalryError("min_nc_probability must be in [0, 1)")
        if self.refusal_negatives not in ("benign", "story"):
            raise RivalryError(f"refusal_negatives must be benign or story, got {self.refusal_negatives!r}")
        if not 0.0 < self.heldout_fraction < 1.0:
            raise RivalryError("heldout_fraction must be in (0, 1)")

    @property
    def is_file(self) -> bool:
        return self.contrast not in BUILTIN_CONTRASTS

    def check_inputs(self) -> None:
        """Read a contrast file now, so a bad one fails before a model is loaded."""
        if self.is_file:
            from rivalry.steering.contrasts import load_contrast_file

            load_contrast_file(self.contrast)
        if self.requests is not None:
            from rivalry.experiments.tug_of_war.requests import load_request_set

            load_request_set(self.requests)

    def input_hashes(self) -> dict[str, str | None]:
        from rivalry.experiments.tug_of_war.requests import request_set_path

        contrast = sha256_file(Path(self.contrast)) if self.is_file else None
        requests = sha256_file(request_set_path(self.requests)) if self.requests is not None else None
        return {"contrast": contrast, "requests": requests}
