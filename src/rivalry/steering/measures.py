"""Scoring prompts under an intervention, batched, and the side-effect cost on neutral texts.

:func:`score_prompts` gives each :class:`~rivalry.steering.contrasts.ScoredPrompt`'s score (the answer's log10
odds at the prompt's last token, or a continuation's log-probability / log-odds, teacher-forced) and the top-1
next token at the prompt's last token, for the clean model or under one intervention. A stack of ``R``
directions scores every prompt under each of them (rows ``R x n`` in shared batches: the random controls).

:func:`neutral_kl` is the mean over the real tokens of neutral texts of
``KL(P_clean(. | x_<t) || P_edited(. | x_<t))`` in nats.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from jaxtyping import Float, Int
from torch import Tensor
from torch.nn import functional

from rivalry.core.hooks import attached
from rivalry.core.metrics import LN10
from rivalry.core.positions import position_ids_from_mask
from rivalry.models.model import Model
from rivalry.steering.contrasts import ScoredPrompt
from rivalry.steering.interventions import intervention_hooks


@dataclass(frozen=True)
class Edit:
    """One intervention: ``kind`` (none / ablation / addition), its direction(s), the point and the scale."""

    kind: str
    direction: Tensor | None = None
    point: int = 0
    scale: float = 1.0

    def select(self, rows: Tensor) -> Edit:
        """The same edit for a batch of rows, each row ``i`` using direction ``rows[i]`` of a stack."""
        if self.direction is None or self.direction.dim() == 1:
            return self
        return Edit(self.kind, self.direction[rows], self.point, self.scale)


CLEAN = Edit("none")


@dataclass(frozen=True)
class _Row:
    ids: list[int]
    prompt_length: int  # the prompt's tokens come first; the continuation (if any) after them
    item: int
    part: int  # 0: behaviour or answer, 1: alternative
    direction: int


def _encode(lm: Model, prompt: ScoredPrompt) -> list[int]:
    ids = list(lm.tokenizer(prompt.text, add_special_tokens=prompt.add_special_tokens)["input_ids"])
    if not ids:
        from rivalry.errors import RivalryError

        raise RivalryError(f"a prompt tokenised to zero tokens: {prompt.text[:40]!r}")
    return ids


def _rows(lm: Model, prompts: Sequence[ScoredPrompt], n_directions: int) -> list[_Row]:
    rows = []
    tok = lm.tokenizer
    for item, prompt in enumerate(prompts):
        ids = _encode(lm, prompt)
        parts = (
            [[]]
            if prompt.answer_ids is not None
            else [list(tok(prompt.behaviour or "", add_special_tokens=False)["input_ids"])]
        )
        if prompt.answer_ids is None and prompt.alternative is not None:
            parts.append(list(tok(prompt.alternative, add_special_tokens=False)["input_ids"]))
        for direction in range(n_directions):
            for part, continuation in enumerate(parts):
                rows.append(_Row(ids + continuation, len(ids), item, part, direction))
    return rows


def _forward(lm: Model, rows: Sequence[_Row], edit: Edit) -> Float[Tensor, "batch seq vocab"]:
    width = max(len(r.ids) for r in rows)
    pad = lm.tokenizer.pad_token_id if lm.tokenizer.pad_token_id is not None else lm.tokenizer.eos_token_id
    ids = torch.full((len(rows), width), int(pad or 0), dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for index, row in enumerate(rows):
        ids[index, width - len(row.ids) :] = torch.tensor(row.ids)
        mask[index, width - len(row.ids) :] = 1
    per_row = edit.select(torch.tensor([r.direction for r in rows]))
    hooks = (
        intervention_hooks(lm.anatomy, per_row.kind, per_row.direction, per_row.point, per_row.scale)
        if per_row.direction is not None
        else []
    )
    device = lm.device
    with torch.no_grad(), attached(hooks):
        logits = lm.model(
            input_ids=ids.to(device),
            attention_mask=mask.to(device),
            position_ids=position_ids_from_mask(mask).to(device),
        ).logits
    return logits.float()


def score_prompts(
    lm: Model, prompts: Sequence[ScoredPrompt], edit: Edit = CLEAN, batch_size: int = 16
) -> tuple[Float[Tensor, "direction n"], Int[Tensor, "direction n"]]:
    """Scores and top-1 next tokens (at each prompt's last token) of ``prompts`` under ``edit``.

    The leading axis has one entry per direction of a stacked edit (one for a single direction or none).
    """
    n_directions = edit.direction.shape[0] if edit.direction is not None and edit.direction.dim() == 2 else 1
    rows = _rows(lm, prompts, n_directions)
    values = torch.zeros(n_directions, len(prompts), 2, dtype=torch.float64)
    top = torch.zeros(n_directions, len(prompts), dtype=torch.long)
    for first in range(0, len(rows), batch_size):
        chunk = rows[first : first + batch_size]
        logits = _forward(lm, chunk, edit)
        width = logits.shape[1]
        for index, row in enumerate(chunk):
            offset = width - len(row.ids)
            last = offset + row.prompt_length - 1
            prompt = prompts[row.item]
            if row.part == 0:
                top[row.direction, row.item] = int(logits[index, last].argmax())
            if prompt.answer_ids is not None:
                logit = logits[index, last]
                answer = torch.zeros_like(logit, dtype=torch.bool)
                answer[list(prompt.answer_ids)] = True
                inside = logit[answer].logsumexp(0)
                outside = logit.masked_fill(answer, float("-inf")).logsumexp(0)
                values[row.direction, row.item, 0] = float((inside - outside) / LN10)
                continue
            log_probs = logits[index, last : offset + len(row.ids) - 1].log_softmax(-1)
            targets = torch.tensor(row.ids[row.prompt_length :], device=log_probs.device)
            values[row.direction, row.item, row.part] = float(log_probs.gather(1, targets[:, None]).sum())
    has_alternative = torch.tensor([p.answer_ids is None and p.alternative is not None for p in prompts])
    scores = values[..., 0] - torch.where(has_alternative, values[..., 1], torch.zeros_like(values[..., 1]))
    return scores, top


def neutral_logits(
    lm: Model, texts: Sequence[str], edit: Edit = CLEAN, batch_size: int = 16, log_softmax: bool = True
) -> list[Tensor]:
    """Next-token log-probabilities (or raw logits) at every real token of each text (BOS as the tokenizer adds)."""
    out = []
    for first in range(0, len(texts), batch_size):
        chunk = texts[first : first + batch_size]
        rows = [_Row(list(lm.tokenizer(t)["input_ids"]), 0, i, 0, 0) for i, t in enumerate(chunk)]
        logits = _forward(lm, rows, edit)
        width = logits.shape[1]
        for index, row in enumerate(rows):
            real = logits[index, width - len(row.ids) :]
            out.append(real.log_softmax(-1) if log_softmax else real)
    return out


def neutral_kl(clean: Sequence[Tensor], edited: Sequence[Tensor]) -> float:
    """Mean over all real tokens of ``KL(clean || edited)`` in nats, from log-probabilities."""
    total, count = 0.0, 0
    for p, q in zip(clean, edited, strict=True):
        kl = functional.kl_div(q, p, log_target=True, reduction="none").sum(-1)
        total += float(kl.double().sum())
        count += kl.shape[0]
    return total / max(count, 1)


def random_directions(n: int, d_model: int, norm: float, seed: int) -> Float[Tensor, "n d_model"]:
    """``n`` directions uniform on the sphere of radius ``norm`` (seeded ``torch.Generator``, float32)."""
    generator = torch.Generator().manual_seed(seed)
    raw = torch.randn(n, d_model, generator=generator, dtype=torch.float64)
    return (raw / raw.norm(dim=-1, keepdim=True) * norm).float()


def percentile(effect: float, random_effects: Sequence[float], sign: float) -> float:
    """Percent of random effects the direction's effect beats, in the intended direction (``sign`` +1: larger is
    stronger; -1: more negative is stronger); ties count a half."""
    if not random_effects:
        return 0.0
    e = sign * effect
    above = sum(1.0 for r in random_effects if e > sign * r) + 0.5 * sum(1.0 for r in random_effects if e == sign * r)
    return 100.0 * above / len(random_effects)


def quantile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (linear interpolation) of ``values``."""
    return float(torch.quantile(torch.tensor(list(values), dtype=torch.float64), q))
