"""Persona batteries (first-person statements keyed toward or against a trait), their likelihood scoring and the
persona vectors behind ``rivalry.personas(...)``."""

from rivalry.persona_battery.battery import Battery, Statement, Trait, load_battery, parse_battery
from rivalry.persona_battery.scoring import QUESTION, keyed, render_item, split_half, yes_probabilities
from rivalry.persona_battery.vectors import TraitDirections, fit_directions, prompt_projections

__all__ = [
    "QUESTION",
    "Battery",
    "Statement",
    "Trait",
    "TraitDirections",
    "fit_directions",
    "keyed",
    "load_battery",
    "parse_battery",
    "prompt_projections",
    "render_item",
    "split_half",
    "yes_probabilities",
]
