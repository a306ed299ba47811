"""Settings of a latents run: which hidden variable, how many items, and the probes' and observers' sizes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rivalry.errors import RivalryError
from rivalry.experiments.base import ExperimentConfig
from rivalry.io.hashing import sha256_file
from rivalry.variables.registry import SHIPPED_VARIABLES


@dataclass(frozen=True)
class LatentsConfig(ExperimentConfig):
    """What a model infers about a hidden variable (probes on the residual stream) and what its output gives away.

    Attributes:
        variable: the hidden-variable set: forbidden, genre, eval-deploy, persona, or a CSV/YAML file.
        limit: forbidden: number of facts (30 % from the organism's held-out facts; all: 619); genre: number of
            texts; eval-deploy: number of requests (the first ones); persona: number of scenes (the first ones);
            None: 40 facts / 256 texts / all 64 requests / all 16 scenes; ignored by user files.
        heldout_fraction: fraction of each group key's values held out where the set names no default.
        seed: seed of the split, the shuffled labels, the random-init control, sampling and the bootstrap.
        batch_size: texts per forward pass.
        random_init_control: also probe a randomly initialised model of the same architecture.
        output_leak: also fit the observers of the output (next token and samples).
        top_tokens: tokens of the next-token observer (highest mean probability over the train texts).
        sample_tokens: tokens of each sampled continuation.
        cv_folds: grouped cross-validation folds that choose the regularisation.
        n_bootstrap: resamples of the held-out groups for the confidence intervals.
        max_softmax_rows: train rows of the softmax-regression probe of the genre posterior (a seeded subsample).
    """

    variable: str = "forbidden"
    limit: int | None = None
    heldout_fraction: float = 0.3
    seed: int = 0
    batch_size: int = 16
    random_init_control: bool = True
    output_leak: bool = True
    top_tokens: int = 64
    sample_tokens: int = 8
    cv_folds: int = 3
    n_bootstrap: int = 200
    max_softmax_rows: int = 3000

    input_files = ("variable",)

    def __post_init__(self) -> None:
        if isinstance(self.variable, Path):
            object.__setattr__(self, "variable", str(self.variable))
        if not isinstance(self.variable, str) or not self.variable:
            raise RivalryError("variable must be a shipped set's name or a CSV/YAML path")
        if self.limit is not None and self.limit < 4:
            raise RivalryError(f"limit must be at least 4, got {self.limit}")
        if not 0.0 < self.heldout_fraction < 1.0:
            raise RivalryError(f"heldout_fraction must be in (0, 1), got {self.heldout_fraction}")
        for name in ("batch_size", "top_tokens", "sample_tokens", "max_softmax_rows"):
            if getattr(self, name) < 1:
                raise RivalryError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.cv_folds < 2:
            raise RivalryError(f"cv_folds must be at least 2, got {self.cv_folds}")
        if self.n_bootstrap < 10:
            raise RivalryError(f"n_bootstrap must be at least 10, got {self.n_bootstrap}")

    @property
    def is_file(self) -> bool:
        return self.variable not in SHIPPED_VARIABLES

    def input_hashes(self) -> dict[str, str | None]:
        """SHA-256 of the user file, or of the shipped data file of ``eval-deploy`` / ``persona`` (``forbidden``
        and ``genre`` are built from the facts and the synthetic corpus, part of the models' and rivalry's
        identity)."""
        if self.is_file:
            return {"variable": sha256_file(Path(self.variable))}
        from rivalry.variables.builtin import data_file

        shipped = {"eval-deploy": "eval_deploy.yaml", "persona": "persona.yaml"}.get(self.variable)
        return {"variable": sha256_file(data_file(shipped)) if shipped else None}

    def check_inputs(self) -> None:
        """Read and validate a user file now, so a bad one fails before a model is loaded."""
        if self.is_file:
            from rivalry.variables.userfile import load_variable_file

            load_variable_file(self.variable).require_binary()
