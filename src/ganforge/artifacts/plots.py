"""Pictures of a run: image grids (PIL), 2-D scatter over D's heat map and loss curves (matplotlib, Agg)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image
from torch import Tensor


def image_grid(images: Tensor, nrow: int | None = None, padding: int = 2) -> np.ndarray:
    """uint8 [H', W', C] grid of `images` [N, C, H, W] in [-1, 1] (C = 1 or 3), `nrow` images per row."""
    if images.ndim != 4 or images.shape[1] not in (1, 3):
        raise ValueError(f"images must be [N, 1|3, H, W], got {tuple(images.shape)}")
    n, c, h, w = images.shape
    nrow = nrow or math.ceil(math.sqrt(n))
    rows = math.ceil(n / nrow)
    x = ((images.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    grid = torch.full((c, rows * (h + padding) + padding, nrow * (w + padding) + padding), 255, dtype=torch.uint8)
    for i in range(n):
        r, col = divmod(i, nrow)
        top, left = padding + r * (h + padding), padding + col * (w + padding)
        grid[:, top:top + h, left:left + w] = x[i]
    return grid.permute(1, 2, 0).numpy()


def save_image_grid(images: Tensor, path: str | Path, nrow: int | None = None, upscale: int | None = None) -> Path:
    """PNG grid; small images are enlarged (nearest) so an 8x8 digit is visible."""
    grid = image_grid(images, nrow)
    img = Image.fromarray(grid[..., 0] if grid.shape[2] == 1 else grid)
    scale = upscale or max(1, 256 // max(1, images.shape[-1] * math.ceil(math.sqrt(len(images)))) + 1)
    if scale > 1:
        img = img.resize((img.width * scale, img.height * scale), Image.NEAREST)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path)
    return path


def save_figure(fig: Any, path: str | Path) -> Path:
    """Lay out, write and close a matplotlib figure (parent folders are created)."""
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    fig.clf()
    pyplot().close(fig)
    return path


def pyplot():
    """matplotlib.pyplot on the file-only Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def draw_scatter(ax: Any, fake: Tensor, real: Tensor | None = None, critic: Callable[[Tensor], Tensor] | None = None,
                 scale: float = 1.0, extent: float | None = None, title: str = "", colorbar: bool = True,
                 point_size: float = 3.0, contours: int = 0) -> Any:
    """Draw real (black) and generated (orange) 2-D points in data coordinates on `ax`, over D's logits as a heat
    map when `critic` is given (it takes points in training coordinates, data / scale, and returns logits), with
    `contours` level lines of the logits (0: none). Returns the heat map's image (None without a critic)."""
    fake = fake.detach().float().cpu()
    pts = fake if real is None else torch.cat([fake, real.float().cpu()])
    finite = pts[torch.isfinite(pts).all(1)]
    lim = extent or float(max(finite.abs().max().item() if len(finite) else 1.0, 1e-3) * 1.15)
    im = None
    if critic is not None:
        n = 200
        axis = torch.linspace(-lim, lim, n)
        gx, gy = torch.meshgrid(axis, axis, indexing="xy")
        grid = torch.stack([gx.flatten(), gy.flatten()], 1)
        with torch.no_grad():
            logits = critic(grid / scale).float().cpu().view(n, n)
        im = ax.imshow(logits.numpy(), extent=(-lim, lim, -lim, lim), origin="lower", cmap="coolwarm_r",
                       alpha=0.75, aspect="equal")
        if contours:
            ax.contour(gx.numpy(), gy.numpy(), logits.numpy(), levels=contours, colors="black", linewidths=0.5,
                       alpha=0.45)
        if colorbar:
            ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="D logit (higher = more real)")
    if real is not None:
        ax.scatter(real[:, 0], real[:, 1], s=point_size, c="black", alpha=0.5, label="real", linewidths=0)
    ax.scatter(fake[:, 0], fake[:, 1], s=point_size, c="#ff7f0e", alpha=0.6, label="generated", linewidths=0)
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_title(title, fontsize=9)
    return im


def save_scatter(fake: Tensor, path: str | Path, real: Tensor | None = None,
                 critic: Callable[[Tensor], Tensor] | None = None, scale: float = 1.0,
                 extent: float | None = None, title: str = "") -> Path:
    """Real (black) and generated (orange) 2-D points in data coordinates, over D's logits as a heat map.

    `critic` takes points in training coordinates (data / scale) and returns logits; it is evaluated on a grid.
    """
    fig, ax = pyplot().subplots(figsize=(6, 6), dpi=110)
    draw_scatter(ax, fake, real=real, critic=critic, scale=scale, extent=extent, title=title)
    ax.legend(loc="upper right", markerscale=4, fontsize=8)
    return save_figure(fig, path)


def save_curves(records: Sequence[dict[str, Any]], path: str | Path, title: str = "") -> Path:
    """Loss curves (every `loss/*`, `reg/*`, `D/*`, `energy/*`, `began/*` key) and, when present, the 2-D quality
    metrics over steps."""
    plt = pyplot()
    loss_keys = sorted({k for r in records for k in r if k.startswith(("loss/", "reg/", "D/", "energy/", "began/"))})
    quality_keys = [k for k in ("toy/modes", "toy/hq") if any(k in r for r in records)]
    panels = 1 + bool(quality_keys)
    fig, axes = plt.subplots(1, panels, figsize=(6 * panels, 4), dpi=110, squeeze=False)
    ax = axes[0, 0]
    for key in loss_keys:
        pts = [(r["step"], r[key]) for r in records if isinstance(r.get(key), (int, float))]
        if pts:
            ax.plot(*zip(*pts), label=key, lw=1)
    ax.set_xlabel("generator step")
    ax.set_title("losses" + (f" - {title}" if title else ""), fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    if quality_keys:
        ax2 = axes[0, 1]
        for key in quality_keys:
            pts = [(r["step"], r[key]) for r in records if isinstance(r.get(key), (int, float))]
            if key == "toy/hq":
                twin = ax2.twinx()
                twin.plot(*zip(*pts), color="tab:orange", marker=".", label="high quality")
                twin.set_ylim(0, 1)
                twin.set_ylabel("fraction high quality", color="tab:orange")
            else:
                ax2.plot(*zip(*pts), color="tab:blue", marker=".", label="modes")
                ax2.set_ylabel("modes captured", color="tab:blue")
        ax2.set_xlabel("generator step")
        ax2.set_title("PacGAN quality", fontsize=9)
        ax2.grid(alpha=0.3)
    return save_figure(fig, path)
