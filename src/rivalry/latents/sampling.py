"""What an observer of the output sees: the next-token distribution at the read position, and sampled tokens.

One forward pass per batch gives the next-token log-probabilities at each text's last token; the KV cache then
carries ``n_tokens`` sampled tokens (temperature 1) drawn through an explicit, seeded ``torch.Generator``.
Only the ``top_k`` most likely tokens of each text are kept (ids and log-probabilities), plus the log-probabilities
of any ``tracked`` ids, so memory is ``[texts, top_k]`` and never ``[texts, vocabulary]``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from jaxtyping import Float, Int
from torch import Tensor

from rivalry.core.hooks import attached
from rivalry.core.positions import position_ids_from_mask
from rivalry.core.residual import _stream_hooks, residual_point_names
from rivalry.models.model import Model
from rivalry.prompts.chat import encode_batch


@dataclass(frozen=True)
class OutputView:
    """The output of a model on many texts.

    Attributes:
        top_ids / top_logprobs: each text's ``top_k`` most likely next tokens and their log-probabilities.
        tracked: log-probabilities of the ``tracked`` ids, ``[text, tracked]`` (empty when none were asked for).
        samples: sampled continuations' token ids, ``[text, n_tokens]``; -1 after the first end-of-sequence token.
        features: with ``capture=True``, the residual stream at each text's last token at every point
            (``[point, text, d_model]``, float32, CPU; the same as :func:`rivalry.core.residual.residual_features`
            with ``read_at="last"``), read in the same forward pass; else None.
        point_names: the points of ``features``.
    """

    top_ids: Int[Tensor, "n k"]
    top_logprobs: Float[Tensor, "n k"]
    tracked: Float[Tensor, "n t"]
    samples: Int[Tensor, "n s"]
    features: Float[Tensor, "point n d_model"] | None = None
    point_names: tuple[str, ...] = ()


def output_view(
    model: Model,
    texts: Sequence[str],
    add_special_tokens: bool = False,
    top_k: int = 256,
    n_tokens: int = 8,
    seed: int = 0,
    batch_size: int = 16,
    tracked: Sequence[int] = (),
    progress: Callable[[int], None] | None = None,
    capture: bool = False,
) -> OutputView:
    """Next-token log-probabilities at each text's last token and one sampled continuation per text (and, with
    ``capture``, the residual stream at the last token, hooked into the same forward pass)."""
    hf, tok = model.model, model.tokenizer
    generator = torch.Generator(device=model.device).manual_seed(seed)
    stop = {i for i in (tok.eos_token_id, tok.convert_tokens_to_ids("<|im_end|>")) if isinstance(i, int)}
    track = torch.tensor(list(tracked), dtype=torch.long)
    # only the last position's logits: [batch, 1, vocab] instead of [batch, seq, vocab]
    last_only = {"logits_to_keep": 1} if "logits_to_keep" in inspect.signature(hf.forward).parameters else {}
    parts: dict[str, list[Tensor]] = {"ids": [], "lp": [], "tracked": [], "samples": []}
    anatomy = model.anatomy
    features = torch.empty(anatomy.n_layers + 1, len(texts), anatomy.d_model) if capture else None
    for first in range(0, len(texts), batch_size):
        batch = encode_batch(tok, list(texts[first : first + batch_size]), add_special_tokens=add_special_tokens)
        mask = batch["attention_mask"].to(model.device)
        ids = batch["input_ids"].to(model.device)
        positions = position_ids_from_mask(mask)
        rows = slice(first, first + ids.shape[0])

        def keep(point: int, value: Tensor, rows: slice = rows) -> None:
            assert features is not None
            features[point, rows] = value[:, -1].detach().to("cpu", torch.float32)  # left-padded: last column

        hooks = _stream_hooks(anatomy, keep) if capture else []
        with torch.no_grad():
            with attached(hooks):
                out = hf(input_ids=ids, attention_mask=mask, position_ids=positions, use_cache=True, **last_only)
            logprobs = torch.log_softmax(out.logits[:, -1].float(), dim=-1)
            k = min(top_k, logprobs.shape[-1])
            values, indices = logprobs.topk(k, dim=-1)
            parts["ids"].append(indices.cpu())
            parts["lp"].append(values.cpu())
            parts["tracked"].append(logprobs[:, track.to(logprobs.device)].cpu() if len(track) else values[:, :0].cpu())
            sampled = _sample(hf, out.past_key_values, logprobs, mask, positions, n_tokens, generator, stop)
            parts["samples"].append(sampled.cpu())
        if progress is not None:
            progress(ids.shape[0])
    return OutputView(
        top_ids=torch.cat(parts["ids"]),
        top_logprobs=torch.cat(parts["lp"]),
        tracked=torch.cat(parts["tracked"]),
        samples=torch.cat(parts["samples"]),
        features=features,
        point_names=tuple(residual_point_names(anatomy.n_layers)) if capture else (),
    )


def _sample(
    hf: torch.nn.Module,
    past: object,
    logprobs: Tensor,
    mask: Tensor,
    positions: Tensor,
    n_tokens: int,
    generator: torch.Generator,
    stop: set[int],
) -> Int[Tensor, "batch n_tokens"]:
    """``n_tokens`` tokens sampled at temperature 1 from the cache ``past``; -1 after a stop token."""
    rows = logprobs.shape[0]
    out = torch.full((rows, n_tokens), -1, dtype=torch.long, device=logprobs.device)
    done = torch.zeros(rows, dtype=torch.bool, device=logprobs.device)
    position = positions[:, -1:]
    for step in range(n_tokens):
        token = torch.multinomial(logprobs.exp(), 1, generator=generator)  # [batch, 1]
        out[:, step] = torch.where(done, torch.full_like(token[:, 0], -1), token[:, 0])
        done |= torch.isin(token[:, 0], torch.tensor(sorted(stop), device=token.device)) if stop else done
        if step == n_tokens - 1 or bool(done.all()):
            break
        mask = torch.cat([mask, torch.ones_like(mask[:, :1])], dim=1)
        position = position + 1
        step_out = hf(input_ids=token, attention_mask=mask, position_ids=position, past_key_values=past, use_cache=True)
        past = step_out.past_key_values
        logprobs = torch.log_softmax(step_out.logits[:, -1].float(), dim=-1)
    return out
