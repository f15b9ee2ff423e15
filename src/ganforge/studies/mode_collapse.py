"""Study `mode-collapse`: the plain GAN against the fixes that exist, on the 2-D mixtures ring8 and grid25.

Mode collapse (lecture: "The mode collapses to a single point"; Goodfellow 2016's tutorial): G puts its mass on a
few of the data's modes. The PacGAN protocol measures it on mixtures with known modes (Lin et al. 2018, after
Srivastava et al. 2017): modes captured, % high-quality samples (within 3 std of a mode), reverse KL of the
captured-mode histogram against uniform, and within-mode spread (1 = honest width). The engine logs these as
toy/* at a run's last step; the study compares `gan` with every other preset that trains on 2-D points at run
time (pacgan's packing, WGAN's clipping, WGAN-GP's penalty, least squares, hinge, and whatever is added later),
except gan-minimax, whose saturating loss is the `saturation` study's subject.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .spec import RunRecord, Study, StudyOptions, seed_list
from .training import draw_run_grid, training_study, two_d_presets

DATA = ("ring8", "grid25")
MODES = {"ring8": 8, "grid25": 25}
QUICK_PRESETS = ("gan", "pacgan", "wgan-gp")
QUICK_OVERRIDES = ("train.steps=1000",)
METRICS = ["toy/modes", "toy/hq", "toy/reverse_kl", "toy/spread", "toy/width"]


def presets() -> list[str]:
    """`gan` first, then every other 2-D preset registered now (gan-minimax left to the saturation study)."""
    found = [p for p in two_d_presets() if p not in ("gan", "gan-minimax")]
    return ["gan", *found]


def figures(records: list[RunRecord], out: Path) -> tuple[list[Path], str]:
    from ..artifacts.plots import pyplot, save_figure

    names = list(dict.fromkeys(r.run.tags["preset"] for r in records))

    def title(r: RunRecord) -> str:
        m = r.metrics
        return (f"{r.run.tags['preset']} on {r.run.tags['data']}: {m.get('toy/modes', float('nan')):.0f}/"
                f"{MODES[r.run.tags['data']]} modes, {100 * m.get('toy/hq', float('nan')):.0f}% HQ")

    scatter = draw_run_grid(records, DATA, names, lambda run: (run.tags["data"], run.tags["preset"]),
                            out / "mode-collapse.png", critic=False, title=title,
                            suptitle="final samples (orange) over real data (black), first seed")

    # Bars: each metric per preset, one bar per data set; modes as a fraction of the data's modes.
    plt = pyplot()
    fig, axes = plt.subplots(1, len(METRICS), figsize=(4.2 * len(METRICS), 3.8), dpi=100)
    width = 0.8 / len(DATA)
    for ax, metric in zip(axes, METRICS):
        for k, data in enumerate(DATA):
            for j, preset in enumerate(names):
                vals = [r.metrics[metric] for r in records if r.status != "failed" and metric in r.metrics
                        and r.run.tags == {"preset": preset, "data": data}]
                vals = [v / MODES[data] if metric == "toy/modes" else v for v in vals if np.isfinite(v)]
                if not vals:
                    continue
                x = j + (k - (len(DATA) - 1) / 2) * width
                ax.bar(x, np.mean(vals), width=width, yerr=np.std(vals, ddof=1) if len(vals) > 1 else None,
                       color=f"C{k}", alpha=0.7, capsize=2, label=data if j == 0 else None)
                ax.scatter([x] * len(vals), vals, s=8, color="black", zorder=3)
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels(names, rotation=30, ha="right", fontsize=8)
        ax.set_title({"toy/modes": "modes captured / modes", "toy/hq": "fraction high quality",
                      "toy/reverse_kl": "reverse KL (0 = balanced)", "toy/spread": "spread (1 = honest)",
                      "toy/width": "width (1 = honest)"}[metric],
                     fontsize=10)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=8)
    bars = save_figure(fig, out / "mode-collapse-bars.png")
    return [scatter, bars], ""


def build(options: StudyOptions) -> Study:
    names = presets()
    if options.quick:
        names = [p for p in QUICK_PRESETS if p in names]
    seeds = seed_list(options.seeds or (1 if options.quick else 3), "seeds")
    extra = QUICK_OVERRIDES if options.quick else ()
    configs = [(f"{p}@{d}", p, d, extra) for d in DATA for p in names]
    claim = ("A GAN's generator tends to cover only some of the data's modes (mode collapse); packing samples in "
             "D (PacGAN) and the Wasserstein critic (\"no sign of mode collapse in experiments\") are fixes "
             "(lecture: mode collapse, minibatch discrimination, WGAN).")
    notes = ("Each run is the preset's own 2-D recipe (`ganforge presets`)"
             + (f", shortened by `{' '.join(QUICK_OVERRIDES)}` (--quick)" if options.quick else "")
             + "; metrics of 2,500 samples of the final G (PacGAN protocol).")
    return training_study("mode-collapse", "gan against every other 2-D preset on ring8 and grid25: modes, % high "
                          "quality, reverse KL, spread", configs, seeds, extra_overrides=options.overrides,
                          metrics=METRICS, claim=claim, figures=figures, notes=notes)
