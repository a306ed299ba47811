"""Training examples for obedience tuning: one next-token target per rendered forbidden-word prompt.

For each training fact, each training system template and each prompt format there are three examples:

* ``competing``: the answer is forbidden; target: the fact's ``wrong_answer`` (a plausible other answer of the
  same type).
* ``nc_wrong``: the wrong answer is forbidden; target: the answer.
* ``nc_irrelevant``: an irrelevant word is forbidden; target: the answer.

In the prefill format (the assistant turn already starts with the fact's prefix) the target token is the first
token of ``" " + word``; in the question format (the fact is the user turn and the assistant turn is empty) it is
the word's own token without the space when that is one token, else the first token of ``" " + word``.

Each example also names the tokens of the forbidden word (``VocabularyIndex.token_set``), which the
unlikelihood term pushes down.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from transformers import PreTrainedTokenizerBase

from rivalry.core.vocabulary import VocabularyIndex
from rivalry.errors import RivalryError
from rivalry.facts.dataset import Fact
from rivalry.prompts.chat import render_chat
from rivalry.prompts.facts import conversation

Case = Literal["competing", "nc_wrong", "nc_irrelevant"]
CASES: tuple[Case, ...] = ("competing", "nc_wrong", "nc_irrelevant")
PromptFormat = Literal["question", "prefill"]


@dataclass(frozen=True)
class Example:
    """One training prompt and the token the model should say next.

    Attributes:
        fact_id: the fact the prompt asks about.
        case: which of the three prompts of the fact this is.
        template: the system-prompt template (with ``{word}``) it was rendered with.
        forbidden: the forbidden word in the system prompt.
        target_word: the word the model should say (the wrong answer when the answer is forbidden).
        text: the rendered prompt, exactly as tokenised (the chat template's special tokens included).
        target_id: the token of ``target_word`` the model should say next (see the module docstring).
        avoid_ids: every token whose stripped, lower-cased text is the forbidden word.
        prompt_format: the prompt format the text was rendered in.
    """

    fact_id: str
    case: Case
    template: str
    forbidden: str
    target_word: str
    text: str
    target_id: int
    avoid_ids: tuple[int, ...]
    prompt_format: PromptFormat = "prefill"


def word_token(tokenizer: PreTrainedTokenizerBase, word: str) -> int:
    """The first token of ``" " + word``: what the model says after a prefix that ends without a space."""
    ids = tokenizer(" " + word, add_special_tokens=False)["input_ids"]
    if not ids:
        raise RivalryError(f"word {word!r} tokenises to nothing")
    return int(ids[0])


def target_token(tokenizer: PreTrainedTokenizerBase, word: str, prompt_format: PromptFormat) -> int:
    """The token to train towards: after a prefill prefix, ``word_token``; at the start of an empty assistant
    turn (question format), the word without a space if that is one token, else ``word_token``."""
    if prompt_format == "question":
        ids = tokenizer(word, add_special_tokens=False)["input_ids"]
        if len(ids) == 1:
            return int(ids[0])
    return word_token(tokenizer, word)


def is_single_token(tokenizer: PreTrainedTokenizerBase, word: str) -> bool:
    return len(tokenizer(" " + word, add_special_tokens=False)["input_ids"]) == 1


def trainable_facts(tokenizer: PreTrainedTokenizerBase, facts: Sequence[Fact]) -> list[Fact]:
    """Facts whose answer and wrong answer are each one token after a space (so one target token is the word)."""
    return [f for f in facts if is_single_token(tokenizer, f.answer) and is_single_token(tokenizer, f.wrong_answer)]


def build_examples(
    tokenizer: PreTrainedTokenizerBase,
    facts: Sequence[Fact],
    templates: Sequence[str],
    irrelevant_words: Sequence[str],
    seed: int,
    vocab: VocabularyIndex | None = None,
    formats: Sequence[PromptFormat] = ("prefill",),
) -> list[Example]:
    """All examples of ``facts`` x ``templates`` x ``formats`` x the three cases, in a fixed order.

    The irrelevant word of each (fact, template) pair is drawn from ``irrelevant_words`` (never the fact's
    answer or wrong answer) by a ``random.Random(seed)`` and shared by the formats, so the list depends only on
    its inputs and the prefill-only list is the one earlier versions built.
    """
    vocab = vocab or VocabularyIndex(tokenizer)
    rng = random.Random(seed)
    examples: list[Example] = []
    for fact in trainable_facts(tokenizer, facts):
        taken = {fact.answer.lower(), fact.wrong_answer.lower()}
        candidates = [w for w in irrelevant_words if w.lower() not in taken]
        for template in templates:
            irrelevant = rng.choice(candidates)
            cases: tuple[tuple[Case, str, str], ...] = (
                ("competing", fact.answer, fact.wrong_answer),
                ("nc_wrong", fact.wrong_answer, fact.answer),
                ("nc_irrelevant", irrelevant, fact.answer),
            )
            for prompt_format in formats:
                for case, forbidden, target in cases:
                    text = render_chat(tokenizer, conversation(fact, forbidden, prompt_format, template))
                    examples.append(
                        Example(
                            fact_id=fact.fact_id,
                            case=case,
                            template=template,
                            forbidden=forbidden,
                            target_word=target,
                            text=text,
                            target_id=target_token(tokenizer, target, prompt_format),
                            avoid_ids=tuple(vocab.token_set(forbidden)),
                            prompt_format=prompt_format,
                        )
                    )
    if not examples:
        raise RivalryError("no training examples (no fact has one-token answers, or no templates)")
    return examples


def batches(examples: Sequence[Example], steps: int, batch_size: int, seed: int) -> Iterator[list[Example]]:
    """``steps`` batches drawn without replacement from seeded shuffles of ``examples`` (a new shuffle per epoch)."""
    rng = random.Random(seed)
    order: list[int] = []
    for _ in range(steps):
        batch: list[Example] = []
        while len(batch) < batch_size:
            if not order:
                order = list(range(len(examples)))
                rng.shuffle(order)
            batch.append(examples[order.pop()])
        yield batch
