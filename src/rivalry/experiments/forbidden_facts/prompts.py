"""The forbidden-facts prompts, kept importable from here: they live in :mod:`rivalry.prompts.facts`, below the
experiments, so that organisms, circuits and variable sets can build them without importing an experiment."""

from rivalry.prompts.facts import (
    PAPER_SYSTEM_TEMPLATE,
    PREFILL_INSTRUCTION,
    PROMPT_KINDS,
    FactPrompts,
    build_fact_prompts,
    conversation,
    irrelevant_word_for,
)

__all__ = [
    "PAPER_SYSTEM_TEMPLATE",
    "PREFILL_INSTRUCTION",
    "PROMPT_KINDS",
    "FactPrompts",
    "build_fact_prompts",
    "conversation",
    "irrelevant_word_for",
]
