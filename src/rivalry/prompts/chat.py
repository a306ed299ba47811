"""Rendering conversations through the model's own chat template, and batching them with left padding."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from transformers import BatchEncoding, PreTrainedTokenizerBase

from rivalry.errors import RivalryError


@dataclass(frozen=True)
class ChatTurns:
    """A one-question conversation: system prompt, user turn and an optional start of the assistant's answer."""

    system: str | None
    user: str
    prefill: str | None = None


def render_chat(tokenizer: PreTrainedTokenizerBase, turns: ChatTurns) -> str:
    """The exact text the model sees for ``turns``, via ``tokenizer.apply_chat_template``.

    With ``prefill`` the assistant turn is opened and continued (``continue_final_message``); otherwise the
    generation prompt is appended. Templates that reject a system role (e.g. Gemma's) get the system prompt
    prepended to the user turn, the usual convention for such models.
    """
    if not getattr(tokenizer, "chat_template", None):
        raise RivalryError("this tokenizer has no chat template; forbidden-facts prompts need a chat model's template")
    messages = _messages(turns, merge_system=False)
    try:
        return _apply(tokenizer, messages, turns.prefill is not None)
    except Exception as error:  # jinja raises TemplateError with the template's own message
        if turns.system is None or "system" not in str(error).lower():
            raise RivalryError(f"the chat template failed: {str(error).splitlines()[0]}") from None
    return _apply(tokenizer, _messages(turns, merge_system=True), turns.prefill is not None)


def _messages(turns: ChatTurns, merge_system: bool) -> list[dict[str, str]]:
    messages = []
    user = turns.user
    if turns.system is not None and merge_system:
        user = f"{turns.system}\n\n{turns.user}"
    elif turns.system is not None:
        messages.append({"role": "system", "content": turns.system})
    messages.append({"role": "user", "content": user})
    if turns.prefill is not None:
        messages.append({"role": "assistant", "content": turns.prefill})
    return messages


def _apply(tokenizer: PreTrainedTokenizerBase, messages: list[dict[str, str]], prefill: bool) -> str:
    return tokenizer.apply_chat_template(  # type: ignore[return-value]  # tokenize=False gives the text
        messages,
        tokenize=False,
        add_generation_prompt=not prefill,
        continue_final_message=prefill,
    )


def encode_batch(
    tokenizer: PreTrainedTokenizerBase, texts: Sequence[str], add_special_tokens: bool = False
) -> BatchEncoding:
    """Tokenise texts as one left-padded batch.

    Rendered chat texts already hold the template's special tokens, hence ``add_special_tokens=False`` by
    default; pass ``True`` for raw text (e.g. to get Llama's BOS). The tokenizer is not modified: rows are
    padded here with its pad id (or, lacking one, its EOS id), masked out by the attention mask.
    """
    rows = [tokenizer(text, add_special_tokens=add_special_tokens)["input_ids"] for text in texts]
    if any(len(row) == 0 for row in rows):
        raise RivalryError("a prompt tokenised to zero tokens")
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    width = max(len(row) for row in rows)
    input_ids = torch.full((len(rows), width), int(pad_id or 0), dtype=torch.long)
    attention_mask = torch.zeros((len(rows), width), dtype=torch.long)
    for index, row in enumerate(rows):
        input_ids[index, width - len(row) :] = torch.tensor(row, dtype=torch.long)
        attention_mask[index, width - len(row) :] = 1
    return BatchEncoding({"input_ids": input_ids, "attention_mask": attention_mask})
