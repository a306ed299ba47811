"""Factual-recall prompts (subject, prompt, answer, wrong answer) and the irrelevant-word list."""

from rivalry.facts.dataset import (
    SPLITS,
    Fact,
    FactSplit,
    load_facts,
    load_irrelevant_words,
    select_split,
    split_facts,
)

__all__ = [
    "SPLITS",
    "Fact",
    "FactSplit",
    "load_facts",
    "load_irrelevant_words",
    "select_split",
    "split_facts",
]
