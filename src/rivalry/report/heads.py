"""HTML reports of ``rivalry heads`` (attention heatmaps, OV tokens) and ``rivalry attack`` (the attack table)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from rivalry.report.page import Page, write_page


def build_heads_report(out_dir: Path) -> Path:
    """``report.html`` from ``heads.json`` in ``out_dir``."""
    data: dict[str, Any] = json.loads((out_dir / "heads.json").read_text())
    page = Page("Suppressor heads", subtitle=f"model: {data['model']}")
    mass, ov, paper = data["attention_mass"], data["ov_suppression"], data["paper_llama2_7b_chat"]
    page.section("Summary", highlight=True).text(
        f"{len(data['top_heads'])} top heads chosen by {data['selection']}, over {data['n_facts']} facts.",
        f"From the predicting position, the top heads put {mass['top_competing']:.3f} of their attention on the "
        f"forbidden word when it is the answer (other heads {mass['other_competing']:.4f}); with an irrelevant "
        f"forbidden word {mass['top_non_competing']:.3f}. Paper (Llama-2-7b-chat): {paper['mass_top10']} vs "
        f"{paper['mass_other']}.",
        f"OV suppression score on {data['n_ov_tokens']} answer tokens: top heads {ov['top']:+.3f}, other heads "
        f"{ov['other']:+.3f} (paper: {paper['ov_top10']} vs {paper['ov_other']:+}). Negative: the head lowers the "
        "logit of the token it attends to.",
    )
    example = data["example"]
    figure = go.Figure(
        go.Heatmap(
            z=example["weights"],
            x=[f"{i}:{t}" for i, t in enumerate(example["tokens"])],
            y=example["heads"],
            colorscale="Blues",
            colorbar={"title": "attention"},
        )
    )
    figure.update_layout(height=120 + 28 * len(example["heads"]), xaxis={"tickangle": -60}, margin={"b": 160})
    page.section("Where the top heads look").plot(
        figure, caption="Attention from the predicting (last) position over the first fact's competing prompt."
    )
    rows = [
        {
            "head": h["site"],
            "mass competing": h["mass_competing"],
            "mass irrelevant": h["mass_nc_irrelevant"],
            "OV suppression": h["ov_suppression"],
            "down-weighted most": ", ".join(t["token"].strip() for t in h["down_weighted_most"]),
            "down-weighted least": ", ".join(t["token"].strip() for t in h["down_weighted_least"]),
        }
        for h in data["top_heads"]
    ]
    page.section("Top heads: attention and OV circuit").table(
        rows, caption="OV tokens: answer tokens whose own logit the head lowers most / least when attending to them."
    )
    return write_page(page, out_dir / "report.html")


def build_attack_report(out_dir: Path) -> Path:
    """``report.html`` from ``attacks.json`` in ``out_dir``."""
    data: dict[str, Any] = json.loads((out_dir / "attacks.json").read_text())
    page = Page("California-style attacks", subtitle=f"model: {data['model']}")
    base, free = data["baseline"], data["best_answer_free"]
    summary = page.section("Summary", highlight=True)
    summary.text(
        f"{data['n_facts_attacked']} of {data['n_facts_total']} facts attacked (clean p(answer) above "
        f"{data['settings']['min_clean_probability']}); heads: {', '.join(data['heads'])}. An attack succeeds on a "
        "fact when the answer's log10 odds fall by at least 1 (odds down 10x) on a non-competing prompt."
    )
    if base:
        summary.text(f"California baseline ({base['attack']}): success rate {base['success_rate']:.0%}.")
    per = data["search"]["per_template"]
    summary.text(
        "Answer ranked first by the search (measured, over the suppression shortlist): "
        + ", ".join(f"{t} {v['answer_first_share']:.0%}" for t, v in per.items())
        + "; by attention alone: "
        + ", ".join(f"{t} {v.get('answer_first_share_attention', float('nan')):.0%}" for t, v in per.items())
        + "."
    )
    if free:
        summary.text(f"Best answer-free attack ({free['attack']}): success rate {free['success_rate']:.0%}.")
    if data.get("head_statistics"):
        page.section("The heads").plot(_mass_figure(data["head_statistics"])).table(
            [
                {
                    "head": h["site"],
                    "mass competing": h["mass_competing"],
                    "mass irrelevant": h["mass_nc_irrelevant"],
                    "OV suppression": h["ov_suppression"],
                    "down-weighted most": ", ".join(t["token"].strip() for t in h["down_weighted_most"]),
                }
                for h in data["head_statistics"]
            ],
            caption=f"Measured on {data['settings']['selection_facts']} facts of the "
            f"{data['settings']['selection_split']} split: attention from the predicting position on the forbidden "
            "word, when it is the answer (competing) and when it is irrelevant; OV suppression score on the answer "
            "tokens (negative: the head lowers the logit of what it attends to).",
        )
    search = data["search"]
    page.section("Vocabulary search").plot(
        _rank_figure(search["per_template"]),
        caption="Share of facts whose answer the search ranks first among all insertions, per template: by the "
        "heads' attention alone, by their predicted suppression of the answer (attention x OV through the answer's "
        "gradient), and by measured effect over the suppression shortlist.",
    ).table(
        [{"template": t, **v} for t, v in search["per_template"].items()],
        caption=f"Mean Spearman, approximate vs exact attention: {search['mean_spearman']:.3f}; predicted vs "
        f"measured effect over each shortlist: {search.get('mean_prediction_spearman', float('nan')):.3f}.",
    )
    shortlist = out_dir / "search.csv"
    if shortlist.is_file():
        page.section("Predicted vs measured").plot(
            _prediction_figure(shortlist),
            caption="Each shortlisted insertion: the suppression search's prediction (heads' direct paths, "
            "linearised) against the effect measured with the model. Points below zero lower the answer's odds.",
        )
    page.section("Attacks").plot(_success_figure(data["attacks"])).table(
        data["attacks"], caption="Ranked by success rate, then mean effect."
    )
    return write_page(page, out_dir / "report.html")


def _mass_figure(heads: list[dict[str, Any]]) -> go.Figure:
    figure = go.Figure()
    labels = [h["site"] for h in heads]
    figure.add_bar(name="forbidden word is the answer", x=labels, y=[h["mass_competing"] for h in heads])
    figure.add_bar(name="forbidden word is irrelevant", x=labels, y=[h["mass_nc_irrelevant"] for h in heads])
    figure.update_layout(barmode="group", yaxis={"title": "attention on the forbidden word"}, height=340)
    return figure


def _rank_figure(per_template: dict[str, dict[str, Any]]) -> go.Figure:
    figure = go.Figure()
    for label, key in (("attention", "_attention"), ("predicted suppression", "_predicted"), ("measured", "")):
        shares = [v.get(f"answer_first_share{key}", float("nan")) for v in per_template.values()]
        figure.add_bar(name=label, x=list(per_template), y=shares)
    figure.update_layout(barmode="group", yaxis={"title": "answer ranked first", "range": [0, 1]}, height=360)
    return figure


def _prediction_figure(search_csv: Path) -> go.Figure:
    xs, ys, labels = [], [], []
    with search_csv.open() as handle:
        for row in csv.DictReader(handle):
            for entry in filter(None, row.get("shortlist_predicted_measured", "").split(" | ")):
                word, numbers = entry.rsplit(" (", 1)
                predicted, measured = (float(v) for v in numbers.rstrip(")").split(" / "))
                xs.append(predicted)
                ys.append(measured)
                labels.append(f"{row['answer']} / {row['template']}: {word}")
    figure = go.Figure(go.Scatter(x=xs, y=ys, mode="markers", text=labels, marker={"size": 5, "opacity": 0.6}))
    figure.update_layout(
        xaxis={"title": "predicted effect (log10 odds)"}, yaxis={"title": "measured effect (log10 odds)"}, height=420
    )
    return figure


def _success_figure(attacks: list[dict[str, Any]]) -> go.Figure:
    names = [a["attack"] for a in attacks]
    colours = ["#2a9d8f" if a["answer_free"] else "#e76f51" for a in attacks]
    figure = go.Figure(go.Bar(x=names, y=[a["success_rate"] for a in attacks], marker_color=colours))
    figure.update_layout(
        yaxis={"title": "success rate (effect <= -1)", "range": [0, 1]}, xaxis={"tickangle": -45}, height=400
    )
    return figure
