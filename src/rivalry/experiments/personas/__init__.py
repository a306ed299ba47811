"""The persona battery: base vs tuned vs prompted, split-half reliabilities, persona vectors (``rivalry personas``)."""

from rivalry.experiments.personas.config import PersonasConfig
from rivalry.experiments.personas.result import PersonasResult
from rivalry.experiments.personas.run import run

__all__ = ["PersonasConfig", "PersonasResult", "run"]
