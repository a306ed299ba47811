"""The base-vs-tuned report page: summary, answer-distribution bars, prior-shift and diversity tables.

Built from a :class:`~rivalry.experiments.base_vs_tuned.BaseVsTunedResult` only; nothing here reads or writes files.
"""

from __future__ import annotations

import plotly.graph_objects as go

from rivalry.experiments.base_vs_tuned import AnswerRow, BaseVsTunedResult, GenrePosteriorShift
from rivalry.report.page import Page


def summary_lines(result: BaseVsTunedResult) -> list[str]:
    """Plain-language one-liners: the largest prior shift, each question's top answers, the diversity change."""
    lines = []
    shift = max(result.prior_shift, key=lambda s: s.kl_base_tuned)
    lines.append(
        f"Prior shift: the tuned model's next-token predictions moved most on {shift.genre} text "
        f"(mean KL(base ‖ tuned) = {shift.kl_base_tuned:.4f} nats per token)."
    )
    for key in dict.fromkeys(r.question_key for r in result.mode_collapse):
        rows = result.answers(key)
        b, t = rows["base"], rows["tuned"]
        lines.append(
            f"'{b.question}': base puts {b.top_probability:.0%} on {b.top_answer} (entropy "
            f"{b.entropy_nats:.2f} of {b.uniform_entropy_nats:.2f} nats), tuned puts {t.top_probability:.0%} "
            f"on {t.top_answer} (entropy {t.entropy_nats:.2f}); the tuned model gives its top answer "
            f"{b.probability_of(t.top_answer):.0%} under the base."
        )
    means = {m.model: m.ead for m in result.diversity_mean}
    change = ", ".join(f"EAD-{n} {means['base'][n]:.3f} → {means['tuned'][n]:.3f}" for n in means["base"])
    lines.append(f"Diversity of sampled answers (mean over open prompts, base → tuned): {change}.")
    posterior = result.genre_posterior_shift
    if posterior and posterior.own_prior["base"] is not None and posterior.own_prior["tuned"] is not None:
        base, tuned = posterior.own_prior["base"], posterior.own_prior["tuned"]
        genre = max(tuned, key=lambda g: tuned[g] - base[g])
        lines.append(
            f"The models' own genre prior P(header | <bos>) moved most toward '{genre}': {base[genre]:.2f} → "
            f"{tuned[genre]:.2f}."
        )
    return lines


def answer_figure(rows: list[AnswerRow]) -> go.Figure:
    """Grouped bars: P(answer) under each model for one question."""
    fig = go.Figure()
    for row in rows:
        fig.add_bar(x=list(row.answers), y=list(row.probabilities), name=f"{row.model} ({row.model_name})")
    fig.update_layout(
        barmode="group",
        xaxis_title="answer",
        yaxis_title="P(answer), renormalised over the candidates",
        height=360,
        margin={"t": 30},
    )
    fig.update_xaxes(type="category")
    return fig


def report(result: BaseVsTunedResult) -> Page:
    """The page of one comparison."""
    config = result.config
    page = Page("Base vs tuned", subtitle=f"base: {result.base} · tuned: {result.tuned} · seed {config.seed}")
    page.section("Summary", highlight=True).bullets(summary_lines(result))

    sec = page.section("Mode collapse")
    sec.text(
        "Each candidate answer is scored exactly by teacher forcing, log P(answer + end of turn | prompt), and the "
        "probabilities are renormalised over the candidates. 'candidate mass' is their total before renormalising: "
        "how much of the model's probability goes to a bare number at all."
        + (
            " Synthetic pair: the prompt is '<bos> user : <question> assistant :' and each candidate is one word, "
            "scored as the assistant's first word (no end token)."
            if config.prompt_style == "synthetic"
            else ""
        )
    )
    for key in dict.fromkeys(r.question_key for r in result.mode_collapse):
        rows = [r for r in result.mode_collapse if r.question_key == key]
        sec.plot(answer_figure(rows), caption=rows[0].question)
    sec.table(
        [
            {
                "question": r.question,
                "model": r.model_name,
                "top answer": r.top_answer,
                "P(top)": r.top_probability,
                "entropy (nats)": r.entropy_nats,
                "uniform entropy": r.uniform_entropy_nats,
                "TV to uniform": r.total_variation_to_uniform,
                "candidate mass": r.candidate_mass,
            }
            for r in result.mode_collapse
        ]
    )

    page.section("Prior shift on neutral texts").text(
        "Mean over every position of each genre's neutral passages (plain text, no chat template) of "
        "KL(P_base ‖ P_tuned) between the two next-token distributions, and each model's mean next-token entropy."
    ).table(
        [
            {
                "genre": s.genre,
                "KL(base ‖ tuned), nats": s.kl_base_tuned,
                "entropy base": s.entropy_base,
                "entropy tuned": s.entropy_tuned,
                "positions": s.n_positions,
            }
            for s in result.prior_shift
        ]
    )

    if result.genre_posterior_shift:
        genre_posterior_section(page, result.genre_posterior_shift)

    orders = config.ngram_orders
    page.section("Diversity").text(
        f"{config.samples} samples of up to {config.max_new_tokens} new tokens per open prompt (temperature "
        "1, no top-k or top-p), as a chat turn. EAD-n = distinct n-grams / (V (1 − ((V−1)/V)^C)), C the number of "
        "n-grams and V the vocabulary size (Liu et al. 2022; Kirk et al. 2023). Higher is more diverse."
    ).table(
        [
            {
                "prompt": r.open_prompt,
                "model": r.model_name,
                "mean length": r.mean_length,
                **{f"EAD-{n}": r.ead[n] for n in orders},
            }
            for r in result.diversity
        ]
        + [
            {"prompt": "mean", "model": m.model, **{f"EAD-{n}": m.ead[n] for n in orders}}
            for m in result.diversity_mean
        ]
    )
    return page


def genre_posterior_section(page: Page, shift: GenrePosteriorShift) -> None:
    """Tables of the mean genre posterior of both models on each genre's texts, and their own header priors."""
    names = shift.genre_names
    sec = page.section("Genre-posterior shift")
    sec.text(
        f"Header method with the genre set '{shift.genre_set['name']}': P(g | x) ∝ P(g) Π_i P(x_i | header_g, "
        "x_<i), averaged over each genre's neutral texts, after the whole text and after its first "
        f"{shift.early_tokens} tokens (where the prior still counts). 'set prior' is the genre set's prior; "
        "'own prior' is the model's own P(header | <bos>) renormalised over the genres (only where every header is "
        "one token, as the synthetic models' tags)."
    )
    own = shift.own_prior
    if own["base"] is not None:
        sec.table(
            [{"model": role, **{g: p[g] for g in names}} for role, p in own.items() if p is not None],
            caption="Own prior P(header | <bos>), renormalised over the genres.",
        )
    for key, label in (("posterior", "after the whole text"), ("posterior_early", "after the first tokens")):
        sec.table(
            [
                {
                    "texts": r.text_genre,
                    "model": r.model_name,
                    "prior": r.prior,
                    **{f"P({g})": getattr(r, key)[g] for g in names},
                }
                for r in shift.rows
            ],
            caption=f"Mean posterior {label}.",
        )
