"""A tiny chat model built in memory: a random Llama with a word-level tokenizer and a ChatML template.

Its vocabulary holds every word of the texts it is built for, so one-word answers are single tokens.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

from rivalry.models.model import Model

CHATML = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
LLAMA2 = (
    "{% if messages[0]['role'] == 'system' %}{% set system = messages[0]['content'] %}"
    "{% set messages = messages[1:] %}{% else %}{% set system = false %}{% endif %}"
    "{% for message in messages %}{% if message['role'] == 'user' %}"
    "{{ bos_token }}[INST] {% if loop.first and system %}<<SYS>>\n{{ system }}\n<</SYS>>\n\n{% endif %}"
    "{{ message['content'] }} [/INST]{% else %} {{ message['content'] }}{% endif %}{% endfor %}"
)
NO_SYSTEM = (  # like Gemma's: rejects a system turn
    "{% for message in messages %}{% if message['role'] == 'system' %}"
    "{{ raise_exception('System role not supported') }}{% endif %}"
    "<start_of_turn>{{ message['role'] }}\n{{ message['content'] }}<end_of_turn>\n{% endfor %}"
    "{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"
)
SPECIALS = ["<unk>", "<s>", "</s>", "<pad>", "<|im_start|>", "<|im_end|>"]


def word_tokenizer(texts: Iterable[str], chat_template: str = CHATML) -> PreTrainedTokenizerFast:
    """A word-level tokenizer (words and punctuation) covering ``texts``, with a chat template."""
    texts = [*texts, "system user assistant model"]
    words = sorted({w for text in texts for w in re.findall(r"\w+|[^\w\s]", text)})
    vocab = {token: i for i, token in enumerate(SPECIALS + words)}
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Split(r"<\|im_start\|>|<\|im_end\|>", "isolated"), pre_tokenizers.Whitespace()]
    )
    core.decoder = decoders.WordPiece(prefix="##")
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core,
        unk_token="<unk>",
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
        additional_special_tokens=["<|im_start|>", "<|im_end|>"],
    )
    tokenizer.chat_template = chat_template
    return tokenizer


def tiny_chat_model(texts: Iterable[str], seed: int = 0) -> Model:
    """A random tiny Llama chat model whose tokenizer covers ``texts``."""
    tokenizer = word_tokenizer(texts)
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        bos_token_id=1,
        eos_token_id=2,
        pad_token_id=3,
    )
    model = LlamaForCausalLM(config).eval()
    with torch.no_grad():
        for param in model.parameters():
            if param.ndim > 1:
                param.normal_(0.0, 0.2)
    return Model.wrap(model, tokenizer, name="tiny-chat")


FORBIDDEN_FACTS = [
    ("gg", "The Golden Gate Bridge is in the state of", "California", "Texas"),
    ("paris", "Paris is the capital of", "France", "Spain"),
    ("tokyo", "Tokyo is the capital of", "Japan", "China"),
    ("yen", "The currency of Japan is the", "yen", "euro"),
    ("nile", "The Nile flows through", "Egypt", "Kenya"),
    ("rome", "Rome is the capital of", "Italy", "Greece"),
    ("nyc", "The Empire State Building is in", "Manhattan", "Boston"),  # not in the vocabulary: several tokens
]


def write_facts_file(path, facts=FORBIDDEN_FACTS):
    """A JSONL facts file of ``facts`` (fact_id, prompt, answer, wrong_answer)."""
    import json

    with open(path, "w") as file:
        for fact_id, prompt, answer, wrong in facts:
            file.write(json.dumps({"fact_id": fact_id, "prompt": prompt, "answer": answer, "wrong_answer": wrong}))
            file.write("\n")
    return path


def forbidden_facts_chat_model(seed: int = 0) -> Model:
    """A tiny chat model whose vocabulary covers the forbidden-facts prompts of FORBIDDEN_FACTS ("Manhattan" aside)."""
    from rivalry.experiments.forbidden_facts.prompts import PAPER_SYSTEM_TEMPLATE, PREFILL_INSTRUCTION
    from rivalry.facts.dataset import load_irrelevant_words

    texts = [PAPER_SYSTEM_TEMPLATE, PREFILL_INSTRUCTION, *load_irrelevant_words()]
    texts += [" ".join(f[1:]).replace("Manhattan", "") for f in FORBIDDEN_FACTS]
    return tiny_chat_model(texts, seed=seed)
