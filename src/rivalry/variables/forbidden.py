"""The ``forbidden`` hidden-variable set: is the forbidden word the answer (competing) or not?

For every fact with a one-token answer and every system-prompt template (the obedience organism's eight
paraphrases), three prompts: the answer forbidden (``competing``), the wrong answer forbidden and an irrelevant
word forbidden (both ``non_competing``). Group keys are ``fact`` and ``template``; the default held-out groups are
the obedient organism's own held-out facts and templates, so a probe is scored on what the tune never saw.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from transformers import PreTrainedTokenizerBase

from rivalry.core.vocabulary import VocabularyIndex
from rivalry.errors import RivalryError
from rivalry.facts.dataset import Fact, load_facts, load_irrelevant_words, split_facts
from rivalry.organisms.obedience.paraphrases import HELDOUT_TEMPLATE_INDICES, SYSTEM_TEMPLATES
from rivalry.prompts.facts import build_fact_prompts, irrelevant_word_for
from rivalry.variables.schema import LabelledText, VariableSet

FORBIDDEN_CLASSES = ("non_competing", "competing")
_LABEL_OF_KIND = {"competing": "competing", "nc_wrong": "non_competing", "nc_irrelevant": "non_competing"}


def forbidden_set(
    tokenizer: PreTrainedTokenizerBase,
    facts: Sequence[Fact] | None = None,
    templates: Sequence[str] = SYSTEM_TEMPLATES,
    prompt_format: Literal["question", "prefill"] = "prefill",
    kinds: Sequence[str] = ("competing", "nc_wrong", "nc_irrelevant"),
) -> VariableSet:
    """Competing vs non-competing forbidden-facts prompts, rendered through ``tokenizer``'s chat template.

    Each item's ``fields`` hold ``kind`` (competing / nc_wrong / nc_irrelevant), ``fact_id``, ``answer``,
    ``wrong_answer``, ``forbidden_word`` and ``relation``; its groups ``fact`` (the fact id) and ``template``
    (the template's index in ``templates``, as a string).
    """
    unknown = [kind for kind in kinds if kind not in _LABEL_OF_KIND]
    if unknown:
        raise RivalryError(f"unknown prompt kind(s) {unknown}; expected some of {sorted(_LABEL_OF_KIND)}")
    vocabulary = VocabularyIndex(tokenizer)
    chosen = [fact for fact in (load_facts() if facts is None else facts) if vocabulary.token_set(fact.answer)]
    if not chosen:
        raise RivalryError("no fact has a one-token answer for this tokenizer")
    words = load_irrelevant_words()
    items = []
    for template_index, template in enumerate(templates):
        for fact in chosen:
            prompts = build_fact_prompts(tokenizer, fact, words, prompt_format, template).by_kind()
            forbidden_words = {"competing": fact.answer, "nc_wrong": fact.wrong_answer}
            for kind in kinds:
                word = forbidden_words.get(kind) or irrelevant_word_for(fact, words)
                items.append(
                    LabelledText(
                        text=prompts[kind],
                        label=_LABEL_OF_KIND[kind],
                        groups={"fact": fact.fact_id, "template": str(template_index)},
                        fields={
                            "kind": kind,
                            "fact_id": fact.fact_id,
                            "relation": fact.relation,
                            "answer": fact.answer,
                            "wrong_answer": fact.wrong_answer,
                            "forbidden_word": word,
                        },
                    )
                )
    return VariableSet(
        name="forbidden",
        items=tuple(items),
        classes=FORBIDDEN_CLASSES,
        group_keys=("fact", "template"),
        description="the system prompt forbids the answer (competing) or another word (non-competing)",
    )


def organism_heldout_groups(facts: Sequence[Fact] | None = None) -> dict[str, list[str]]:
    """The obedient organism's held-out groups: its held-out facts and its two held-out templates."""
    heldout_facts = split_facts(load_facts() if facts is None else list(facts)).heldout
    return {
        "fact": [fact.fact_id for fact in heldout_facts],
        "template": [str(index) for index in HELDOUT_TEMPLATE_INDICES],
    }
