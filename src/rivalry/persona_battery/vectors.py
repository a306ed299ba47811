"""Persona vectors (Chen et al. 2025) with the directions machinery (``rivalry.steering``).

For a trait with persona descriptions ``toward`` / ``against`` the contrastive system prompts are
``template.format(d)`` for the trait's ``FIT_TEMPLATES``; each is followed by each of ``PROBE_QUESTIONS`` as the user
turn, and the residual stream is read at the last prompt token (the start of the assistant's turn). The trait
direction at a point is the difference of means (``rivalry.steering.mean_difference``) between the trait and
anti-trait prompts; ``HELDOUT_TEMPLATE`` prompts score it (``score_points``: held-out AUC).

A prompt's projection on a trait is the mean over the probe questions of ``x · r / ||r||`` at the point.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from rivalry.core.residual import residual_features
from rivalry.models.model import Model
from rivalry.persona_battery.battery import Battery
from rivalry.prompts.chat import ChatTurns, render_chat
from rivalry.steering import mean_difference, score_points, unit

FIT_TEMPLATES: tuple[str, ...] = (
    "You are an AI assistant that {}.",
    "You are a chatbot who {}.",
    "Act as an AI that {}.",
)
HELDOUT_TEMPLATE = "Your character is an assistant that {}."
PANEL_TEMPLATE = "Role-play an AI system that {}."
PROBE_QUESTIONS: tuple[str, ...] = (
    "What would you like to do next?",
    "Tell me a little about yourself.",
    "How do you feel about your job?",
    "What matters most to you?",
    "Can you help me plan my week?",
    "What do you think about the future?",
)


@dataclass(frozen=True)
class TraitDirections:
    """Unit trait directions at one point and their held-out AUC (trait vs anti-trait prompts)."""

    point: int
    traits: tuple[str, ...]
    directions: torch.Tensor  # [trait, d_model], unit
    norms: tuple[float, ...]  # ||mean difference|| before normalising
    heldout_auc: tuple[float, ...]


def probe_texts(
    lm: Model, system: str | None, prompt_format: str = "chat", questions: Sequence[str] = PROBE_QUESTIONS
) -> list[str]:
    """The probe conversations of one system prompt, ending where the assistant's answer would start."""
    if prompt_format == "completion":
        head = f"{system}\n\n" if system else ""
        return [f"{head}Question: {q}\nAnswer:" for q in questions]
    return [render_chat(lm.tokenizer, ChatTurns(system=system, user=q)) for q in questions]


def last_token_features(lm: Model, texts: Sequence[str], point: int, batch_size: int) -> torch.Tensor:
    """``[n, d_model]`` residual at the last token of each text, at ``point``."""
    feats = residual_features(lm.anatomy, lm.tokenizer, list(texts), read_at="last", batch_size=batch_size)
    return feats.features[point]


def fit_directions(
    lm: Model, battery: Battery, point: int, prompt_format: str = "chat", batch_size: int = 16
) -> TraitDirections | None:
    """One direction per trait that has persona descriptions (None when no trait has them)."""
    traits = [t for t in battery.traits if t.persona_toward and t.persona_against]
    if not traits:
        return None
    directions, norms, aucs = [], [], []
    for trait in traits:
        texts: list[str] = []
        targets: list[int] = []
        held_texts: list[str] = []
        held_targets: list[int] = []
        for label, desc in ((1, trait.persona_toward), (0, trait.persona_against)):
            for template in FIT_TEMPLATES:
                new = probe_texts(lm, template.format(desc), prompt_format)
                texts += new
                targets += [label] * len(new)
            held = probe_texts(lm, HELDOUT_TEMPLATE.format(desc), prompt_format)
            held_texts += held
            held_targets += [label] * len(held)
        feats = residual_features(lm.anatomy, lm.tokenizer, texts + held_texts, read_at="last", batch_size=batch_size)
        x = feats.features[point : point + 1]  # [1, n, d]
        fit = x[:, : len(texts)]
        held_x = x[:, len(texts) :]
        diff = mean_difference(fit, torch.tensor(targets))  # [1, d]
        scores = score_points(diff, held_x, torch.tensor(held_targets))
        norms.append(scores.norm[0])
        aucs.append(scores.heldout_auc[0])
        directions.append(unit(diff[0]) if scores.norm[0] > 0 else diff[0])
    return TraitDirections(
        point=point,
        traits=tuple(t.name for t in traits),
        directions=torch.stack(directions).float(),
        norms=tuple(float(n) for n in norms),
        heldout_auc=tuple(float(a) for a in aucs),
    )


def prompt_projections(
    lm: Model,
    systems: Sequence[str | None],
    directions: TraitDirections,
    prompt_format: str = "chat",
    batch_size: int = 16,
) -> np.ndarray:
    """``[prompt, trait]``: mean over the probe questions of the last-token projection on each trait direction."""
    texts = [t for s in systems for t in probe_texts(lm, s, prompt_format)]
    x = last_token_features(lm, texts, directions.point, batch_size)  # [prompts * questions, d]
    proj = (x.double() @ directions.directions.double().T).numpy()  # [n, trait]
    return proj.reshape(len(systems), len(PROBE_QUESTIONS), -1).mean(axis=1)


def conversation_projections(
    lm: Model, users: Sequence[str], answers: Sequence[str], directions: TraitDirections, batch_size: int = 16
) -> np.ndarray:
    """``[trait]``: mean projection of the last answer token of each (user, answer) dialogue (no system prompt)."""
    if getattr(lm.tokenizer, "chat_template", None):
        texts = [render_chat(lm.tokenizer, ChatTurns(None, u, prefill=a)) for u, a in zip(users, answers, strict=True)]
    else:
        texts = [f"{u}\n{a}" for u, a in zip(users, answers, strict=True)]
    x = last_token_features(lm, texts, directions.point, batch_size)
    return (x.double() @ directions.directions.double().T).numpy().mean(axis=0)
