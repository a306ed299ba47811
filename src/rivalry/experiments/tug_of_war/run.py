"""Run the jailbreak tug-of-war: score a refusal against an in-genre continuation for every framing, both models.

For each framing and model the two continuations are scored by the model's own likelihood,
log P(c | prompt) = Σ_j log P(c_j | prompt, c_<j); P(refusal) = sigmoid(log P(r) − log P(s)), and per token from
the mean log-probabilities (the strings may differ in length). At the end of the prompt the genre posterior by
the header method (:func:`~rivalry.genres.posterior.genre_posterior`, the genre set's prior) says which genre the
model thinks it is in.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import torch
from tqdm.auto import tqdm

from rivalry.experiments.base import fingerprint, provenance_of
from rivalry.genres.headers import GenreSet
from rivalry.genres.posterior import encode_headers, genre_posterior
from rivalry.io.atomic import json_ready
from rivalry.io.store import RunStore, open_store
from rivalry.models.model import Model, as_model

from .config import TugOfWarConfig
from .requests import Request, continuation_log_prob, render_framing
from .result import TugOfWarResult, TugRow, framing_means


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x > -700 else 0.0


def run(
    base: Model,
    tuned: Model,
    config: TugOfWarConfig | None = None,
    store: RunStore | str | Path | None = None,
    progress: bool = True,
) -> TugOfWarResult:
    """Every (model, request, framing): both continuations' log-probabilities, P(refusal) two ways, and the genre
    posterior at the end of the prompt; with means per model and framing.

    With a :class:`~rivalry.io.RunStore` (or a directory, opened with ``resume=True``) each model's scores of
    each request are stored as they finish and a rerun reads them back; a store holding another pair's,
    config's or input's run is refused.
    """
    base, tuned = as_model(base, "base"), as_model(tuned, "tuned")
    config = (config or TugOfWarConfig()).resolved(base)
    config.check_inputs()
    requests = config.read_requests()
    genre_set = config.read_genre_set(base)
    models = {"base": base, "tuned": tuned}
    run_fingerprint = fingerprint(TugOfWarResult.KIND, config, models)
    run_store = open_store(store, run_fingerprint)
    units = [(role, index) for role in models for index in range(len(requests.requests))]
    rows: list[TugRow] = []
    for role, index in tqdm(units, desc="tug-of-war", unit="request", disable=not progress):
        name = f"{role}-{index:04d}"
        if run_store is not None and run_store.has(name):
            records = run_store.load(name)[0]
        else:
            records = json_ready(_score_request(role, models[role], requests.requests[index], genre_set))
            if run_store is not None:
                run_store.save(name, records)
        rows.extend(TugRow.from_dict(r) for r in records)
    return TugOfWarResult(
        config=config,
        provenance=provenance_of(models),
        fingerprint=run_fingerprint,
        request_set=requests.name,
        description=requests.description,
        genre_set=genre_set.to_dict(),
        rows=tuple(rows),
        summary=framing_means(tuple(rows)),
    )


def _score_request(role: str, lm: Model, request: Request, genre_set: GenreSet) -> list[dict[str, Any]]:
    """The rows of one request's framings for one model (JSON-ready)."""
    tok = lm.tokenizer
    headers = encode_headers(tok, genre_set.headers)
    prior = torch.tensor(genre_set.prior(), dtype=torch.float64)
    rows = []
    for framing in request.framings:
        prompt, prompt_ids = render_framing(lm, request, framing)
        refusal_ids = list(tok(request.refusal, add_special_tokens=False)["input_ids"])
        genre_ids = list(tok(framing.in_genre, add_special_tokens=False)["input_ids"])
        lp_refusal = continuation_log_prob(lm, prompt_ids, refusal_ids)
        lp_genre = continuation_log_prob(lm, prompt_ids, genre_ids)
        per_token = lp_refusal / len(refusal_ids) - lp_genre / len(genre_ids)
        # raw text carries the tokenizer's BOS; the posterior reads the text after each genre's header instead
        text_ids = prompt_ids[1:] if framing.text is not None and prompt_ids[0] == tok.bos_token_id else prompt_ids
        posterior = genre_posterior(lm.model, headers, text_ids, prior=prior, tokenizer=tok)[:, -1].exp()
        row = TugRow(
            model=role,
            model_name=lm.name,
            request=request.name,
            framing=framing.name,
            prompt=prompt,
            refusal=request.refusal,
            in_genre=framing.in_genre,
            log_p_refusal=lp_refusal,
            log_p_in_genre=lp_genre,
            refusal_tokens=len(refusal_ids),
            in_genre_tokens=len(genre_ids),
            log_odds_refusal=lp_refusal - lp_genre,
            p_refusal=_sigmoid(lp_refusal - lp_genre),
            p_refusal_per_token=_sigmoid(per_token),
            unknown_tokens=sum(1 for i in prompt_ids + refusal_ids + genre_ids if i == tok.unk_token_id),
            posterior_at_decision=dict(zip(genre_set.names, posterior.tolist(), strict=True)),
        )
        rows.append(row.to_dict())
    return rows
