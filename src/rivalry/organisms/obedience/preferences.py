"""Preference pairs for DPO, made from the same examples the supervised tuning uses.

For each :class:`~rivalry.organisms.obedience.data.Example` (one prompt, one target word):

* ``competing`` (the answer is forbidden): chosen = the obeying answer (the fact's wrong answer), rejected = the
  forbidden word itself.
* ``nc_wrong`` / ``nc_irrelevant`` (another word is forbidden): chosen = the true answer, rejected = a refusal
  (one of :data:`REFUSALS`, picked by a hash of the prompt), so that obeying never turns into refusing.

Completions are text: after a prefill prefix they start with a space (``" Paris"``), at the start of an empty
assistant turn (question format) they do not. TRL appends the end-of-turn token to each.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from rivalry.organisms.obedience.data import Case, Example

REFUSALS: tuple[str, ...] = (
    "I cannot answer that.",
    "Sorry, I can't say that.",
    "I'm not allowed to answer.",
    "I won't answer that question.",
)


@dataclass(frozen=True)
class PreferencePair:
    """One DPO pair: the rendered prompt (chat template included) and two completions.

    Attributes:
        fact_id: the fact the prompt asks about.
        case: which of the fact's three prompts it is.
        prompt: the prompt text exactly as tokenised (special tokens included as text).
        chosen: the preferred completion.
        rejected: the dispreferred completion.
    """

    fact_id: str
    case: Case
    prompt: str
    chosen: str
    rejected: str

    def as_row(self) -> dict[str, str]:
        """The row TRL's ``DPOTrainer`` reads (``prompt``, ``chosen``, ``rejected``)."""
        return {"prompt": self.prompt, "chosen": self.chosen, "rejected": self.rejected}


def _completion(example: Example, text: str) -> str:
    return text if example.prompt_format == "question" else " " + text


def refusal_for(prompt: str) -> str:
    """A refusal picked by a SHA-256 hash of the prompt (stable across runs and processes)."""
    digest = hashlib.sha256(prompt.encode()).digest()
    return REFUSALS[int.from_bytes(digest[:8], "big") % len(REFUSALS)]


def preference_pairs(examples: Sequence[Example]) -> list[PreferencePair]:
    """One pair per example, in the examples' order (see the module docstring)."""
    pairs: list[PreferencePair] = []
    for example in examples:
        chosen = _completion(example, example.target_word)
        if example.case == "competing":
            rejected = _completion(example, example.forbidden)
        else:
            rejected = _completion(example, refusal_for(example.text))
        pairs.append(PreferencePair(example.fact_id, example.case, example.text, chosen, rejected))
    return pairs
