"""One model's latents: probes at every residual point, the shuffled-label control and the output observers.

Every function returns a JSON-ready record and a dict of tensors (the per-example held-out scores), the unit a
run stores as one shard.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from rivalry.core.residual import residual_features
from rivalry.core.vocabulary import VocabularyIndex
from rivalry.errors import RivalryError
from rivalry.genres.synthetic import GenreGenerator
from rivalry.latents.bootstrap import group_bootstrap
from rivalry.latents.leak import bits_lower_bound, next_token_features, observe, sample_features
from rivalry.latents.probes import (
    accuracy,
    auroc,
    decorrelated_labels,
    fit_classifier,
    fit_distribution,
    kl_nats,
    r_squared,
)
from rivalry.latents.sampling import OutputView, output_view
from rivalry.models.model import Model
from rivalry.variables.schema import Split, VariableSet

from .config import LatentsConfig

Record = tuple[dict[str, Any], dict[str, torch.Tensor]]
MIN_TOKENS = 20  # the shipped genre validation's "after 20 tokens"


def _special(variables: VariableSet) -> bool:
    flags = {item.add_special_tokens for item in variables.items}
    if len(flags) > 1:
        raise RivalryError(f"variable set '{variables.name}' mixes add_special_tokens true and false")
    return flags.pop()


def group_labels(variables: VariableSet, rows: np.ndarray) -> list[str]:
    """Each row's groups joined (``fact=x|template=3``): the unit of cross-validation folds."""
    return ["|".join(f"{k}={variables.items[int(i)].groups[k]}" for k in variables.group_keys) for i in rows]


def bootstrap_groups(variables: VariableSet, rows: np.ndarray) -> list[str]:
    """The unit of the bootstrap: each row's value of the set's first group key (fact, request, text, scene)."""
    key = variables.group_keys[0]
    return [variables.items[int(i)].groups[key] for i in rows]


def _ci(value: float | None, interval: tuple[float | None, float | None]) -> dict[str, float | None]:
    return {"value": value, "low": interval[0], "high": interval[1]}


def capture(lm: Model, variables: VariableSet, config: LatentsConfig, progress: Callable[[int], None] | None):
    return residual_features(
        lm.anatomy,
        lm.tokenizer,
        variables.texts(),
        read_at=variables.read_at,
        batch_size=config.batch_size,
        add_special_tokens=_special(variables),
        progress=progress,
    )


def binary_probes(
    lm: Model,
    variables: VariableSet,
    split: Split,
    config: LatentsConfig,
    shuffled: bool,
    progress: Callable[[int], None] | None = None,
    view: OutputView | None = None,
) -> Record:
    """AUROC and accuracy of a logistic probe at every point on the held-out items (and of the same probe fitted
    on shuffled train labels, :func:`~rivalry.latents.probes.decorrelated_labels`); the best point is the one of
    lowest cross-validated log-loss on the train groups. ``view``: an output view holding the features already."""
    if view is not None and view.features is not None:
        features, point_names = view.features, view.point_names
    else:
        feats = capture(lm, variables, config, progress)
        features, point_names = feats.features, feats.point_names
    y = variables.targets()
    n_classes = len(variables.classes)
    train_groups = group_labels(variables, split.train)
    y_test = y[split.test]
    shuffled_y = decorrelated_labels(y[split.train], n_classes, config.seed + 11)
    layers, scores = [], []
    for point, point_name in enumerate(point_names):
        x = features[point].numpy()
        fit = fit_classifier(
            x[split.train], y[split.train], train_groups, x[split.test], n_classes, config.cv_folds, config.seed
        )
        positive = fit.probabilities[:, 1]
        row: dict[str, Any] = {
            "layer": point,
            "point": point_name,
            "probe_auroc": auroc(y_test, positive, n_classes),
            "probe_accuracy": accuracy(y_test, fit.probabilities),
            "cv_log_loss": fit.cv_log_loss,
            "c": fit.c,
        }
        if shuffled:
            control = fit_classifier(
                x[split.train], shuffled_y, train_groups, x[split.test], n_classes, config.cv_folds, config.seed
            )
            row["control_shuffled"] = auroc(y_test, control.probabilities[:, 1], n_classes)
        layers.append(row)
        scores.append(positive)
    best = int(np.argmin([row["cv_log_loss"] for row in layers]))
    probe = np.stack(scores)
    groups = bootstrap_groups(variables, split.test)
    interval = group_bootstrap(
        lambda rows: auroc(y_test[rows], probe[best, rows], n_classes), groups, config.n_bootstrap, config.seed
    )
    record = {"best_layer": best, "layers": layers, "probe_ci": _ci(layers[best]["probe_auroc"], interval)}
    return record, {"probe_scores": torch.from_numpy(probe.astype(np.float32))}


def distribution_probes(
    lm: Model,
    variables: VariableSet,
    split: Split,
    config: LatentsConfig,
    control: bool,
    progress: Callable[[int], None] | None = None,
) -> Record:
    """R² of a ridge probe and KL of a softmax-regression probe to the exact posterior at every point, on the
    held-out texts' tokens (the shuffled control permutes whole texts' targets among the train texts)."""
    assert variables.token_targets is not None
    feats = capture(lm, variables, config, progress)
    text_index, token_index = feats.text_index.numpy(), feats.token_index.numpy()
    target = np.concatenate(
        [variables.token_targets[int(t)][[int(k)]] for t, k in zip(text_index, token_index, strict=True)]
    )
    is_train, is_test = np.isin(text_index, split.train), np.isin(text_index, split.test)
    train_rows, test_rows = np.flatnonzero(is_train), np.flatnonzero(is_test)
    groups = [str(t) for t in text_index[train_rows]]
    perm = dict(
        zip(
            split.train.tolist(),
            np.random.default_rng([config.seed, 11]).permutation(split.train).tolist(),
            strict=True,
        )
    )
    shuffled = np.concatenate(
        [
            variables.token_targets[perm[int(t)]][[int(k)]]
            for t, k in zip(text_index[train_rows], token_index[train_rows], strict=True)
        ]
    )
    exact = target[test_rows]
    late = token_index[test_rows] >= MIN_TOKENS
    layers, posteriors, ridges = [], [], []
    for point, point_name in enumerate(feats.point_names):
        x = feats.features[point].numpy()
        fit = fit_distribution(
            x[train_rows],
            target[train_rows],
            groups,
            x[test_rows],
            softmax=not control,
            folds=config.cv_folds,
            seed=config.seed,
            max_softmax_rows=config.max_softmax_rows,
        )
        row: dict[str, Any] = {
            "layer": point,
            "point": point_name,
            "probe_r2": r_squared(exact, fit.ridge),
            "cv_score": fit.cv_score,
            "alpha": fit.alpha,
        }
        if fit.softmax is not None:
            kl = kl_nats(exact, fit.softmax)
            row.update(
                probe_r2_softmax=r_squared(exact, fit.softmax),
                probe_kl_nats=float(kl.mean()),
                probe_kl_nats_after_20_tokens=float(kl[late].mean()),
                c=fit.c,
            )
            posteriors.append(fit.softmax)
        ridges.append(fit.ridge)
        if not control:
            shuffled_fit = fit_distribution(
                x[train_rows], shuffled, groups, x[test_rows], softmax=False, folds=config.cv_folds, seed=config.seed
            )
            row["control_shuffled"] = r_squared(exact, shuffled_fit.ridge)
        layers.append(row)
    best = int(np.argmax([row["cv_score"] for row in layers]))
    record: dict[str, Any] = {"best_layer": best, "layers": layers}
    tensors: dict[str, torch.Tensor] = {}
    if posteriors:
        ridge = ridges[best]
        boot = [str(t) for t in text_index[test_rows]]
        record["probe_ci"] = _ci(
            layers[best]["probe_r2"],
            group_bootstrap(lambda rows: _ridge_r2_rows(exact, ridge, rows), boot, config.n_bootstrap, config.seed),
        )
        tensors = {
            "probe_ridge": torch.from_numpy(ridge.astype(np.float32)),
            "probe_posterior": torch.from_numpy(posteriors[best].astype(np.float32)),
            "exact_posterior": torch.from_numpy(exact.astype(np.float32)),
            "test_text": torch.from_numpy(text_index[test_rows].astype(np.int64)),
            "test_token": torch.from_numpy(token_index[test_rows].astype(np.int64)),
        }
    return record, tensors


def _ridge_r2_rows(exact: np.ndarray, prediction: np.ndarray, rows: np.ndarray) -> float | None:
    return r_squared(exact[rows], prediction[rows]) if len(set(rows.tolist())) > 1 else None


def output_view_of(
    lm: Model,
    variables: VariableSet,
    config: LatentsConfig,
    progress: Callable[[int], None] | None = None,
    capture: bool = False,
) -> OutputView:
    """The output of ``lm`` on the set's texts (the answers of ``forbidden`` tracked; the stream if ``capture``)."""
    tracked, _, _ = _forbidden_candidates(lm, variables)
    return output_view(
        lm,
        variables.texts(),
        add_special_tokens=_special(variables),
        top_k=max(256, config.top_tokens),
        n_tokens=config.sample_tokens,
        seed=config.seed,
        batch_size=config.batch_size,
        tracked=tracked,
        progress=progress,
        capture=capture,
    )


def output_leak(lm: Model, variables: VariableSet, split: Split, config: LatentsConfig, view: OutputView) -> Record:
    """The observers of the next-token distribution and of the sampled continuation at each text's end."""
    _, candidates, tokens = _forbidden_candidates(lm, variables)
    y = variables.targets()
    n_classes = len(variables.classes)
    train_groups = group_labels(variables, split.train)
    next_x, _ = next_token_features(view.top_ids.numpy(), view.top_logprobs.numpy(), split.train, config.top_tokens)
    samples_x = sample_features(view.samples.numpy(), split.train)
    next_obs = observe(next_x, y, split.train, split.test, train_groups, n_classes, config.cv_folds, config.seed)
    samples_obs = observe(samples_x, y, split.train, split.test, train_groups, n_classes, config.cv_folds, config.seed)
    y_test = y[split.test]
    groups = bootstrap_groups(variables, split.test)

    def boot(statistic: Callable[[np.ndarray], float | None]) -> tuple[float | None, float | None]:
        return group_bootstrap(statistic, groups, config.n_bootstrap, config.seed)

    def score(probabilities: np.ndarray) -> np.ndarray:
        return probabilities if n_classes > 2 else probabilities[:, 1]

    record: dict[str, Any] = {
        "next_token_auroc": next_obs.auroc,
        "samples_auroc": samples_obs.auroc,
        "bits_lower_bound": next_obs.bits.bound,
        "bits_raw": next_obs.bits.raw,
        "samples_bits_lower_bound": samples_obs.bits.bound,
        "label_entropy_bits": next_obs.bits.label_entropy,
        "next_token_cross_entropy_bits": next_obs.bits.cross_entropy,
        "samples_cross_entropy_bits": samples_obs.bits.cross_entropy,
        "next_token_auroc_ci": _ci(
            next_obs.auroc, boot(lambda r: auroc(y_test[r], score(next_obs.probabilities)[r], n_classes))
        ),
        "samples_auroc_ci": _ci(
            samples_obs.auroc, boot(lambda r: auroc(y_test[r], score(samples_obs.probabilities)[r], n_classes))
        ),
        "bits_lower_bound_ci": _ci(
            next_obs.bits.bound, boot(lambda r: bits_lower_bound(next_obs.probabilities[r], y_test[r]).bound)
        ),
        "samples_bits_lower_bound_ci": _ci(
            samples_obs.bits.bound, boot(lambda r: bits_lower_bound(samples_obs.probabilities[r], y_test[r]).bound)
        ),
        "forbidden_word": _which_word(variables, split, view.tracked.numpy(), candidates, tokens)
        if candidates
        else None,
    }
    tensors = {
        "next_token_scores": torch.from_numpy(score(next_obs.probabilities).astype(np.float32)),
        "samples_scores": torch.from_numpy(score(samples_obs.probabilities).astype(np.float32)),
    }
    return record, tensors


def _forbidden_candidates(
    lm: Model, variables: VariableSet
) -> tuple[list[int], dict[str, list[str]], dict[str, list[int]]]:
    """For ``forbidden``: the token ids to track, each relation's answers (two or more) and each answer's tokens."""
    if not variables.items or "relation" not in variables.items[0].fields:
        return [], {}, {}
    relations: dict[str, set[str]] = {}
    for item in variables.items:
        relations.setdefault(item.fields["relation"], set()).add(item.fields["answer"])
    vocabulary = VocabularyIndex(lm.tokenizer)
    answers = sorted({a for words in relations.values() for a in words})
    tracked = sorted({t for a in answers for t in vocabulary.token_set(a)})
    tokens = {a: vocabulary.token_set(a) for a in answers}
    return tracked, {r: sorted(w) for r, w in relations.items() if len(w) > 1}, tokens


def _which_word(
    variables: VariableSet,
    split: Split,
    tracked: np.ndarray,
    candidates: dict[str, list[str]],
    tokens: dict[str, list[int]],
) -> dict[str, Any]:
    """Can an observer of the next-token distribution tell which of the relation's answers was forbidden?

    For held-out items whose forbidden word is one of its relation's answers (competing: the answer; nc_wrong:
    the wrong answer when it is one), each candidate word's log-probability (the most likely of its tokens) is
    compared with its mean over the train items of the relation: the observer guesses the most suppressed word
    (lowest) and, separately, the most boosted (highest). Chance is the mean of 1 / (number of candidates)."""
    all_ids = sorted({t for ids in tokens.values() for t in ids})
    column = {t: j for j, t in enumerate(all_ids)}

    def word_logprob(row: int, word: str) -> float:
        return float(max(tracked[row, column[t]] for t in tokens[word]))

    baseline: dict[tuple[str, str], float] = {}
    for relation, words in candidates.items():
        rows = [int(i) for i in split.train if variables.items[int(i)].fields["relation"] == relation]
        for word in words:
            baseline[relation, word] = float(np.mean([word_logprob(r, word) for r in rows])) if rows else 0.0
    hits_low, hits_high, chance, n = 0, 0, 0.0, 0
    for i in split.test:
        item = variables.items[int(i)]
        options = candidates.get(item.fields["relation"], [])
        if item.fields["forbidden_word"] not in options:
            continue
        shift = {w: word_logprob(int(i), w) - baseline[item.fields["relation"], w] for w in options}
        hits_low += min(shift, key=lambda w: shift[w]) == item.fields["forbidden_word"]
        hits_high += max(shift, key=lambda w: shift[w]) == item.fields["forbidden_word"]
        chance += 1.0 / len(options)
        n += 1
    if n == 0:
        return {"n_items": 0, "top1_most_suppressed": None, "top1_most_boosted": None, "chance": None}
    return {
        "n_items": n,
        "top1_most_suppressed": hits_low / n,
        "top1_most_boosted": hits_high / n,
        "chance": chance / n,
    }


def model_posterior_kl(lm: Model, variables: VariableSet, split: Split, generator: GenreGenerator) -> float | None:
    """KL(exact || the model's own header-likelihood posterior) after >= 20 words, on the held-out texts."""
    from rivalry.genres.validation import kl_divergence, model_log_posterior

    try:
        index = {w: i for i, w in enumerate(generator.words)}
        words = np.array([[index[w] for w in variables.items[int(i)].text.split()] for i in split.test])
        mine, _ = model_log_posterior(lm.model, lm.tokenizer, generator, words)
    except (KeyError, RivalryError, TypeError, ValueError):
        return None
    exact = generator.exact_log_posterior(words)
    return float(kl_divergence(exact, mine)[:, MIN_TOKENS - 1 :].mean())
