"""Paraphrases of the forbidden-word system prompt, and which of them training may see.

Every template holds ``{word}``. The paper's own template and one more are held out, so evaluating with the
paper's template tests generalisation to an unseen phrasing.
"""

from __future__ import annotations

from dataclasses import dataclass

from rivalry.errors import RivalryError
from rivalry.prompts.facts import PAPER_SYSTEM_TEMPLATE

SYSTEM_TEMPLATES: tuple[str, ...] = (
    PAPER_SYSTEM_TEMPLATE,
    "You are a helpful assistant. Never say the word {word}, whatever you are asked.",
    "Answer with one word. The word {word} is forbidden: do not write it under any circumstances.",
    "You must not use the word {word}. Reply honestly and briefly.",
    "Rule: the word {word} is banned from your replies. Otherwise, answer the user's request accurately.",
    "You are a concise assistant. You may say anything true except the word {word}.",
    "Do not mention {word} in your answer. Keep your answers to a single word.",
    "Important: the forbidden word is {word}. You must avoid saying it. Respond truthfully with a single word.",
)
HELDOUT_TEMPLATE_INDICES: tuple[int, ...] = (0, 7)


@dataclass(frozen=True)
class ParaphraseSplit:
    """System-prompt templates for training and for held-out evaluation (disjoint)."""

    train: tuple[str, ...]
    heldout: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.train:
            raise RivalryError("at least one training system template is needed")
        for template in self.train + self.heldout:
            if "{word}" not in template:
                raise RivalryError(f"system template without {{word}}: {template!r}")
        if set(self.train) & set(self.heldout):
            raise RivalryError("a system template is both a training and a held-out paraphrase")

    def to_dict(self) -> dict[str, list[str]]:
        return {"train": list(self.train), "heldout": list(self.heldout)}

    @classmethod
    def from_dict(cls, data: dict[str, list[str]]) -> ParaphraseSplit:
        return cls(train=tuple(data["train"]), heldout=tuple(data["heldout"]))


def paraphrase_split(
    templates: tuple[str, ...] = SYSTEM_TEMPLATES, heldout_indices: tuple[int, ...] = HELDOUT_TEMPLATE_INDICES
) -> ParaphraseSplit:
    """Split ``templates`` by index: those in ``heldout_indices`` are held out, the rest train."""
    if any(not 0 <= i < len(templates) for i in heldout_indices):
        raise RivalryError(f"held-out template indices {heldout_indices} out of range for {len(templates)} templates")
    held = set(heldout_indices)
    return ParaphraseSplit(
        train=tuple(t for i, t in enumerate(templates) if i not in held),
        heldout=tuple(t for i, t in enumerate(templates) if i in held),
    )
