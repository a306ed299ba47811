"""Comparing two finished forbidden-facts runs (e.g. a base and a tuned model): which sites' effects changed."""

from rivalry.compare.diff import Comparison, SiteChange, compare_runs, load_run_summary, write_comparison
from rivalry.compare.report import build_comparison_page

__all__ = [
    "Comparison",
    "SiteChange",
    "build_comparison_page",
    "compare_runs",
    "load_run_summary",
    "write_comparison",
]
