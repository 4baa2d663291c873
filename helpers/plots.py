"""Charts for the notebooks, so that the cells show the lesson rather than matplotlib calls."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
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


def distribution_panels(distributions: Mapping[str, torch.Tensor], labels: list[str], top: int = 12) -> Figure:
    """One small bar chart per named next-token distribution, over the same top tokens of the first one."""
    first = next(iter(distributions.values()))
    order = torch.argsort(first, descending=True)[:top].tolist()
    columns = 3
    rows = -(-len(distributions) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(12, 2.8 * rows), sharey=True, squeeze=False)
    for ax, (name, probs) in zip(axes.flat, distributions.items()):
        ax.bar(range(top), probs[order].tolist(), color="tab:blue")
        ax.set_xticks(range(top), [labels[i] for i in order], rotation=70, fontsize=8)
        ax.set_title(name, fontsize=10)
    for ax in list(axes.flat)[len(distributions):]:
        ax.set_visible(False)
    axes[0, 0].set_ylabel("probability")
    fig.tight_layout()
    plt.close(fig)
    return fig


def padding_heatmap(batch: Mapping[str, torch.Tensor], labels: list[list[str]], title: str) -> Figure:
    """The attention mask of a padded batch as a heatmap, each cell labelled with its token."""
    mask = batch["attention_mask"].cpu().numpy()
    fig, ax = plt.subplots(figsize=(1 + 0.9 * mask.shape[1], 0.6 + 0.6 * mask.shape[0]))
    ax.imshow(mask, cmap="Blues", vmin=-0.5, vmax=2.5)
    for (row, col), _ in np.ndenumerate(mask):
        ax.text(col, row, labels[row][col], ha="center", va="center", fontsize=8)
    ax.set(title=f"{title} (blue: attention_mask = 1)", xlabel="position", ylabel="row")
    ax.set_yticks(range(mask.shape[0]))
    plt.close(fig)
    return fig


def next_token_bars(original: torch.Tensor, processed: torch.Tensor, labels: list[str], title: str) -> Figure:
    """The most likely next tokens before (outline) and after (filled) the logits processors, on a fixed 0–1 scale."""
    fig, ax = plt.subplots(figsize=(8, 3))
    ax.bar(range(len(labels)), original.tolist(), color="none", edgecolor="tab:gray", label="model")
    ax.bar(range(len(labels)), processed.tolist(), color="tab:blue", alpha=0.8, label="after the processors")
    ax.set_xticks(range(len(labels)), labels, rotation=60, fontsize=8)
    ax.set(title=title, ylabel="probability", ylim=(0, 1))
    ax.legend(frameon=False, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    plt.close(fig)
    return fig


def throughput_and_latency(tokens_per_s: Mapping[int, float], latency_s: Mapping[int, float]) -> Figure:
    """Two panels against batch size: tokens/s of all rows together, and the seconds each sequence waits."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.5))
    for ax, values, title, unit in ((left, tokens_per_s, "Throughput", "tokens/s (all rows)"),
                                    (right, latency_s, "Latency", "seconds per sequence")):
        sizes, points = list(values.keys()), [float(value) for value in dict(values).values()]
        ax.plot(sizes, points, marker="o", color="tab:blue")
        ax.set_xscale("log", base=2)
        ax.set_xticks(sizes, [str(size) for size in sizes])
        ax.set(title=title, xlabel="batch size", ylabel=unit, ylim=(0, None))
        ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    plt.close(fig)
    return fig


def cache_memory(bytes_per_token: int, weights_bytes: int, memory_bytes: int, context: int,
                 batches: Sequence[int]) -> Figure:
    """The weights plus the key/value cache against context length, one line per batch size, under the device's memory."""
    gb = 1e9
    lengths = np.linspace(0, context, 65)
    fig, ax = plt.subplots(figsize=(8, 3.8))
    for batch in batches:
        ax.plot(lengths, (weights_bytes + batch * lengths * bytes_per_token) / gb, label=f"weights + cache, batch {batch}")
    ax.axhline(weights_bytes / gb, color="tab:gray", linestyle=":", label="weights alone")
    ax.axhline(memory_bytes / gb, color="tab:red", linestyle="--", label="the device's memory")
    ax.set(title="Memory against context length", xlabel="tokens per sequence", ylabel="GB", yscale="log", xlim=(0, context),
           ylim=(None, 3 * memory_bytes / gb))
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    plt.close(fig)
    return fig


def quantization_levels(scaled: torch.Tensor, levels: Mapping[str, torch.Tensor]) -> Figure:
    """A histogram of weights scaled to [-1, 1], with each named set of quantization levels marked beneath it."""
    fig, ax = plt.subplots(figsize=(9, 3.6))
    ax.hist(scaled.flatten().cpu().numpy(), bins=101, range=(-1, 1), color="tab:gray", alpha=0.6, density=True)
    top = ax.get_ylim()[1]
    for row, ((name, values), color) in enumerate(zip(levels.items(), ["tab:blue", "tab:orange", "tab:green"])):
        ax.vlines(values.cpu().numpy(), -(row + 1) * top / 8, -row * top / 8 - top / 40, color=color, label=name)
    ax.set(title="Weights of one layer, each group of 64 scaled by its largest |weight|, and 4-bit levels",
           xlabel="weight ÷ largest |weight| in its group", yticks=[], xlim=(-1.05, 1.05))
    ax.legend(frameon=False, fontsize=8, loc="upper right")
    ax.spines[["top", "right", "left"]].set_visible(False)
    fig.tight_layout()
    plt.close(fig)
    return fig
