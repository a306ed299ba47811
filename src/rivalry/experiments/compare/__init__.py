"""Compare two forbidden-facts results: which sites' first-order effects changed (e.g. base vs tuned)."""

from rivalry.experiments.compare.config import CompareConfig
from rivalry.experiments.compare.result import ComparisonResult, RunSummary, SiteChange
from rivalry.experiments.compare.run import run

__all__ = ["CompareConfig", "ComparisonResult", "RunSummary", "SiteChange", "run"]
