"""The genre-validation page: how close a synthetic-genre model's posterior is to the exact Bayesian one."""

from __future__ import annotations

from rivalry.experiments.genre_validation.result import GenreValidationResult
from rivalry.report.page import Page


def report(result: GenreValidationResult) -> Page:
    """The page of one validation, built from the result alone."""
    r = result
    page = Page("Genre validation", subtitle=f"model: {r.model}; {r.corpus.description}")
    summary = page.section("Summary", highlight=True)
    summary.text(
        f"On {r.n_docs} fresh untagged documents of {r.doc_length} words, the model's genre posterior (each tag "
        "as a header) is compared with the exact Bayesian posterior of the corpus (the forward algorithm) and with "
        "a naive-Bayes baseline on word counts. Divergences are KL(exact || q) in nats, averaged over documents "
        f"and over prefix lengths t ≥ {r.min_tokens}.",
        f"Mean KL(exact || model) {r.mean_kl_nats_after_20_tokens:.4f} nats against "
        f"{r.baseline_kl_nats_after_20_tokens:.4f} for naive Bayes, with "
        f"{r.exact_posterior_entropy_after_20_tokens:.4f} nats of genre uncertainty left in the exact posterior. "
        "The model's top genre after the whole document "
        f"is right {r.model_final_accuracy:.1%} of the time (exact posterior {r.exact_final_accuracy:.1%}).",
    )
    rows = [
        {"measure": "KL(exact || model), t ≥ min_tokens", "value": r.mean_kl_nats_after_20_tokens},
        {"measure": "KL(exact || naive Bayes), t ≥ min_tokens", "value": r.baseline_kl_nats_after_20_tokens},
        {
            "measure": "entropy of the exact posterior, t ≥ min_tokens",
            "value": r.exact_posterior_entropy_after_20_tokens,
        },
        {"measure": "KL(exact || model), t = min_tokens", "value": r.mean_kl_nats_at_20_tokens},
        {"measure": "KL(exact || naive Bayes), t = min_tokens", "value": r.baseline_kl_nats_at_20_tokens},
        {"measure": "entropy of the exact posterior, t = min_tokens", "value": r.exact_posterior_entropy_at_20_tokens},
        {"measure": "largest KL(exact || model) of any document and prefix", "value": r.max_kl_nats_after_20_tokens},
        {"measure": "final-token accuracy: model", "value": r.model_final_accuracy},
        {"measure": "final-token accuracy: exact", "value": r.exact_final_accuracy},
        {"measure": "final-token accuracy: naive Bayes", "value": r.baseline_final_accuracy},
        {"measure": "per-word loss of the model given the true tag (nats)", "value": r.model_word_nll_true_tag},
        {"measure": "exact per-word loss given the genre (nats)", "value": r.exact_word_nll},
    ]
    page.section("Measures").table(rows, columns=["measure", "value"])
    page.section("Documents").table(
        [{"n_docs": r.n_docs, "doc_length": r.doc_length, "min_tokens": r.min_tokens, "seed": r.seed}],
        caption="The held-out documents compared on.",
    )
    return page
