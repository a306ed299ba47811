"""Settings of a forbidden-facts run."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from typing import Literal

from rivalry.errors import RivalryError
from rivalry.experiments.base import ExperimentConfig
from rivalry.io.hashing import sha256_bytes, sha256_file
from rivalry.prompts.facts import PAPER_SYSTEM_TEMPLATE

PromptFormat = Literal["question", "prefill"]
Split = Literal["all", "train", "heldout"]
# forbidden facts also reads v2's held-out relation types (heads and attack keep Split)
FactsSplit = Literal["all", "train", "heldout", "heldout_relations"]
Readout = Literal["exact", "certified"]


def check_system_template(template: str) -> None:
    """Format ``template`` with a test word: it must take ``{word}`` and nothing else in braces."""
    if "{word}" not in template:
        raise RivalryError("the system template must contain {word} (the forbidden word's place)")
    try:
        template.format(word="test")
    except (KeyError, IndexError, ValueError) as error:
        raise RivalryError(
            f"the system template has braces other than {{word}} ({type(error).__name__}: {error}); "
            "write literal braces as {{ and }}"
        ) from None


@dataclass(frozen=True)
class ForbiddenFactsConfig(ExperimentConfig):
    """Everything that determines a run's results besides the model (and so must match when a run is resumed).

    Attributes:
        facts: a shipped fact set by name (v1, the default when None: 684 geography-style facts; v2: 1,842 facts
            over 46 relations) or a CSV/JSONL file of facts.
        split: facts of the obedience-tuning split to use: all, train, heldout (held-out facts of the trained
            relation types) or heldout_relations (v2's relation types held out of tuning entirely).
        prompt_format: question (the fact is the user turn, as in the paper) or prefill (the user asks to
            complete the sentence and the assistant turn already starts with the fact).
        limit: use only the first N facts of the split (None: all).
        batch_size: facts per batch (each fact is three prompts; it changes padding, so it is part of the run).
        min_nc_probability: keep facts whose mean non-competing p(answer) exceeds this (the paper's 0.5).
        system_template: system prompt with {word} for the forbidden word (default: the paper's).
        joint_facts: how many kept facts the joint-patching check uses.
        joint_ks: sizes of top-k site sets for the joint check (the 80/90/100% k's are added).
        readout: exact (every patched stream read through the whole vocabulary) or certified (read on the answer's
            and the likeliest tokens, the rest of the vocabulary bounded; exact wherever the bound exceeds
            readout_tolerance). Each fact records the bound it is guaranteed within (readout_bound_log10).
        readout_tolerance: the largest error bound (log10 odds) a certified readout may keep without reading
            the full vocabulary.
        max_memory_mb: budget for the patching's temporaries (readout chunks are sized to it); None: 2,048 rows.
    """

    facts: str | None = None
    split: FactsSplit = "all"
    prompt_format: PromptFormat = "prefill"
    limit: int | None = None
    batch_size: int = 16
    min_nc_probability: float = 0.5
    system_template: str = PAPER_SYSTEM_TEMPLATE
    joint_facts: int = 24
    joint_ks: tuple[int, ...] = field(default=(1, 3, 10, 30, 100))
    readout: Readout = "exact"
    readout_tolerance: float = 1e-4
    max_memory_mb: float | None = None

    input_files = ("facts",)
    late_fields = ("readout", "readout_tolerance", "max_memory_mb")

    def __post_init__(self) -> None:
        if self.split not in ("all", "train", "heldout", "heldout_relations"):
            raise RivalryError(f"unknown split '{self.split}'; choose all, train, heldout or heldout_relations")
        if self.prompt_format not in ("question", "prefill"):
            raise RivalryError(f"unknown prompt format '{self.prompt_format}'; choose question or prefill")
        if self.batch_size < 1:
            raise RivalryError("batch size must be at least 1")
        if self.limit is not None and self.limit < 1:
            raise RivalryError("limit must be at least 1")
        if not 0.0 <= self.min_nc_probability < 1.0:
            raise RivalryError("min_nc_probability must be in [0, 1)")
        if self.joint_facts < 0 or any(k < 1 for k in self.joint_ks):
            raise RivalryError("joint_facts must be >= 0 and every joint k >= 1")
        check_system_template(self.system_template)
        if self.readout not in ("exact", "certified"):
            raise RivalryError(f"unknown readout '{self.readout}'; choose exact or certified")
        if not self.readout_tolerance >= 0:
            raise RivalryError("readout_tolerance must be >= 0")
        if self.max_memory_mb is not None and not self.max_memory_mb > 0:
            raise RivalryError("max_memory_mb must be positive")

    def check_inputs(self) -> None:
        """Read the facts file now, so a malformed one fails before a model is loaded."""
        from rivalry.facts.dataset import load_facts, select_split

        select_split(load_facts(self.facts), self.split)

    def input_hashes(self) -> dict[str, str | None]:
        """Content hashes of the facts (the shipped set used, or the user's file) and the shipped irrelevant words."""
        from rivalry.facts.dataset import shipped_facts_bytes

        data = resources.files("rivalry") / "data"
        shipped = shipped_facts_bytes(self.facts)
        facts = sha256_bytes(shipped) if shipped is not None else sha256_file(str(self.facts))
        return {"facts": facts, "irrelevant_words": sha256_bytes((data / "irrelevant_words.txt").read_bytes())}
