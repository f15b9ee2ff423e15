"""The job behind every study of GAN training runs, and what study figures need from a finished run.

A run is an ordinary `ganforge train` of (preset, data, overrides, seed) with one torch thread, in its own folder
under the study. An interrupted run continues from its last checkpoint (exact resume), so stopping a study and
starting it again loses at most `train.ckpt_every` steps per run. Its final metrics are the last logged line
(losses, mean logits and, on 2-D mixtures, the PacGAN metrics toy/*) plus two facts about the final critic.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from ..config import Config
from ..config.parse import ConfigError, to_dict
from .spec import Run, RunRecord, Study, check_overrides, check_runs

# Reported by default: the PacGAN protocol (modes, % high quality, reverse KL, within-mode spread) and the critic's
# gradient norm. Runs on data without modes lack toy/*; the report shows "–" for them.
DEFAULT_METRICS = ("toy/modes", "toy/hq", "toy/reverse_kl", "toy/spread", "toy/width", "critic/grad_norm")
# Every study run: no progress bar or TensorBoard, and no intermediate pictures (the final samples.png stays).
# The study's and the user's overrides come after these, so they may change them.
RUN_DEFAULTS = ("output.progress=false", "output.tensorboard=false", "train.sample_every=0")
N_CRITIC_EVAL = 2500  # points for the critic statistics, as many as the PacGAN protocol's samples


def run_config(params: dict[str, Any], seed: int) -> Config:
    """The full config of one run: preset, data, overrides, then the study's seed and one thread (last, so that
    parallel runs never oversubscribe the cores)."""
    from ..config.presets import build_config

    return build_config(params["preset"], params["data"],
                        [*RUN_DEFAULTS, *params["overrides"], f"train.seed={seed}", "train.threads=1"])


def train_job(params: dict[str, Any], seed: int, run_dir: Path) -> dict[str, float]:
    """Train (or finish training) one GAN in run_dir; return its final logged metrics and critic statistics."""
    from ..tracking import read_jsonl
    from ..training.engine import Trainer, resume_trainer

    if (run_dir / "checkpoints" / "last.pt").is_file():   # an interrupted study: continue exactly where it stopped
        trainer = resume_trainer(run_dir)
    else:
        trainer = Trainer(run_config(params, seed), run_dir=run_dir)
    if trainer.step < trainer.cfg.train.steps:
        trainer.fit()
    final = read_jsonl(run_dir / "metrics.jsonl")[-1]
    # the logger writes non-finite values as strings ("inf": reverse KL with no high-quality sample)
    metrics = {k: float(v) for k, v in final.items()
               if k != "step" and (isinstance(v, (int, float)) or v in ("inf", "-inf", "nan"))}
    if trainer.spec.kind == "points":
        metrics.update(critic_statistics(trainer.D, trainer.real_points(N_CRITIC_EVAL) / trainer.data["scale"],
                                         trainer.generate(trainer.eval_z[:N_CRITIC_EVAL]).cpu(), seed=seed))
    return metrics


def critic_statistics(D: nn.Module, real: Tensor, fake: Tensor, seed: int = 0) -> dict[str, float]:
    """Facts about a critic on real and generated points (training coordinates):

    - critic/gap = E D(real) - E D(fake): for a 1-Lipschitz critic, its estimate of W1 (in training coordinates);
    - critic/grad_norm, critic/grad_norm_std: mean and std of ||grad_x D(x_hat)|| over the interpolates
      x_hat = eps real + (1 - eps) fake of WGAN-GP (Gulrajani et al. 2017), where that penalty pulls it to 1.

    None ({}) for a D with minibatch layers: its logit of a point depends on the rest of the batch, so neither number
    is a fact about a function of one point (and minibatch discrimination's cost grows with the batch squared).
    """
    from ..models.base import looks_across_the_batch
    from ..regularizers import interpolate

    if looks_across_the_batch(D):
        return {}

    device = next(D.parameters()).device
    real, fake = real.to(device).float(), fake.to(device).float()
    n = min(len(real), len(fake))
    pack = getattr(D, "pack", 1)
    n -= n % pack
    real, fake = real[:n], fake[:n]
    was_training = D.training
    D.eval()
    try:
        x_hat = interpolate(real, fake, torch.Generator(device=device).manual_seed(seed)).requires_grad_(True)
        (grad,) = torch.autograd.grad(D(x_hat).sum(), x_hat)   # [n, 2]: per point (a pack's logit sums its points')
        norms = grad.flatten(1).norm(dim=1)
        with torch.no_grad():
            gap = D(real).mean() - D(fake).mean()
    finally:
        D.train(was_training)
    return {"critic/gap": float(gap), "critic/grad_norm": float(norms.mean()),
            "critic/grad_norm_std": float(norms.std())}


def training_study(name: str, summary: str, configs: Sequence[tuple[str, str, str | None, Sequence[str]]],
                   seeds: Sequence[int], extra_overrides: Sequence[str] = (), metrics: Sequence[str] = DEFAULT_METRICS,
                   claim: str = "", figures: Callable[[list[RunRecord], Path], tuple[list[Path], str]] | None = None,
                   notes: str = "") -> Study:
    """A grid of training runs: each (label, preset, data, overrides) x each seed. Every config is built and
    validated now, so a typo fails before the first run starts rather than an hour into the study."""
    from ..config.validate import validate

    extra = check_overrides(extra_overrides)
    runs = []
    for label, preset, data, overrides in configs:
        params = {"preset": preset, "data": data, "overrides": [*check_overrides(overrides), *extra]}
        try:
            cfg = validate(run_config(params, seeds[0]))
        except ConfigError as err:
            raise ConfigError(f"study {name}, config '{label}': {err}") from None
        params["data"] = cfg.data.name
        # what the preset and overrides resolve to today, in the run's spec: a run made before a preset changed
        # (a ganforge upgrade) is then a run "made with other settings", never silently reused
        resolved = to_dict(cfg)
        del resolved["train"]["seed"]
        params["resolved"] = resolved
        for seed in seeds:
            runs.append(Run(label, seed, train_job, params, tags={"preset": preset, "data": cfg.data.name}))
    check_runs(runs)
    return Study(name, summary, runs, list(metrics), claim=claim, figures=figures or final_samples_figure,
                 notes=notes)


def final_samples_figure(records: list[RunRecord], out: Path) -> tuple[list[Path], str]:
    """The default figure of a training study: on 2-D data, each config's final samples over its critic (first
    seed; one row per data set); on images, links to each config's sample grid."""
    done = [r for r in records if r.status != "failed"]
    if not done:
        return [], ""

    def column(run: Run) -> str:
        return run.config.removesuffix(f"@{run.tags['data']}")

    if all((r.dir / "config.yaml").is_file() and _is_points(r.run.tags["data"]) for r in done):
        rows = list(dict.fromkeys(r.run.tags["data"] for r in done))
        cols = list(dict.fromkeys(column(r.run) for r in done))
        path = draw_run_grid(done, rows, cols, lambda run: (run.tags["data"], column(run)), out / "samples.png",
                             critic=True, title=lambda r: f"{r.run.config}, seed {r.run.seed}",
                             suptitle="final samples (orange), real data (black), critic logits; first seed")
        return [path], ""
    first = {}
    for r in sorted(done, key=lambda r: r.run.seed):
        first.setdefault(r.run.config, r)
    links = [f"- {c}: ![{c}]({(r.dir / 'samples.png').relative_to(out)})" for c, r in first.items()
             if (r.dir / "samples.png").is_file() and r.dir.is_relative_to(out)]
    return [], "## Final samples (first seed)\n\n" + "\n".join(links) if links else ""


def _is_points(data: str) -> bool:
    from ..data import POINT_DATASETS

    return data in POINT_DATASETS


# ------------------------------------------------------------------------------------------------ finished runs

@dataclass
class FinishedRun:
    """G and D of a finished 2-D run, for figures: samples and real points in data coordinates, D's logits."""

    cfg: Config
    G: Any                     # ganforge.api.LoadedGenerator (G_ema when the run kept one)
    D: nn.Module
    data: dict[str, Any]       # the checkpoint's data info: name, scale, modes, std

    def samples(self, n: int, seed: int = 0) -> Tensor:
        """n generated points in data coordinates, from fixed noise."""
        return self.G.sample(n, seed=seed)

    def real(self, n: int, seed: int = 0) -> Tensor:
        from ..data import ToyDistribution, build_dataset

        ds = build_dataset(self.cfg.data)
        if isinstance(ds, ToyDistribution):
            return ds.sample(n, torch.Generator().manual_seed(seed))
        return ds.points[:n]

    def critic(self, x: Tensor) -> Tensor:
        """D's logits at points in training coordinates (a packing D scores a pack of copies of each point)."""
        return self.D(x.repeat_interleave(getattr(self.D, "pack", 1), 0))

    @property
    def has_critic_map(self) -> bool:
        """Whether D scores points one by one, so its logits make a heat map (not with minibatch layers, nor for
        BiGAN's D, which scores (x, z) pairs)."""
        from ..models.base import looks_across_the_batch
        from ..models.encoder import JointDiscriminator

        return not looks_across_the_batch(self.D) and not isinstance(self.D, JointDiscriminator)


def load_finished_run(run_dir: str | Path) -> FinishedRun:
    from ..api import LoadedGenerator
    from ..artifacts.checkpoint import load_checkpoint
    from ..config import from_dict
    from ..losses import ENERGY_LOSSES

    state = load_checkpoint(run_dir)
    cfg = from_dict(state["config"])
    G = LoadedGenerator(state)
    D = G.discriminator()                # the family's D, or BiGAN's joint D(x, z)
    if cfg.loss.name in ENERGY_LOSSES:   # an autoencoder D's logit is -(the energy its loss trained): set its power
        D.power = ENERGY_LOSSES.get(cfg.loss.name).power
    return FinishedRun(cfg, G, D, state["data"])


def two_d_presets() -> list[str]:
    """Every preset that trains on 2-D points (not an image-only architecture, nor one that needs labels, as the
    semi-supervised GAN does), registered at run time."""
    from ..config.presets import PRESETS, build_config
    from ..models import DataSpec, resolve_model_name

    spec = DataSpec("points", (2,))
    models = {name: build_config(name, "ring8").model for name in PRESETS}
    return [name for name, m in models.items() if resolve_model_name(m, spec) == "mlp" and not m.semi_supervised]


def draw_run_grid(records: list[RunRecord], rows: Sequence[str], cols: Sequence[str], cell: Callable[[Run], tuple],
                  path: Path, critic: bool, title: Callable[[RunRecord], str], n: int = 2500,
                  panel: float = 3.2, suptitle: str = "") -> Path:
    """One panel per (row, col) of finished 2-D runs (the first seed of each cell): generated points over real
    ones, and D's logits as a heat map with level lines when `critic` (the engine's scatter drawing,
    artifacts.plots.draw_scatter).
    `cell(run)` says which (row, col) a run belongs to. Colour bars give each critic's logit range."""
    from ..artifacts.plots import draw_scatter, pyplot, save_figure

    plt = pyplot()
    first: dict[tuple, RunRecord] = {}
    for r in sorted(records, key=lambda r: r.run.seed):
        if r.status != "failed":
            first.setdefault(cell(r.run), r)
    fig, axes = plt.subplots(len(rows), len(cols), figsize=(panel * len(cols) * (1.2 if critic else 1.0),
                                                            panel * len(rows)), dpi=75, squeeze=False)
    for i, row in enumerate(rows):
        for j, col in enumerate(cols):
            ax = axes[i, j]
            record = first.get((row, col))
            if record is None:
                ax.set_visible(False)
                continue
            run = load_finished_run(record.dir)
            with torch.no_grad():
                im = draw_scatter(ax, run.samples(n, seed=0), real=run.real(n, seed=1),
                                  critic=run.critic if critic and run.has_critic_map else None,
                                  scale=run.data["scale"],
                                  title=title(record), colorbar=False, point_size=1.5,
                                  contours=12 if critic else 0)
            if im is not None:
                bar = fig.colorbar(im, ax=ax, fraction=0.046, pad=0.03)
                bar.ax.tick_params(labelsize=6)
            ax.tick_params(labelsize=7)
    if suptitle:
        fig.suptitle(suptitle, fontsize=10)
    return save_figure(fig, path)
