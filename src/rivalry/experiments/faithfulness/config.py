"""Settings of a ``rivalry faithfulness`` run: how faithful is the k-site description of a forbidden-facts run?"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rivalry.errors import RivalryError
from rivalry.experiments.base import ExperimentConfig
from rivalry.io.hashing import sha256_file


@dataclass(frozen=True)
class FaithfulnessConfig(ExperimentConfig):
    """Which runs are judged and at which description sizes.

    Attributes:
        source_run: directory of the forbidden-facts run whose ranked sites are the description.
        attack_run: directory of a ``rivalry attack`` run whose measured attacks the description must predict
            (empty: the circuit part only; the attack AUROCs are then null).
        ks: description sizes: the top-k sites (most suppressive first) kept, every other site at the predicting
            position mean-ablated (means over the non-competing runs); every site (the full model) is added.
        limit: use only the first N facts of the forbidden-facts run (None: all).
        batch_size: prompts per forward pass.
    """

    source_run: str = ""
    attack_run: str = ""
    ks: tuple[int, ...] = field(default=(0, 1, 3, 10, 30, 100))
    limit: int | None = None
    batch_size: int = 16

    def __post_init__(self) -> None:
        if not self.source_run:
            raise RivalryError("give the forbidden-facts run (--run DIR)")
        if any(k < 0 for k in self.ks):
            raise RivalryError("every k must be >= 0")
        if self.limit is not None and self.limit < 1:
            raise RivalryError("limit must be at least 1")
        if self.batch_size < 1:
            raise RivalryError("batch_size must be at least 1")

    def check_inputs(self) -> None:
        from rivalry.experiments.faithfulness.inputs import load_inputs

        load_inputs(self)

    def input_hashes(self) -> dict[str, str | None]:
        hashes: dict[str, str | None] = {}
        for name, directory, main in (
            ("run", self.source_run, "results.json"),
            ("attack", self.attack_run, "attacks.json"),
        ):
            path = Path(directory) / main
            hashes[name] = sha256_file(path) if directory and path.is_file() else None
        return hashes
