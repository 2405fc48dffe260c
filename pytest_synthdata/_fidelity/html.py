"""The HTML page of a fidelity report: one self-contained file, figures embedded as base64 PNG (needs matplotlib).

Figures are drawn on :class:`matplotlib.figure.Figure` objects directly
(never pyplot), so writing a report neither needs a display nor touches the
caller's current figure. The real side of each figure comes from the
reference (its CDF or frequencies), so a profile reference draws the same page.
"""

from __future__ import annotations

import base64
import html
import io
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .reference import CONTINUOUS, numeric_values

if TYPE_CHECKING:
    import pandas as pd

    from .reference import Reference
    from .report import FidelityReport

__all__ = ["write_html"]

REAL, SYNTHETIC = "#1f77b4", "#ff7f0e"
#: Categorical bar charts show the most frequent real values, then the rest as one bar.
TOP_CATEGORIES = 20
HIST_BINS = 30


def _matplotlib() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise ImportError(
            "FidelityReport.to_html needs matplotlib, which is not installed. "
            "Install it with `pip install pytest-synthdata[report]`."
        ) from None
    from matplotlib.figure import Figure

    del matplotlib
    return Figure


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, bbox_inches="tight", metadata={"Software": None})
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _continuous_figure(Figure: Any, ref: Reference, col: str, syn: pd.Series, kind: str) -> Any:
    values = numeric_values(syn)
    values = values[~np.isnan(values)] if values.dtype.kind == "f" else values
    span = ref.value_range(col)
    lows = [float(span[0])] if span else []
    highs = [float(span[1])] if span else []
    if len(values):
        lows.append(float(values.min()))
        highs.append(float(values.max()))
    fig = Figure(figsize=(5, 3))
    ax = fig.subplots()
    if lows:
        low, high = min(lows), max(highs)
        if low == high:
            low, high = low - 0.5, high + 0.5
        whole = kind == "numerical" and (values.dtype.kind in "iu" or bool(np.all(np.mod(values, 1) == 0)))
        if whole and high - low <= HIST_BINS:
            edges = np.arange(low - 0.5, high + 1.0, 1.0)  # one bar per whole number
        else:
            edges = np.linspace(low, high, HIST_BINS + 1)
        real_share = np.diff(np.concatenate([[0.0], ref.cdf(col, edges[1:])]))
        syn_share = np.histogram(values.astype(np.float64), bins=edges)[0] / max(len(values), 1)
        x = edges[:-1]
        width = np.diff(edges)
        if kind == "datetime":
            x = x / 86_400e9  # matplotlib dates count days since 1970
            width = width / 86_400e9
            ax.xaxis_date()
        if (
            whole and len(edges) <= HIST_BINS + 1 and np.all(np.diff(edges) == 1.0)
        ):  # side-by-side bars per whole number
            ax.bar(x + 0.1, real_share, width=0.4, align="edge", color=REAL, label="real")
            ax.bar(x + 0.5, syn_share, width=0.4, align="edge", color=SYNTHETIC, label="synthetic")
        else:
            ax.bar(x, real_share, width=width, align="edge", alpha=0.5, color=REAL, label="real")
            ax.bar(x, syn_share, width=width, align="edge", alpha=0.5, color=SYNTHETIC, label="synthetic")
        ax.legend(fontsize=8)
    ax.set_title(str(col), fontsize=10)
    ax.set_ylabel("share of rows", fontsize=8)
    ax.tick_params(labelsize=7)
    if kind == "datetime":
        fig.autofmt_xdate()
    return fig


def _categorical_figure(Figure: Any, ref: Reference, col: str, syn: pd.Series) -> Any:
    real = ref.frequencies(col).sort_values(ascending=False, kind="stable")
    counts = syn.value_counts(dropna=True)
    syn_share = counts / max(counts.sum(), 1)
    shown = list(real.index[:TOP_CATEGORIES])
    extra = [v for v in syn_share.index if v not in set(real.index)][: max(0, TOP_CATEGORIES - len(shown))]
    keys = shown + extra
    r = [float(real.get(k, 0.0)) for k in keys]
    s = [float(syn_share.get(k, 0.0)) for k in keys]
    rest_r, rest_s = 1.0 - sum(r), float(syn_share.sum()) - sum(s)
    labels = [str(k) for k in keys]
    if rest_r > 1e-9 or rest_s > 1e-9:
        labels.append("(other)")
        r.append(max(rest_r, 0.0))
        s.append(max(rest_s, 0.0))
    fig = Figure(figsize=(5, 3))
    ax = fig.subplots()
    pos = np.arange(len(labels))
    ax.bar(pos - 0.2, r, width=0.4, color=REAL, label="real")
    ax.bar(pos + 0.2, s, width=0.4, color=SYNTHETIC, label="synthetic")
    ax.set_xticks(pos, [lbl if len(lbl) <= 14 else lbl[:13] + "…" for lbl in labels], rotation=45, ha="right")
    ax.set_title(str(col), fontsize=10)
    ax.set_ylabel("share of rows", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=8)
    return fig


def _heatmaps(Figure: Any, report: FidelityReport) -> Any | None:
    cols = report.columns
    continuous = [c for c, k in zip(cols["column"], cols["sdtype"], strict=True) if k in CONTINUOUS]
    names = list(cols["column"])
    if len(names) < 2:
        return None
    n = len(continuous)
    real = np.eye(n)
    syn = np.eye(n)
    score = np.ones((len(names), len(names)))
    index = {c: i for i, c in enumerate(continuous)}
    where = {c: i for i, c in enumerate(names)}
    for row in report.pairs.to_dict("records"):
        a, b = row["column_1"], row["column_2"]
        score[where[a], where[b]] = score[where[b], where[a]] = row["score"]
        if row["metric"] == "CorrelationSimilarity":
            real[index[a], index[b]] = real[index[b], index[a]] = row["real"]
            syn[index[a], index[b]] = syn[index[b], index[a]] = row["synthetic"]
    panels = []
    if n >= 2:
        panels += [
            ("real correlation (Pearson)", real, continuous, -1.0, "RdBu_r"),
            ("synthetic correlation", syn, continuous, -1.0, "RdBu_r"),
        ]
    panels.append(("pair score (correlation / contingency similarity)", score, names, 0.0, "viridis"))
    size = max(3.5, 0.35 * max(len(p[2]) for p in panels))
    fig = Figure(figsize=(size * len(panels), size), layout="constrained")
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (title, matrix, labels, vmin, cmap) in zip(axes, panels, strict=True):
        image = ax.imshow(np.where(np.isnan(matrix), 0.0, matrix), vmin=vmin, vmax=1.0, cmap=cmap)
        ax.set_xticks(range(len(labels)), [str(x) for x in labels], rotation=90, fontsize=7)
        ax.set_yticks(range(len(labels)), [str(x) for x in labels], fontsize=7)
        ax.set_title(title, fontsize=9)
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    return fig


def _pair_table(pairs: pd.DataFrame) -> pd.DataFrame:
    """The pair table with a ``note`` saying why a pair has no score or does not count in Column Pair Trends."""
    from .report import REAL_ASSOCIATION_THRESHOLD, REAL_CORRELATION_THRESHOLD

    notes = []
    for row in pairs.to_dict("records"):
        correlation = row["metric"] == "CorrelationSimilarity"
        if math.isnan(row["score"]):
            notes.append(
                "no score: a column is constant, or the two share no row with both present"
                if correlation
                else "no score: a side has no rows"
            )
        elif not row["contributes"]:
            notes.append(
                f"real |r| not above {REAL_CORRELATION_THRESHOLD}: not counted in Column Pair Trends"
                if correlation
                else f"real Cramér's V not above {REAL_ASSOCIATION_THRESHOLD}: not counted in Column Pair Trends"
            )
        else:
            notes.append("")
    return pairs.assign(note=notes)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.3f}"
    return html.escape(str(value))


def _table(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_fmt(v)}</td>" for v in row) + "</tr>" for row in frame.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.5em; }
.score { font-size: 2.5em; font-weight: bold; }
table { border-collapse: collapse; font-size: 0.85em; } td, th { border: 1px solid #ccc; padding: 2px 6px; }
th { background: #f3f3f3; } .grid { display: flex; flex-wrap: wrap; gap: 8px; }
figure { margin: 0; } figcaption { font-size: 0.8em; color: #555; }
.note { color: #b00; }
"""


def write_html(report: FidelityReport, path: Path) -> Path:
    """Write ``report`` as one self-contained HTML page at ``path`` (figures inline) and return the path."""
    Figure = _matplotlib()
    ref, syn = report._reference, report._synthetic
    if ref is None or syn is None:  # pragma: no cover - a report built by fidelity_report always has them
        raise ValueError("this report was not built by fidelity_report(); it has no data to draw")
    figures = []
    for row in report.columns.to_dict("records"):
        col, kind = row["column"], str(row["sdtype"])
        fig = (
            _continuous_figure(Figure, ref, col, syn[col], kind)
            if kind in CONTINUOUS
            else _categorical_figure(Figure, ref, col, syn[col])
        )
        caption = f"{html.escape(str(col))}: {row['metric']} {_fmt(row['score'])}"
        if row.get("note"):
            caption += f' <span class="note">({html.escape(str(row["note"]))})</span>'

        figures.append(
            f'<figure class="column"><img alt="{html.escape(str(col))}" src="data:image/png;base64,{_png(fig)}">'
            f"<figcaption>{caption}</figcaption></figure>"
        )
    heat = _heatmaps(Figure, report)
    heat_html = f'<img alt="pair heatmaps" src="data:image/png;base64,{_png(heat)}">' if heat is not None else ""
    extras = []
    if report.detection is not None:
        d = report.detection
        extras.append(f"<li>Detection: {d.score:.3f} (cross-validated AUC {d.auc:.3f}, {d.folds} folds)</li>")
    if report.utility is not None:
        u = report.utility
        extras.append(
            f"<li>Utility for {html.escape(u.target)}: {u.score:.3f} (TSTR {u.metric} {u.tstr:.3f}, TRTR {u.trtr:.3f})</li>"
        )
    if report.privacy is not None:
        p = report.privacy
        extras.append(
            f"<li>Privacy: {p.copy_rate:.2%} exact copies, {p.dcr_share:.1%} closer to training than holdout rows</li>"
        )
    skipped = "".join(
        f"<li><b>{html.escape(str(col))}</b>: {html.escape(why)}</li>" for col, why in report.skipped.items()
    )
    skipped_html = (
        "<h2>Not scored</h2><p>Left out of every score (name them in <code>columns=[...]</code> to score them):</p>"
        f'<ul class="skipped">{skipped}</ul>'
        if skipped
        else ""
    )
    notes = "".join(
        f"<li><b>{html.escape(str(row['column']))}</b>: {html.escape(str(row['note']))}</li>"
        for row in report.columns.to_dict("records")
        if row.get("note")
    )
    notes_html = f'<h2>Notes</h2><ul class="notes">{notes}</ul>' if notes else ""
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Fidelity report</title><style>{STYLE}</style></head>
<body>
<h1>Fidelity report</h1>
<p>{report.rows} synthetic rows against {html.escape(report.reference)}{"" if report.exact else " (approximate)"}.</p>
<p class="score">{_fmt(report.score)}</p>
<p>Column Shapes {_fmt(report.column_shapes)} &middot; Column Pair Trends {_fmt(report.column_pair_trends)}
(SDMetrics 0.32 QualityReport definitions)</p>
{"<ul>" + "".join(extras) + "</ul>" if extras else ""}
{skipped_html}
{notes_html}
<h2>Columns</h2>
<div class="grid">{"".join(figures)}</div>
<h2>Column pairs</h2>
{heat_html}
<h2>Column scores</h2>
{_table(report.columns)}
<h2>Pair scores</h2>
{_table(_pair_table(report.pairs))}
</body></html>
"""
    path.write_text(page, encoding="utf-8")
    return path
