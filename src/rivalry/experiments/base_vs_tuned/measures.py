"""What tuning did to a model, measured against its base: prior shift, mode collapse and output diversity.

Every function takes loaded models (``Model``) and returns plain dataclasses; nothing here writes files.

- :func:`prior_shift`: mean KL(base ‖ tuned) of the next-token distributions over every position of neutral texts,
  and each model's mean next-token entropy.
- :func:`answer_distribution`: P(answer | question) over a closed set of candidate answers, each scored exactly by
  teacher forcing as log P(candidate + end-of-answer), renormalised over the candidates (numbers such as "42" are
  several tokens in SmolLM2, so reading one next token would not do).
- :func:`expectation_adjusted_distinct`: distinct n-grams over the number expected under uniform draws from the
  vocabulary (EAD, Liu et al. 2022), and :func:`sample_continuations` to get the tokens.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch
from jaxtyping import Float, Int
from torch import Tensor

from rivalry.core.positions import position_ids_from_mask
from rivalry.errors import RivalryError
from rivalry.models.model import Model
from rivalry.prompts.chat import ChatTurns, encode_batch, render_chat

_SENTINEL = "RIVALRYANSWERSENTINEL"


@dataclass(frozen=True)
class PriorShift:
    """Per-position averages over one genre's neutral texts (``n_positions`` predicted tokens in all)."""

    genre: str
    kl_base_tuned: float
    entropy_base: float
    entropy_tuned: float
    n_positions: int


@dataclass(frozen=True)
class AnswerDistribution:
    """P(answer) over ``answers`` for one model and question; ``coverage`` is their total unnormalised mass."""

    question: str
    prompt: str
    answers: list[str]
    probabilities: list[float]
    coverage: float

    @property
    def top(self) -> tuple[str, float]:
        index = max(range(len(self.answers)), key=lambda i: self.probabilities[i])
        return self.answers[index], self.probabilities[index]

    @property
    def entropy(self) -> float:
        return -sum(p * math.log(p) for p in self.probabilities if p > 0)

    @property
    def uniform_entropy(self) -> float:
        return math.log(len(self.answers))

    @property
    def total_variation_to_uniform(self) -> float:
        u = 1.0 / len(self.answers)
        return 0.5 * sum(abs(p - u) for p in self.probabilities)


def check_same_vocabulary(base: Model, tuned: Model) -> None:
    """Token-level comparisons need one tokenizer: same vocabulary and same output width."""
    if base.tokenizer.get_vocab() != tuned.tokenizer.get_vocab():
        raise RivalryError(
            f"'{base.name}' and '{tuned.name}' have different vocabularies; compare a model with its tune"
        )
    if base.model.get_output_embeddings().weight.shape[0] != tuned.model.get_output_embeddings().weight.shape[0]:
        raise RivalryError(f"'{base.name}' and '{tuned.name}' have different output sizes")


def _log_probs(lm: Model, input_ids: Tensor, attention_mask: Tensor) -> Float[Tensor, "batch seq vocab"]:
    device = lm.device
    with torch.no_grad():
        logits = lm.model(
            input_ids=input_ids.to(device),
            attention_mask=attention_mask.to(device),
            position_ids=position_ids_from_mask(attention_mask).to(device),
        ).logits
    return torch.log_softmax(logits.float(), dim=-1).cpu()


def prior_shift(base: Model, tuned: Model, texts: Mapping[str, Sequence[str]]) -> list[PriorShift]:
    """Per genre: mean over positions of KL(P_base ‖ P_tuned) = Σ_v p_b(v) (log p_b(v) − log p_t(v)), and entropies.

    Texts are raw (the tokenizer's own special tokens, e.g. a BOS, are added); one left-padded batch per model.
    """
    check_same_vocabulary(base, tuned)
    genres = list(texts)
    flat = [(genre, text) for genre in genres for text in texts[genre]]
    batch = encode_batch(base.tokenizer, [text for _, text in flat], add_special_tokens=True)
    ids, mask = batch["input_ids"], batch["attention_mask"]
    lp_base = _log_probs(base, ids, mask)
    lp_tuned = _log_probs(tuned, ids, mask)
    p_base = lp_base.exp()
    kl: Float[Tensor, "batch seq"] = (p_base * (lp_base - lp_tuned)).sum(-1)
    h_base: Float[Tensor, "batch seq"] = -(p_base * lp_base).sum(-1)
    h_tuned: Float[Tensor, "batch seq"] = -(lp_tuned.exp() * lp_tuned).sum(-1)
    results = []
    for genre in genres:
        rows = torch.tensor([i for i, (g, _) in enumerate(flat) if g == genre])
        if len(rows) == 0:
            raise RivalryError(f"genre '{genre}' has no neutral texts")
        real = mask[rows].bool()
        n = int(real.sum())
        results.append(
            PriorShift(
                genre=genre,
                kl_base_tuned=float(kl[rows][real].mean()),
                entropy_base=float(h_base[rows][real].mean()),
                entropy_tuned=float(h_tuned[rows][real].mean()),
                n_positions=n,
            )
        )
    return results


def end_of_answer(lm: Model) -> list[int]:
    """Token ids the chat template puts right after an assistant answer (e.g. ``<|im_end|>``); else EOS."""
    tok = lm.tokenizer
    messages = [{"role": "user", "content": "x"}, {"role": "assistant", "content": _SENTINEL}]
    try:
        rendered = str(tok.apply_chat_template(messages, tokenize=False))
    except Exception:  # a template that wants other turns: fall back to EOS
        rendered = ""
    suffix = rendered.split(_SENTINEL, 1)[1].strip() if _SENTINEL in rendered else ""
    ids = tok(suffix, add_special_tokens=False)["input_ids"][:1] if suffix else []
    if not ids:
        if tok.eos_token_id is None:
            raise RivalryError(f"'{lm.name}' has neither an end-of-turn token in its template nor an EOS token")
        ids = [tok.eos_token_id]
    return ids


def answer_distribution(
    lm: Model,
    question: str,
    answers: Sequence[str],
    system: str | None = None,
    prompt: str | None = None,
    end: Sequence[int] | None = None,
) -> AnswerDistribution:
    """P(a | prompt) ∝ Π_j P(t_j | prompt, t_<j) over the tokens t of ``a`` followed by the end-of-answer tokens.

    The prompt is the chat template with ``question`` as the user turn unless ``prompt`` (the rendered text,
    special tokens written out) is given; ``end`` defaults to :func:`end_of_answer` (``[]``: score the answer's
    own tokens only). All candidates go in one batch.
    """
    if prompt is None:
        prompt = render_chat(lm.tokenizer, ChatTurns(system=system, user=question))
    tok = lm.tokenizer
    prompt_ids = tok(prompt, add_special_tokens=False)["input_ids"]
    end = end_of_answer(lm) if end is None else list(end)
    tails = [tok(a, add_special_tokens=False)["input_ids"] + end for a in answers]
    rows = [prompt_ids + tail for tail in tails]
    width = max(len(r) for r in rows)
    pad = tok.pad_token_id if tok.pad_token_id is not None else (tok.eos_token_id or 0)
    ids = torch.full((len(rows), width), int(pad), dtype=torch.long)
    mask = torch.zeros_like(ids)
    for i, row in enumerate(rows):
        ids[i, width - len(row) :] = torch.tensor(row)
        mask[i, width - len(row) :] = 1
    lp = _log_probs(lm, ids, mask)
    scores = []
    for i, tail in enumerate(tails):
        # row i ends with its tail: the token at column c is predicted by the logits at c - 1
        cols = torch.arange(width - len(tail), width)
        scores.append(float(lp[i, cols - 1, torch.tensor(tail)].sum()))
    log_scores = torch.tensor(scores, dtype=torch.float64)
    probabilities = torch.softmax(log_scores, dim=0)
    return AnswerDistribution(
        question=question,
        prompt=prompt,
        answers=list(answers),
        probabilities=[float(p) for p in probabilities],
        coverage=float(log_scores.exp().sum()),
    )


def expected_distinct(vocab_size: int, count: int) -> float:
    """E[#distinct] of ``count`` uniform draws from ``vocab_size`` items: V (1 − ((V−1)/V)^C)."""
    v = float(vocab_size)
    return v * -math.expm1(count * math.log1p(-1.0 / v)) if v > 1 else min(1.0, count)


def expectation_adjusted_distinct(samples: Sequence[Sequence[int]], n: int, vocab_size: int) -> float:
    """EAD_n = #distinct n-grams / (V (1 − ((V−1)/V)^C)), C the total n-gram count (n-grams stay within a sample).

    V is the vocabulary size (for n > 1 too, following Liu et al. 2022). Returns 0.0 when there are no n-grams.
    """
    grams = [tuple(s[i : i + n]) for s in samples for i in range(len(s) - n + 1)]
    if not grams:
        return 0.0
    return len(set(grams)) / expected_distinct(vocab_size, len(grams))


def sample_continuations(lm: Model, prompt: str, n_samples: int, max_new_tokens: int, seed: int) -> list[list[int]]:
    """``n_samples`` continuations of ``prompt`` at temperature 1 (no top-k/top-p), cut at the first stop token.

    Each step draws x_t ~ softmax(logits_t) (float32) for every row with ``torch.multinomial`` from a private
    CPU ``torch.Generator`` seeded with ``seed``: the global RNG is neither read nor changed, and the draws do not
    depend on the model's device. Stop tokens are the chat template's end of turn and EOS; the loop ends when
    every row has stopped or after ``max_new_tokens`` (the same draws ``generate(do_sample=True)`` makes after
    seeding torch's global generator with ``seed`` on a CPU model).
    """
    tok = lm.tokenizer
    device = lm.device
    prompt_ids = tok(prompt, add_special_tokens=False)["input_ids"]
    if not prompt_ids:
        raise RivalryError("the prompt to sample from tokenised to zero tokens")
    stops = torch.tensor(sorted({*end_of_answer(lm), *([tok.eos_token_id] if tok.eos_token_id is not None else [])}))
    generator = torch.Generator().manual_seed(seed)
    step: Int[Tensor, "batch seq"] = torch.tensor([prompt_ids] * n_samples, device=device)
    mask: Int[Tensor, "batch seq"] = torch.ones_like(step)
    drawn: list[Int[Tensor, " batch"]] = []
    stopped = torch.zeros(n_samples, dtype=torch.bool)
    cache = None
    with torch.no_grad():
        for _ in range(max_new_tokens):
            out = lm.model(input_ids=step, attention_mask=mask, past_key_values=cache, use_cache=True)
            cache = out.past_key_values
            probs: Float[Tensor, "batch vocab"] = torch.softmax(out.logits[:, -1].float(), dim=-1).cpu()
            tokens = torch.multinomial(probs, num_samples=1, generator=generator)[:, 0]
            drawn.append(tokens)
            stopped |= torch.isin(tokens, stops)
            if bool(stopped.all()):
                break
            step = tokens[:, None].to(device)
            mask = torch.cat([mask, torch.ones_like(step)], dim=1)
    rows = torch.stack(drawn, dim=1).tolist() if drawn else [[] for _ in range(n_samples)]
    stop_set = set(stops.tolist())
    samples = []
    for row in rows:
        cut = next((i for i, t in enumerate(row) if t in stop_set), len(row))
        samples.append(row[:cut])
    return samples
