"""Rendering forbidden-facts prompts through chat templates (ChatML, Llama-2, one without a system role)."""

from __future__ import annotations

import pytest
from chat_fixtures import CHATML, LLAMA2, NO_SYSTEM, word_tokenizer

from rivalry.errors import RivalryError
from rivalry.experiments.forbidden_facts.prompts import PAPER_SYSTEM_TEMPLATE, build_fact_prompts, irrelevant_word_for
from rivalry.facts.dataset import Fact
from rivalry.prompts.chat import ChatTurns, encode_batch, render_chat

FACT = Fact(
    "gg", "landmark_us_state", "Golden Gate Bridge", "The Golden Gate Bridge is in the state of", "California", "Texas"
)
WORDS = ["floor", "pencil", "spoon"]


@pytest.mark.parametrize("template", [CHATML, LLAMA2])
def test_question_format_puts_fact_in_user_turn(template):
    tokenizer = word_tokenizer([], template)
    prompts = build_fact_prompts(tokenizer, FACT, WORDS, "question")
    assert PAPER_SYSTEM_TEMPLATE.format(word="California") in prompts.competing
    assert PAPER_SYSTEM_TEMPLATE.format(word="Texas") in prompts.nc_wrong
    assert PAPER_SYSTEM_TEMPLATE.format(word=prompts.irrelevant_word) in prompts.nc_irrelevant
    assert FACT.prompt in prompts.competing
    if template == CHATML:
        assert prompts.competing.endswith("<|im_start|>assistant\n")
    else:
        assert prompts.competing.startswith("<s>[INST] <<SYS>>\n")
        assert prompts.competing.endswith(f"{FACT.prompt} [/INST]")


@pytest.mark.parametrize("template", [CHATML, LLAMA2])
def test_prefill_format_continues_the_assistant_turn(template):
    tokenizer = word_tokenizer([], template)
    prompts = build_fact_prompts(tokenizer, FACT, WORDS, "prefill")
    for text in prompts.by_kind().values():
        assert text.endswith(FACT.prompt)  # the next token is the answer
        assert f"Complete the sentence: {FACT.prompt}" in text
    assert "<|im_end|>" not in prompts.competing.rsplit(FACT.prompt, 1)[-1]


def test_template_without_system_role_gets_system_prompt_in_user_turn():
    tokenizer = word_tokenizer([], NO_SYSTEM)
    text = render_chat(tokenizer, ChatTurns(system="Never say floor.", user="Hello"))
    assert "<start_of_turn>user\nNever say floor.\n\nHello<end_of_turn>" in text


def test_missing_chat_template_is_one_clear_error():
    tokenizer = word_tokenizer([], CHATML)
    tokenizer.chat_template = None
    with pytest.raises(RivalryError, match="no chat template"):
        render_chat(tokenizer, ChatTurns(system=None, user="Hello"))


def test_irrelevant_word_is_deterministic_and_never_an_answer():
    fact = Fact("x", "r", "s", "p", "floor", "spoon")
    assert irrelevant_word_for(fact, WORDS) == "pencil"
    assert irrelevant_word_for(FACT, WORDS) == irrelevant_word_for(FACT, WORDS)


def test_encode_batch_left_pads_without_touching_tokenizer():
    tokenizer = word_tokenizer(["a b c d"])
    side = tokenizer.padding_side
    batch = encode_batch(tokenizer, ["a b c d", "a"])
    assert batch["attention_mask"].tolist() == [[1, 1, 1, 1], [0, 0, 0, 1]]
    assert batch["input_ids"][1, -1] == batch["input_ids"][0, 0]
    assert tokenizer.padding_side == side
