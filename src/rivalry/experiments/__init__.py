"""Every experiment as config -> run -> result -> report, one folder each; the pattern is in ``base``."""

# Modules that register a Result type (imported by load_result, so any saved result can be loaded).
EXPERIMENT_MODULES: tuple[str, ...] = (
    "rivalry.experiments.forbidden_facts",
    "rivalry.experiments.compare",
    "rivalry.experiments.heads",
    "rivalry.experiments.attack",
    "rivalry.experiments.obedience_tune",
    "rivalry.experiments.obedience_eval",
    "rivalry.experiments.genre_posterior",
    "rivalry.experiments.genre_validation",
    "rivalry.experiments.base_vs_tuned",
    "rivalry.experiments.tug_of_war",
    "rivalry.experiments.personas",
    "rivalry.experiments.directions",
    "rivalry.experiments.latents",
    "rivalry.experiments.attribute",
    "rivalry.experiments.faithfulness",
)
