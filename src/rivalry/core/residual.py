"""The residual stream at every layer, captured in one forward pass per batch.

A model with ``L`` blocks has ``L + 1`` residual *points*: point ``l`` (``0 <= l < L``) is the stream entering
block ``l`` (point 0 is the embeddings, position embedding included), point ``L`` is the stream leaving the last
block, i.e. entering the final norm. These are TransformerLens' ``resid_pre`` for ``l < L`` and
``resid_post`` of the last block for ``L``.

Two readers:

- :func:`residuals_at`: one position per row (e.g. the read position), ``[point, batch, d_model]``.
- :func:`residual_features`: many texts in batches, at the last token of each or at every token, written into
  one preallocated tensor, so memory is the features themselves plus one batch's forward pass.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import torch
from jaxtyping import Float, Int
from torch import Tensor
from transformers import PreTrainedTokenizerBase

from rivalry.core.hooks import Hook, attached, first_tensor_arg
from rivalry.core.positions import position_ids_from_mask
from rivalry.errors import RivalryError
from rivalry.models.anatomy import Anatomy
from rivalry.prompts.chat import encode_batch

ReadAt = Literal["last", "all"]


def residual_point_names(n_layers: int) -> list[str]:
    """Names of the ``n_layers + 1`` residual points: ``resid_pre.0 ... resid_pre.{L-1}, resid_final``."""
    return [f"resid_pre.{layer}" for layer in range(n_layers)] + ["resid_final"]


def _stream_hooks(anatomy: Anatomy, keep: Callable[[int, Tensor], None]) -> list[Hook]:
    hooks = [
        Hook(block, lambda m, a, k, point=point: keep(point, first_tensor_arg(a, k)), "pre")
        for point, block in enumerate(anatomy.blocks)
    ]
    hooks.append(Hook(anatomy.final_norm, lambda m, a, k: keep(anatomy.n_layers, first_tensor_arg(a, k)), "pre"))
    return hooks


def _run_body(anatomy: Anatomy, input_ids: Tensor, attention_mask: Tensor, hooks: Sequence[Hook]) -> None:
    home = anatomy.device
    with torch.no_grad(), attached(hooks):
        anatomy.model.base_model(
            input_ids=input_ids.to(home),
            attention_mask=attention_mask.to(home),
            position_ids=position_ids_from_mask(attention_mask).to(home),
            use_cache=False,
        )


def residuals_at(
    anatomy: Anatomy,
    input_ids: Int[Tensor, "batch seq"],
    attention_mask: Int[Tensor, "batch seq"],
    positions: Int[Tensor, " batch"],
    extra_hooks: Sequence[Hook] = (),
) -> Float[Tensor, "point batch d_model"]:
    """The residual stream at column ``positions[b]`` of each row ``b``, at every point (float32, model device).

    ``extra_hooks`` (interventions) are attached first, so the recorded stream is that of the edited run.
    """
    batch = input_ids.shape[0]
    out = torch.empty(anatomy.n_layers + 1, batch, anatomy.d_model, device=anatomy.device)
    rows = torch.arange(batch, device=anatomy.device)
    columns = positions.to(anatomy.device)

    def keep(point: int, value: Tensor) -> None:
        out[point] = value[rows, columns].detach().to(out.device, torch.float32)

    _run_body(anatomy, input_ids, attention_mask, [*extra_hooks, *_stream_hooks(anatomy, keep)])
    return out


def residuals_of_tokens(
    anatomy: Anatomy,
    input_ids: Int[Tensor, "batch seq"],
    attention_mask: Int[Tensor, "batch seq"],
    extra_hooks: Sequence[Hook] = (),
) -> Float[Tensor, "point token d_model"]:
    """The residual stream at every real (unmasked) token, rows in order and tokens in order within a row."""
    real = attention_mask.bool().to(anatomy.device)
    out = torch.empty(anatomy.n_layers + 1, int(real.sum()), anatomy.d_model, device=anatomy.device)

    def keep(point: int, value: Tensor) -> None:
        out[point] = value[real].detach().to(out.device, torch.float32)

    _run_body(anatomy, input_ids, attention_mask, [*extra_hooks, *_stream_hooks(anatomy, keep)])
    return out


@dataclass(frozen=True)
class ResidualFeatures:
    """Residual-stream features of many texts.

    Attributes:
        features: ``features[point, n]`` is the stream at point ``point`` for feature row ``n`` (float32, CPU).
        text_index: which text each feature row comes from.
        token_index: which of that text's tokens (0 = first real token) it was read at.
        point_names: the ``point`` axis (see :func:`residual_point_names`).
    """

    features: Float[Tensor, "point n d_model"]
    text_index: Int[Tensor, " n"]
    token_index: Int[Tensor, " n"]
    point_names: tuple[str, ...]


def residual_features(
    anatomy: Anatomy,
    tokenizer: PreTrainedTokenizerBase,
    texts: Sequence[str],
    read_at: ReadAt = "last",
    batch_size: int = 16,
    add_special_tokens: bool = False,
    extra_hooks: Sequence[Hook] = (),
    progress: Callable[[int], None] | None = None,
) -> ResidualFeatures:
    """Capture the residual stream of ``texts`` in batches: at each text's last token, or at every token.

    The output is preallocated from the token counts, so peak memory is the features plus one batch.
    ``progress(n)`` is called after each batch with the number of texts it held.
    """
    if not texts:
        raise RivalryError("no texts to capture")
    if batch_size < 1:
        raise RivalryError(f"batch_size must be >= 1, got {batch_size}")
    lengths = [len(tokenizer(text, add_special_tokens=add_special_tokens)["input_ids"]) for text in texts]
    counts = [1 if read_at == "last" else n for n in lengths]
    total = sum(counts)
    features = torch.empty(anatomy.n_layers + 1, total, anatomy.d_model)
    text_index = torch.repeat_interleave(torch.arange(len(texts)), torch.tensor(counts))
    token_index = torch.cat([torch.arange(n - c, n) for n, c in zip(lengths, counts, strict=True)])
    start = 0
    for first in range(0, len(texts), batch_size):
        chunk = list(texts[first : first + batch_size])
        batch = encode_batch(tokenizer, chunk, add_special_tokens=add_special_tokens)
        ids, mask = batch["input_ids"], batch["attention_mask"]
        if read_at == "last":
            last = torch.full((len(chunk),), ids.shape[1] - 1, dtype=torch.long)
            values = residuals_at(anatomy, ids, mask, last, extra_hooks)
        else:
            values = residuals_of_tokens(anatomy, ids, mask, extra_hooks)
        features[:, start : start + values.shape[1]] = values.cpu()
        start += values.shape[1]
        if progress is not None:
            progress(len(chunk))
    return ResidualFeatures(
        features=features,
        text_index=text_index,
        token_index=token_index,
        point_names=tuple(residual_point_names(anatomy.n_layers)),
    )
