"""Figures and tables for the Evaluate page, built from :class:`ganviz.metrics.Evaluation` results."""
from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.plotly_charts import FAKE, REAL

ORDER = ["fd", "kid", "is", "precision", "recall"]


def _short(name: str) -> str:
    """'Fréchet classifier distance (digit classifier features)' -> a two-line subplot title."""
    head, _, tail = name.partition(" (")
    return f"{head}<br><sup>({tail}</sup>" if tail else head


def metric_bars(results: list, real_is: float | None = None) -> go.Figure:
    """One small bar chart per metric (their scales differ by orders of magnitude), one bar per checkpoint."""
    scores = results[0].scores
    keys = [k for k in ORDER if k in scores]
    fig = make_subplots(rows=1, cols=len(keys), horizontal_spacing=0.06,
                        subplot_titles=[f"{_short(scores[k]['name'])}<br><sup>{scores[k]['better']} is better</sup>"
                                        for k in keys])
    names = [r.source for r in results]
    for col, key in enumerate(keys, start=1):
        values = [r.scores[key]["value"] for r in results]
        errors = [r.scores[key].get("std", 0.0) for r in results]
        fig.add_trace(go.Bar(x=names, y=values, marker_color=FAKE, showlegend=False,
                             error_y=dict(type="data", array=errors, visible=any(errors)),
                             hovertemplate="%{x}<br>%{y:.4g}<extra></extra>"), row=1, col=col)
        if key == "is" and real_is is not None:
            fig.add_hline(y=real_is, line_dash="dot", line_color=REAL, row=1, col=col,
                          annotation_text="real data", annotation_font_color=REAL)
    fig.update_xaxes(tickangle=-30)
    fig.update_annotations(font_size=11)
    fig.update_layout(height=380, margin=dict(l=10, r=10, t=90, b=10))
    return fig


def _sig(value: float) -> float:
    return float(f"{value:.4g}")


# short column headings, so the table fits the page; each column's help gives the metric's full
# name, which says the network whose features produced it
HEADINGS = {"fd": "FD", "kid": "KID", "is": "IS", "precision": "precision", "recall": "recall"}
ARROWS = {"lower": "↓", "higher": "↑"}


def _heading(key: str, score: dict) -> str:
    return f"{HEADINGS[key]} {ARROWS[score['better']]}"


def table(results: list) -> list[dict]:
    """Rows for st.dataframe: one per checkpoint, one short column per metric (and its ±)."""
    rows = []
    for r in results:
        row = {"checkpoint": r.source}
        for key in ORDER:
            if key in r.scores:
                score = r.scores[key]
                row[_heading(key, score)] = _sig(score["value"])
                if "std" in score:
                    row[f"± {HEADINGS[key]}"] = _sig(score["std"])
        row["real"] = r.reference["n"]
        row["img/s"] = round(r.n / max(r.seconds, 1e-9))
        rows.append(row)
    return rows


def column_help(results: list) -> dict[str, str]:
    """The full name of each column of :func:`table`, for its tooltip."""
    scores = results[0].scores
    helps = {"checkpoint": "the generator measured", "real": "real images it is compared with",
             "img/s": "generated and measured images per second"}
    for key in ORDER:
        if key in scores:
            helps[_heading(key, scores[key])] = f"{scores[key]['name']}: {scores[key]['better']} is better"
            helps[f"± {HEADINGS[key]}"] = f"spread of the {scores[key]['name']} (see the note under the table)"
    return helps
