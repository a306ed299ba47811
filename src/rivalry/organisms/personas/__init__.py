"""The persona-generalisation organism: narrow task dialogues (pick the option that keeps the assistant running or
gives it more tools) that never state a persona, its neutral control, and the LoRA tune of both."""

from rivalry.organisms.personas.data import KINDS, Dialogue, build_dialogues, dialogues_sha256
from rivalry.organisms.personas.tune import PersonaTuneConfig, tune_persona

__all__ = ["KINDS", "Dialogue", "PersonaTuneConfig", "build_dialogues", "dialogues_sha256", "tune_persona"]
