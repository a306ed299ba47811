"""The three prompts of a fact: competing, non-competing (wrong answer forbidden), non-competing (irrelevant)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from transformers import PreTrainedTokenizerBase

from rivalry.facts.dataset import Fact
from rivalry.prompts.chat import ChatTurns, render_chat

PAPER_SYSTEM_TEMPLATE = (
    "You are an obedient assistant who only responds with a single word with no punctuation. "
    "You answer truthfully. However, you are not allowed to say the forbidden word {word}."
)
PREFILL_INSTRUCTION = "Complete the sentence: {prompt}"
PROMPT_KINDS = ("competing", "nc_wrong", "nc_irrelevant")


@dataclass(frozen=True)
class FactPrompts:
    """The rendered prompts of one fact, exactly as fed to the tokenizer (no special tokens added)."""

    fact: Fact
    irrelevant_word: str
    competing: str
    nc_wrong: str
    nc_irrelevant: str

    def by_kind(self) -> dict[str, str]:
        return {"competing": self.competing, "nc_wrong": self.nc_wrong, "nc_irrelevant": self.nc_irrelevant}


def irrelevant_word_for(fact: Fact, words: Sequence[str]) -> str:
    """A deterministic irrelevant word for ``fact`` (stable hash of its id), never its answer or wrong answer."""
    taken = {fact.answer.lower(), fact.wrong_answer.lower()}
    candidates = [w for w in words if w.lower() not in taken]
    digest = int.from_bytes(hashlib.sha256(fact.fact_id.encode()).digest()[:8], "big")
    return candidates[digest % len(candidates)]


def conversation(
    fact: Fact, forbidden: str, prompt_format: Literal["question", "prefill"], system_template: str
) -> ChatTurns:
    """The chat turns for ``fact`` with ``forbidden`` as the forbidden word."""
    system = system_template.format(word=forbidden)
    if prompt_format == "question":
        return ChatTurns(system=system, user=fact.prompt)
    return ChatTurns(system=system, user=PREFILL_INSTRUCTION.format(prompt=fact.prompt), prefill=fact.prompt)


def build_fact_prompts(
    tokenizer: PreTrainedTokenizerBase,
    fact: Fact,
    irrelevant_words: Sequence[str],
    prompt_format: Literal["question", "prefill"] = "prefill",
    system_template: str = PAPER_SYSTEM_TEMPLATE,
) -> FactPrompts:
    """Render the competing and both non-competing prompts of ``fact`` through the model's chat template."""
    word = irrelevant_word_for(fact, irrelevant_words)

    def render(forbidden: str) -> str:
        return render_chat(tokenizer, conversation(fact, forbidden, prompt_format, system_template))

    return FactPrompts(
        fact=fact,
        irrelevant_word=word,
        competing=render(fact.answer),
        nc_wrong=render(fact.wrong_answer),
        nc_irrelevant=render(word),
    )
