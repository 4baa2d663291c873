"""Charts for the notebooks, so that the cells show the lesson rather than matplotlib calls."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
from matplotlib.figure import Figure


def bar_chart(values: Mapping[str, float], title: str, ylabel: str) -> Figure:
    """A labelled bar chart of named values, each bar annotated with its value."""
    fig, ax = plt.subplots(figsize=(7, 3.5))
    bars = ax.bar(list(values), list(values.values()), color="tab:blue")
    ax.bar_label(bars, fmt="%.3g")
    ax.set(title=title, ylabel=ylabel)
    ax.spines[["top", "right"]].set_visible(False)
    plt.close(fig)
    return fig
