"""Linear probes fitted on the train groups and scored on the held-out groups.

- Labels (binary or several classes): standardised features, then scikit-learn's ``LogisticRegressionCV``
  (L2, its ``C`` chosen by cross-validated log-loss over folds that never split a group). Scores: AUROC
  (one-vs-rest macro for more than two classes) and accuracy on held-out items.
- A distribution target (the genre posterior after each token): ``RidgeCV`` on the probabilities (R² against
  the exact posterior, pooled over classes weighted by variance), and a softmax-regression probe: multinomial
  ``LogisticRegression`` fitted on soft targets (each row repeated once per class, weighted by its probability,
  which makes the loss the cross-entropy to the target), ``C`` chosen by grouped cross-validation; scored by
  KL(exact || probe) in nats.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from jaxtyping import Float, Int
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV, RidgeCV
from sklearn.metrics import r2_score, roc_auc_score
from sklearn.model_selection import GroupKFold, StratifiedGroupKFold
from sklearn.preprocessing import StandardScaler

C_GRID = tuple(float(c) for c in np.logspace(-4, 1, 6))
ALPHA_GRID = tuple(float(a) for a in np.logspace(-2, 4, 7))


def auroc(labels: Int[np.ndarray, " n"], scores: np.ndarray, n_classes: int) -> float | None:
    """AUROC of ``scores`` (P(positive) for two classes, ``[n, classes]`` probabilities otherwise: one-vs-rest
    macro); None where it is undefined (a class missing)."""
    if len(set(labels.tolist())) < (2 if n_classes == 2 else n_classes):
        return None
    if n_classes == 2:
        return float(roc_auc_score(labels, scores if scores.ndim == 1 else scores[:, 1]))
    return float(roc_auc_score(labels, scores, multi_class="ovr", average="macro", labels=list(range(n_classes))))


def accuracy(labels: Int[np.ndarray, " n"], probabilities: Float[np.ndarray, "n cls"]) -> float:
    return float((probabilities.argmax(1) == labels).mean())


def cv_splits(
    labels: Int[np.ndarray, " n"], groups: Sequence[str], folds: int, seed: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Grouped folds (stratified where every fold can hold every class), never splitting a group."""
    n_groups = len(set(groups))
    k = max(2, min(folds, n_groups))
    x = np.zeros((len(labels), 1))
    try:
        splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
        splits = list(splitter.split(x, labels, groups))
        if all(len(set(labels[test].tolist())) == len(set(labels.tolist())) for _, test in splits):
            return splits
    except ValueError:
        pass
    return list(GroupKFold(n_splits=k).split(x, labels, groups))


@dataclass(frozen=True)
class ClassifierFit:
    """A fitted probe's held-out probabilities ``[n_test, classes]``, its chosen ``C`` and its CV log-loss."""

    probabilities: Float[np.ndarray, "n cls"]
    c: float
    cv_log_loss: float


def fit_classifier(
    x_train: Float[np.ndarray, "n d"],
    y_train: Int[np.ndarray, " n"],
    groups: Sequence[str],
    x_test: Float[np.ndarray, "m d"],
    n_classes: int,
    folds: int = 3,
    seed: int = 0,
) -> ClassifierFit:
    """Standardise (train statistics), then ``LogisticRegressionCV`` over :data:`C_GRID` with grouped folds."""
    dense = not hasattr(x_train, "tocsr")
    scaler = StandardScaler(with_mean=dense).fit(x_train)
    train, test = scaler.transform(x_train), scaler.transform(x_test)
    model = LogisticRegressionCV(
        Cs=list(C_GRID),
        cv=cv_splits(y_train, groups, folds, seed),
        scoring="neg_log_loss",
        max_iter=300,
        random_state=seed,
        l1_ratios=(0.0,),
        use_legacy_attributes=False,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)  # a fold where a rare class has fewer rows than folds
        model.fit(train, y_train)
    full = np.zeros((test.shape[0], n_classes))
    full[:, model.classes_] = model.predict_proba(test)
    scores = model.scores_
    if isinstance(scores, dict):  # {class: [fold, C]}, identical for every class of a multinomial fit
        scores = next(iter(scores.values()))
    scores = np.asarray(scores).reshape(-1, len(C_GRID))
    c = float(np.atleast_1d(model.C_)[0])
    return ClassifierFit(probabilities=full, c=c, cv_log_loss=float(-scores.mean(0).max()))


def decorrelated_labels(labels: Int[np.ndarray, " n"], n_classes: int, seed: int) -> Int[np.ndarray, " n"]:
    """Random labels with the same class counts as ``labels`` and independent of them *in the sample*: within each
    true class the random labels come in the overall class proportions (largest remainders), so a probe of them
    cannot pick up a chance correlation with the true label (which a plain permutation has, of order n^-1/2, and
    which a strong signal in the features turns into a held-out AUROC far from 0.5)."""
    rng = np.random.default_rng(seed)
    overall = np.bincount(labels, minlength=n_classes) / len(labels)
    out = np.empty_like(labels)
    for c in range(n_classes):
        rows = np.flatnonzero(labels == c)
        quota = overall * len(rows)
        counts = np.floor(quota).astype(int)
        order = np.argsort(-(quota - counts), kind="stable")
        counts[order[: len(rows) - counts.sum()]] += 1
        out[rows] = rng.permutation(np.repeat(np.arange(n_classes), counts))
    return out


def kl_nats(p: Float[np.ndarray, "n cls"], q: Float[np.ndarray, "n cls"]) -> Float[np.ndarray, " n"]:
    """KL(p || q) per row in nats, with 0 log 0 = 0 (q clipped at 1e-12)."""
    q = np.clip(q, 1e-12, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(p > 0, p * (np.log(np.clip(p, 1e-300, None)) - np.log(q)), 0.0).sum(1)


@dataclass(frozen=True)
class SoftFit:
    """Held-out predictions of the two distribution probes: ridge (``ridge``, raw linear outputs) and softmax
    regression (``softmax``, probabilities); the ridge's GCV score picks the best layer."""

    ridge: Float[np.ndarray, "m cls"]
    softmax: Float[np.ndarray, "m cls"] | None
    alpha: float
    c: float | None
    cv_score: float


def _soft_rows(x: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    k = p.shape[1]
    return np.repeat(x, k, axis=0), np.tile(np.arange(k), len(x)), p.reshape(-1)


def _softmax_fit(x: np.ndarray, p: np.ndarray, c: float, seed: int) -> LogisticRegression:
    rows, labels, weights = _soft_rows(x, p)
    model = LogisticRegression(C=c, max_iter=300, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(rows, labels, sample_weight=weights)
    return model


def fit_distribution(
    x_train: Float[np.ndarray, "n d"],
    p_train: Float[np.ndarray, "n cls"],
    groups: Sequence[str],
    x_test: Float[np.ndarray, "m d"],
    softmax: bool = True,
    folds: int = 3,
    seed: int = 0,
    max_softmax_rows: int = 3000,
) -> SoftFit:
    """Ridge (``RidgeCV``, efficient leave-one-out over :data:`ALPHA_GRID`) and, if ``softmax``, the
    softmax-regression probe on at most ``max_softmax_rows`` train rows (a fixed seeded subsample), ``C`` from
    :data:`C_GRID` by grouped cross-validated cross-entropy."""
    scaler = StandardScaler().fit(x_train)
    train, test = scaler.transform(x_train), scaler.transform(x_test)
    ridge = RidgeCV(alphas=list(ALPHA_GRID)).fit(train, p_train)
    if not softmax:
        return SoftFit(
            ridge=ridge.predict(test),
            softmax=None,
            alpha=float(ridge.alpha_),
            c=None,
            cv_score=float(ridge.best_score_),
        )
    rng = np.random.default_rng(seed)
    keep = np.sort(rng.permutation(len(train))[:max_softmax_rows])
    sub_x, sub_p, sub_groups = train[keep], p_train[keep], [groups[i] for i in keep]
    hard = sub_p.argmax(1)
    best_c, best_loss = C_GRID[0], np.inf
    for c in C_GRID[2:]:  # the weakest penalties underfit a low-dimensional stream; skip them to save time
        losses = []
        for fit_rows, val_rows in cv_splits(hard, sub_groups, folds, seed):
            model = _softmax_fit(sub_x[fit_rows], sub_p[fit_rows], c, seed)
            q = np.zeros_like(sub_p[val_rows])
            q[:, model.classes_] = model.predict_proba(sub_x[val_rows])
            losses.append(float(kl_nats(sub_p[val_rows], q).mean()))
        if np.mean(losses) < best_loss:
            best_c, best_loss = c, float(np.mean(losses))
    model = _softmax_fit(sub_x, sub_p, best_c, seed)
    q = np.zeros((len(test), p_train.shape[1]))
    q[:, model.classes_] = model.predict_proba(test)
    return SoftFit(
        ridge=ridge.predict(test),
        softmax=q,
        alpha=float(ridge.alpha_),
        c=float(best_c),
        cv_score=float(ridge.best_score_),
    )


def r_squared(target: Float[np.ndarray, "m cls"], prediction: Float[np.ndarray, "m cls"]) -> float:
    """R² pooled over the classes, each weighted by its variance (scikit-learn's ``variance_weighted``)."""
    return float(r2_score(target, prediction, multioutput="variance_weighted"))
