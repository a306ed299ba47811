"""Where heads look: attention from the predicting position to every key, and the mass on the forbidden word.

The predicting position of a row is its last real token (the one whose next-token distribution is read).
Weights come from the model's own eager attention (sdpa returns none), switched on by a context manager
that always restores the previous implementation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from jaxtyping import Float, Int
from torch import Tensor
from transformers import PreTrainedTokenizerBase

from rivalry.circuits.circuit import HeadCircuits, eager_attention, run_body
from rivalry.core.hooks import Hook
from rivalry.core.positions import position_ids_from_mask, resolve_positions
from rivalry.core.sites import Site
from rivalry.errors import RivalryError
from rivalry.models.model import Model
from rivalry.prompts.chat import encode_batch


@dataclass(frozen=True)
class PromptAttention:
    """Attention of each row's predicting position over the key columns of a left-padded batch.

    Attributes:
        weights: ``weights[b, l, h, j]``: how much head ``h`` of layer ``l`` at row ``b``'s predicting
            position attends to column ``j`` (padding columns get 0; each row sums to 1 per head).
        attention_mask: the batch's mask (1 on real tokens).
        query_positions: the predicting column of each row.
    """

    weights: Float[Tensor, "batch layer head key"]
    attention_mask: Int[Tensor, "batch key"]
    query_positions: Int[Tensor, " batch"]

    def on_tokens(self, row: int, positions: Sequence[int]) -> Float[Tensor, "layer head"]:
        """Mass on the given token positions of ``row`` (counted among its real tokens, 0 = first real token)."""
        first = int(self.attention_mask[row].argmax())
        columns = torch.tensor([first + p for p in positions], dtype=torch.long)
        return self.weights[row][..., columns].sum(-1)


def attention_from_last(
    lm: object, input_ids: Int[Tensor, "batch seq"], attention_mask: Int[Tensor, "batch seq"]
) -> PromptAttention:
    """Attention weights of every layer and head from each row's last real token to every column (one pass)."""
    circuits = HeadCircuits.of(lm)
    anatomy = circuits.anatomy
    query = resolve_positions(attention_mask, -1)
    rows = torch.arange(input_ids.shape[0])
    store: dict[int, Tensor] = {}

    def keep(layer: int, output: object) -> None:
        weights = output[1] if isinstance(output, tuple) and len(output) > 1 else None
        if weights is None:
            raise RivalryError("the attention module returned no weights (eager attention is required)")
        store[layer] = weights[rows, :, query.to(weights.device)].detach().float().cpu()

    hooks = [
        Hook(module, lambda m, a, k, out, layer=layer: keep(layer, out))
        for layer, module in enumerate(circuits.attention)
    ]
    device = anatomy.device
    with eager_attention(lm):
        run_body(
            anatomy,
            hooks,
            input_ids=input_ids.to(device),
            attention_mask=attention_mask.to(device),
            position_ids=position_ids_from_mask(attention_mask).to(device),
            use_cache=False,
        )
    weights = torch.stack([store[layer] for layer in range(anatomy.n_layers)], dim=1)
    return PromptAttention(weights=weights, attention_mask=attention_mask.cpu(), query_positions=query.cpu())


def forbidden_word_span(
    tokenizer: PreTrainedTokenizerBase, text: str, word: str, within: str | None = None
) -> list[int]:
    """Token positions (in ``tokenizer(text, add_special_tokens=False)``) covering ``word`` inside ``within``.

    ``within`` is a substring of ``text`` (the system prompt); the *last* whole-word occurrence of ``word`` in
    it is taken (the paper's template ends with the forbidden word). Without ``within`` the whole text is
    searched. Tokens are matched through a fast tokenizer's character offsets: every token overlapping the
    word's characters counts (a leading-space token such as ``" California"`` included).
    """
    if not getattr(tokenizer, "is_fast", False):
        raise RivalryError("forbidden-word spans need a fast tokenizer (character offsets)")
    base = 0 if within is None else text.find(within)
    if base < 0:
        raise RivalryError("the system prompt does not occur in the rendered prompt")
    region = text if within is None else within
    matches = list(re.finditer(rf"(?<!\w){re.escape(word)}(?!\w)", region))
    if not matches:
        raise RivalryError(f"word '{word}' does not occur in the system prompt")
    start, end = base + matches[-1].start(), base + matches[-1].end()
    offsets = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
    span = [i for i, (a, b) in enumerate(offsets) if b > a and a < end and b > start]
    if not span:
        raise RivalryError(f"no token covers word '{word}'")
    return span


def forbidden_word_attention(
    lm: Model, texts: Sequence[str], words: Sequence[str], systems: Sequence[str | None]
) -> Float[Tensor, "batch layer head"]:
    """Attention mass each head puts, from the predicting position, on the forbidden word of each prompt."""
    batch = encode_batch(lm.tokenizer, texts)
    attention = attention_from_last(lm, batch["input_ids"], batch["attention_mask"])
    masses = [
        attention.on_tokens(row, forbidden_word_span(lm.tokenizer, text, word, system))
        for row, (text, word, system) in enumerate(zip(texts, words, systems, strict=True))
    ]
    return torch.stack(masses)


def mass_summary(
    competing: Float[Tensor, "fact layer head"],
    non_competing: Float[Tensor, "fact layer head"],
    top: Sequence[Site],
) -> dict[str, float]:
    """Mean attention mass on the forbidden word for the ``top`` heads and for all other heads, both prompt kinds.

    The paper's numbers for Llama-2-7b-chat (competing prompts): 0.196 for its top-10 suppressor heads, 0.0086
    for the other heads.
    """
    chosen = torch.zeros(competing.shape[1:], dtype=torch.bool)
    for site in top:
        chosen[site.layer, site.head] = True

    def mean(x: Tensor, mask: Tensor) -> float:
        return float(x[:, mask].mean()) if bool(mask.any()) and x.shape[0] else float("nan")

    return {
        "top_competing": mean(competing, chosen),
        "top_non_competing": mean(non_competing, chosen),
        "other_competing": mean(competing, ~chosen),
        "other_non_competing": mean(non_competing, ~chosen),
    }
