"""``rivalry.attack``: California-style attacks built from the suppressor heads' preferences."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rivalry.experiments import attack as experiment
from rivalry.experiments.attack import AttackConfig, AttackResult
from rivalry.experiments.forbidden_facts import ForbiddenFactsResult
from rivalry.experiments.heads import HeadsResult
from rivalry.experiments.heads.select import load_source
from rivalry.models.model import Model

HEAD_SOURCES = (ForbiddenFactsResult, HeadsResult)


def attack(
    model: Model,
    config: AttackConfig | None = None,
    *,
    heads_from: ForbiddenFactsResult | HeadsResult | str | Path | None = None,
    progress: bool = True,
    **overrides: Any,
) -> AttackResult:
    """Search the vocabulary for words the suppressor heads of ``model`` attend to and write against the answer,
    insert them (and controls) into system prompts, and measure each attack's effect on the answer's odds.

    The heads are chosen on the training split (``selection_split``) unless ``heads_from`` (a forbidden-facts or
    heads result, or its directory) gives them. Keyword overrides use the config's field names, e.g.
    ``rivalry.attack(lm, split="heldout", limit=8, templates=("topic",))``.

    Example:
        >>> lm = rivalry.load_model("smollm2-obedient")  # doctest: +SKIP
        >>> result = rivalry.attack(lm, limit=8, templates=("topic",))
        >>> result.attacks[0], result.best_answer_free, result.to_pandas().head()
    """
    config = (config or AttackConfig()).replace(**overrides)
    source, directory = None, None
    if heads_from is not None:
        source = load_source(heads_from, "heads_from", HEAD_SOURCES)
        directory = None if source is heads_from else str(heads_from)
    return experiment.run(model, config, source, heads_from_dir=directory, progress=progress)
