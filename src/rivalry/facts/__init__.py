"""Factual-recall prompts (subject, prompt, answer, wrong answer) and the irrelevant-word list."""

from rivalry.facts.dataset import (
    HELDOUT_RELATIONS,
    SHIPPED_FACT_SETS,
    SPLITS,
    Fact,
    FactSplit,
    load_facts,
    load_irrelevant_words,
    select_split,
    shipped_facts_bytes,
    split_facts,
    trained_relations_split,
)

__all__ = [
    "HELDOUT_RELATIONS",
    "SHIPPED_FACT_SETS",
    "SPLITS",
    "Fact",
    "FactSplit",
    "load_facts",
    "load_irrelevant_words",
    "select_split",
    "shipped_facts_bytes",
    "split_facts",
    "trained_relations_split",
]
