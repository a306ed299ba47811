"""Candidate directions at every residual point: difference of means, and a linear probe's weight vector.

For a binary hidden-variable set (negative, positive) with residual features ``x[point, n]`` at the read position,
the difference-of-means direction at point ``l`` is (Arditi et al. 2024)

    r_l = mean_{positive, train} x_l - mean_{negative, train} x_l

fitted on the training split only. It is scored on the held-out split by how well the projection
``p = x_l · r_l / ||r_l||`` separates the classes there: the standardised difference
``(mean_pos p - mean_neg p) / pooled std`` (``heldout_separation``) and the AUC of ``p``. A logistic-regression probe
(L2-regularised, fitted by L-BFGS in float64 on standardised features) gives a second direction per point for
comparison; its held-out accuracy and its cosine with ``r_l`` are reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from jaxtyping import Float, Int
from torch import Tensor

from rivalry.errors import RivalryError


@dataclass(frozen=True)
class PointScores:
    """Held-out scores of every point's direction (one entry per point)."""

    norm: tuple[float, ...]
    heldout_separation: tuple[float, ...]
    heldout_auc: tuple[float, ...]


def mean_difference(
    features: Float[Tensor, "point n d_model"], targets: Int[Tensor, " n"]
) -> Float[Tensor, "point d_model"]:
    """``mean(positive) - mean(negative)`` at every point (targets: 1 positive, 0 negative)."""
    positive, negative = targets == 1, targets == 0
    if not bool(positive.any()) or not bool(negative.any()):
        raise RivalryError("a difference of means needs items on both sides; one side is empty")
    feats = features.double()
    return (feats[:, positive].mean(1) - feats[:, negative].mean(1)).float()


def unit(direction: Float[Tensor, "... d_model"], eps: float = 1e-12) -> Float[Tensor, "... d_model"]:
    """``direction / ||direction||`` (along the last axis); a one-line error for a direction of zero norm."""
    norm = direction.double().norm(dim=-1, keepdim=True)
    if bool((norm <= eps).any()) or not bool(torch.isfinite(norm).all()):
        raise RivalryError("a direction has zero (or non-finite) norm; it cannot be ablated or scaled")
    return (direction.double() / norm).to(direction.dtype)


def auc(scores: Float[Tensor, " n"], targets: Int[Tensor, " n"]) -> float:
    """Area under the ROC curve of ``scores`` for ``targets`` (ties count a half): P(score_pos > score_neg)."""
    from sklearn.metrics import roc_auc_score

    if not bool((targets == 1).any()) or not bool((targets == 0).any()):
        raise RivalryError("an AUC needs items on both sides")
    return float(roc_auc_score(targets.numpy(), scores.double().numpy()))


def separation(projection: Float[Tensor, " n"], targets: Int[Tensor, " n"]) -> float:
    """``(mean_pos - mean_neg) / pooled standard deviation`` of a projection (0 when both sides are constant)."""
    pos, neg = projection[targets == 1].double(), projection[targets == 0].double()
    if len(pos) < 2 or len(neg) < 2:
        raise RivalryError("a separation needs at least two items on each side")
    pooled = (((len(pos) - 1) * pos.var() + (len(neg) - 1) * neg.var()) / (len(pos) + len(neg) - 2)).sqrt()
    gap = pos.mean() - neg.mean()
    return float(gap / pooled) if float(pooled) > 0 else 0.0


def score_points(
    directions: Float[Tensor, "point d_model"],
    features: Float[Tensor, "point n d_model"],
    targets: Int[Tensor, " n"],
) -> PointScores:
    """Each point's direction scored on (held-out) ``features``: its norm, separation and AUC."""
    norms = directions.double().norm(dim=-1)
    seps, aucs = [], []
    for point in range(directions.shape[0]):
        if float(norms[point]) == 0.0:  # e.g. a point that is identical for every text: nothing to separate
            seps.append(0.0)
            aucs.append(0.5)
            continue
        projection = features[point].double() @ (directions[point].double() / norms[point])
        seps.append(separation(projection, targets))
        aucs.append(auc(projection, targets))
    return PointScores(norm=tuple(float(n) for n in norms), heldout_separation=tuple(seps), heldout_auc=tuple(aucs))


@dataclass(frozen=True)
class Probe:
    """A logistic-regression probe at one point: ``P(positive | x) = sigmoid(w · x + b)`` in the original units."""

    weight: Float[Tensor, " d_model"]
    bias: float

    def accuracy(self, features: Float[Tensor, "n d_model"], targets: Int[Tensor, " n"]) -> float:
        predicted = (features.double() @ self.weight.double() + self.bias) > 0
        return float((predicted.long() == targets).double().mean())


def fit_probe(
    features: Float[Tensor, "n d_model"], targets: Int[Tensor, " n"], l2: float = 1e-2, max_iter: int = 200
) -> Probe:
    """Logistic regression (scikit-learn, L-BFGS, deterministic) with an L2 penalty ``l2 * ||w||^2 / 2`` on the
    mean log-loss over standardised features.

    The weight is mapped back to the original units (``w / std``), so it is a direction in the residual stream.
    """
    from sklearn.linear_model import LogisticRegression

    x = features.double().numpy()
    y = targets.numpy()
    mean, std = x.mean(0), x.std(0, ddof=1).clip(min=1e-6)
    # scikit-learn minimises ||w||^2 / 2 + C * sum(log-loss): C = 1 / (l2 * n) is the same objective
    model = LogisticRegression(C=1.0 / (l2 * len(y)), max_iter=max_iter, tol=1e-10)
    model.fit((x - mean) / std, y)
    scaled = model.coef_[0] / std
    weight = torch.from_numpy(scaled).float()
    bias = float(model.intercept_[0] - scaled @ mean)
    return Probe(weight=weight, bias=bias)
