"""Settings of a ``rivalry attribute`` run (attribution patching and query-key attribution of a forbidden-facts run)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from rivalry.errors import RivalryError
from rivalry.experiments.base import ExperimentConfig
from rivalry.io.hashing import sha256_file

Targets = Literal["both", "nc_wrong", "nc_irrelevant"]
Positions = Literal["all", "last"]


@dataclass(frozen=True)
class AttributeConfig(ExperimentConfig):
    """What is attributed, how, and how the estimates are checked.

    Attributes:
        source_run: directory of the forbidden-facts run whose kept facts (their exact prompts) are attributed.
        positions: all (every site at every position) or last (the predicting position only, as first-order
            patching).
        targets: the non-competing prompt(s) the competing run is patched into: both (the mean over the two, as
            forbidden facts does), nc_wrong or nc_irrelevant. A pair is used only if both prompts have the same
            number of tokens (otherwise positions do not align).
        limit: attribute only the first N usable facts (None: all).
        batch_size: facts per batch (one traced pass and one backward pass per batch and target).
        qk_fix: apply the AtP* QK fix (exact softmax for the key-side change at the predicting query).
        graddrop_groups: GradDrop bound with this many groups of layers (0: no bound; each group costs one more
            backward pass).
        validate_pairs: (site, position) pairs measured by real activation patching (0: no check).
        validate_facts: facts the check's pairs are drawn from (equal shares).
        seed: seed of the random half of the check's sample.
        qk_heads: top suppressor heads (by the run's first-order effects) whose attention to the forbidden word is
            split into upstream components.
        csv_top: rows per fact in the ranked CSV of (site, position).
    """

    source_run: str = ""
    positions: Positions = "all"
    targets: Targets = "both"
    limit: int | None = None
    batch_size: int = 4
    qk_fix: bool = True
    graddrop_groups: int = 0
    validate_pairs: int = 200
    validate_facts: int = 4
    seed: int = 0
    qk_heads: int = 3
    csv_top: int = 50

    def __post_init__(self) -> None:
        if not self.source_run:
            raise RivalryError("give the forbidden-facts run to attribute (--run DIR)")
        if self.positions not in ("all", "last"):
            raise RivalryError(f"unknown positions '{self.positions}'; choose all or last")
        if self.targets not in ("both", "nc_wrong", "nc_irrelevant"):
            raise RivalryError(f"unknown targets '{self.targets}'; choose both, nc_wrong or nc_irrelevant")
        if self.limit is not None and self.limit < 1:
            raise RivalryError("limit must be at least 1")
        if self.batch_size < 1 or self.validate_facts < 1:
            raise RivalryError("batch_size and validate_facts must be at least 1")
        if self.graddrop_groups < 0 or self.validate_pairs < 0 or self.qk_heads < 0 or self.csv_top < 0:
            raise RivalryError("graddrop_groups, validate_pairs, qk_heads and csv_top must be >= 0")

    @property
    def target_kinds(self) -> tuple[str, ...]:
        return ("nc_wrong", "nc_irrelevant") if self.targets == "both" else (self.targets,)

    def check_inputs(self) -> None:
        """Load the forbidden-facts run now, so a bad directory fails before a model is loaded."""
        from rivalry.experiments.attribute.source import load_source_run

        load_source_run(self.source_run)

    def input_hashes(self) -> dict[str, str | None]:
        """The forbidden-facts run's record (its prompts and facts decide the numbers)."""
        path = Path(self.source_run) / "results.json"
        return {"run": sha256_file(path) if path.is_file() else None}
