"""Settings of a ``rivalry attack`` run."""

from __future__ import annotations

from dataclasses import dataclass

from rivalry.circuits.attack import ATTACK_TEMPLATES
from rivalry.errors import RivalryError
from rivalry.experiments.base import ExperimentConfig
from rivalry.experiments.forbidden_facts.config import Split
from rivalry.experiments.heads.config import shipped_input_hashes


@dataclass(frozen=True)
class AttackConfig(ExperimentConfig):
    """Which facts are attacked, with which templates, and how the heads and the searches are set up.

    Attributes:
        split: facts to attack: all, train or heldout.
        limit: use only the first N facts of the split (None: all).
        min_clean_probability: attack a fact only if its clean prompt gives the answer more than this.
        n_heads: number of heads whose preferences the searches follow.
        templates: attack templates (system prompts with a slot); default: all of them.
        placeholder: the word standing in the slot while the heads' query is captured for the search.
        shortlist: words of the suppression search measured exactly per fact and template (the best ones, and
            as many answer-free ones).
        spearman_facts: facts on which the approximate attention search is checked against the exact one.
        spearman_candidates: candidates in that check (the 16 best and a random sample of the rest).
        batch_size: prompts per batch.
        selection_facts: facts whose prompts choose the heads when no result gives them.
        selection_split: the split of those facts (by default the training split, so held-out facts do not pick
            their own heads).
        seed: seed of the random sample in the exact-search check.
    """

    split: Split = "heldout"
    limit: int | None = None
    min_clean_probability: float = 0.3
    n_heads: int = 10
    templates: tuple[str, ...] = tuple(ATTACK_TEMPLATES)
    placeholder: str = "everywhere"
    shortlist: int = 4
    spearman_facts: int = 2
    spearman_candidates: int = 48
    batch_size: int = 16
    selection_facts: int = 16
    selection_split: Split = "train"
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("split", "selection_split"):
            if getattr(self, name) not in ("all", "train", "heldout"):
                raise RivalryError(f"unknown {name} '{getattr(self, name)}'; choose all, train or heldout")
        if not self.templates:
            raise RivalryError(f"give at least one attack template ({', '.join(ATTACK_TEMPLATES)})")
        unknown = [t for t in self.templates if t not in ATTACK_TEMPLATES]
        if unknown:
            raise RivalryError(f"unknown attack template(s) {unknown}; choose from {', '.join(ATTACK_TEMPLATES)}")
        if self.limit is not None and self.limit < 1:
            raise RivalryError("limit must be at least 1")
        if not 0.0 <= self.min_clean_probability < 1.0:
            raise RivalryError("min_clean_probability must be in [0, 1)")
        if self.shortlist < 1:
            raise RivalryError("shortlist must be at least 1")
        if self.n_heads < 1 or self.batch_size < 1 or self.selection_facts < 1:
            raise RivalryError("n_heads, batch_size and selection_facts must be at least 1")
        if self.spearman_facts < 0 or self.spearman_candidates < 16:
            raise RivalryError("spearman_facts must be >= 0 and spearman_candidates >= 16")
        if not self.placeholder.strip():
            raise RivalryError("the placeholder must be a word")

    def input_hashes(self) -> dict[str, str | None]:
        return shipped_input_hashes()
