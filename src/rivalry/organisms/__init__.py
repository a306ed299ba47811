"""Model organisms: models rivalry makes on purpose to study a behaviour (e.g. an obedience-tuned SmolLM2)."""
