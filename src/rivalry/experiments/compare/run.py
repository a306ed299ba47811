"""Compare two forbidden-facts results site by site (pure algebra on the two results; no model needed)."""

from __future__ import annotations

from rivalry.errors import RivalryError
from rivalry.experiments.compare.config import CompareConfig
from rivalry.experiments.compare.result import ComparisonResult, RunSummary, SiteChange
from rivalry.experiments.forbidden_facts.result import ForbiddenFactsResult


def summary_of(result: ForbiddenFactsResult, path: str | None = None) -> RunSummary:
    total = result.mean_total_effect
    if total is None:
        raise RivalryError(f"cannot compare {result.model}: {result.undefined_reason}")
    p = result.provenance["model"]
    return RunSummary(
        path=path,
        model=result.model,
        adapter=p.adapter,
        split=result.config.split,
        prompt_format=result.config.prompt_format,
        n_facts_kept=result.n_facts_kept,
        mean_total_effect_log10=total,
        n_layers=result.n_layers,
        n_heads=result.n_heads,
    )


def run(
    result_a: ForbiddenFactsResult,
    result_b: ForbiddenFactsResult,
    config: CompareConfig | None = None,
    paths: tuple[str | None, str | None] = (None, None),
) -> ComparisonResult:
    """Per-site changes from ``result_a`` to ``result_b``; both must be non-empty runs of one architecture."""
    for name, result in (("A", result_a), ("B", result_b)):
        if not isinstance(result, ForbiddenFactsResult):
            raise RivalryError(f"compare: {name} is not a forbidden-facts result ({type(result).__name__})")
    summary_a, summary_b = summary_of(result_a, paths[0]), summary_of(result_b, paths[1])
    ranks_a = {s.site: s for s in result_a.sites}
    ranks_b = {s.site: s for s in result_b.sites}
    if set(ranks_a) != set(ranks_b):
        raise RivalryError(
            f"the runs have different sites ({len(ranks_a)} vs {len(ranks_b)}); compare runs of the same architecture"
        )
    changes = [
        SiteChange(site, a.effect_mean, ranks_b[site].effect_mean, ranks_b[site].effect_mean - a.effect_mean,
                   a.rank, ranks_b[site].rank)
        for site, a in ranks_a.items()
    ]  # fmt: skip
    changes.sort(key=lambda c: (-abs(c.difference), c.site))
    return ComparisonResult(
        config=config or CompareConfig(),
        provenance={"a": result_a.provenance["model"], "b": result_b.provenance["model"]},
        fingerprint={"a": dict(result_a.fingerprint), "b": dict(result_b.fingerprint)},
        run_a=summary_a,
        run_b=summary_b,
        changes=tuple(changes),
    )
