"""The training engine: alternating D and G updates (Goodfellow et al. 2014, Algorithm 1), with everything a
run needs around them: seeding, devices, EMA, logging, samples, metrics, checkpoints, resume, signals.

    for step in steps:
        k times:  real, c <- data;  z ~ p(z);  D update (+ penalties, + clipping)       (n_critic = k)
                  [every reg_every D updates: lazy R1/R2 update];  [historical average of D]
        z ~ p(z);  G update (+ penalties; against D unrolled when train.unroll);  [historical average of G]
        (or, with train.consensus: one simultaneous update of G and D)
        (BEGAN: k_t update);  [D_ema <- EMA(D), train.d_ema];  G_ema <- EMA(G)
        every N steps: scalars, samples, 2-D metrics, checkpoint

p(z) is G's latent prior (G.latent: N(0, I), with a one-hot part when model.z_categories > 0).

Energy losses (BEGAN, EBGAN) train an autoencoder D on its reconstruction energies with the energy steps (instance
noise and the weight penalties included); their state (BEGAN's k_t) is checkpointed with everything else.

VAE (loss.name=vae, training/vae.py): G is the decoder and a third network, the encoder E (the family's D trunk
with a Gaussian head, models/encoder.py), is trained jointly with it by `vae_step`, with its own optimiser (same
rate as G's: one objective). VAE-GAN (loss.name=vaegan, Larsen et al. 2016) also trains D, by `vaegan_step`. E and
its optimiser are checkpointed in explicit slots 'E' and 'opt_E' (None in GAN runs). The pure VAE still builds D
so that every tool expecting a pair works, but never trains it: its checkpoint's 'D' is the initial weights. eps of
the reparameterisation (and VAE-GAN's z_p) are drawn from G.latent (N(0, I)) with the noise generator.

BiGAN / ALI (model.encoder=deterministic|gaussian, training/bigan.py): D is the joint D(x, z) of models/encoder.py
and E is trained with G on D's loss with the pairs swapped; E and opt_E take the VAE's slots, and both runs write
samples/reconstructions.png and log recon/mse (G(E(x)) on fixed data) at every evaluation.

Class-conditional runs (model.conditioning): c are the labels of the data batch. The D step makes its fakes with the
real batch's labels; the G step reuses the labels of the last real batch, so G is trained on each class as often as
the data holds it, relativistic losses compare reals and fakes of the same classes, and no extra random draw is
needed (resume stays exact with nothing new to save). Samples for pictures and metrics take balanced classes.

InfoGAN runs (model.info_head) add lambda * the mutual-information term to both players' losses (training/step.py)
and write samples/traversal.png at the end: one code varied per row, the others fixed. Semi-supervised runs
(model.semi_supervised) draw a second stream of batches from the labelled subset (data.labels_per_class, balanced,
drawn with train.seed) for D's supervised term; its position is checkpointed with the main stream's.

Exactness of resume: every random draw of training comes from generators whose states are checkpointed (the data
stream's, the noise generator, torch's global CPU/CUDA state); samples and metrics use their own fixed generators,
so looking at a run never changes it.
"""

from __future__ import annotations

import copy
import datetime
import json
import math
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from .. import __version__
from ..artifacts.checkpoint import load_checkpoint, save_checkpoint
from ..artifacts.plots import save_curves, save_image_grid, save_scatter
from ..config import Config, from_dict, save_yaml, to_dict
from ..config.validate import VAE_LOSSES, validate
from ..data import BatchStream, Dataset, ToyDistribution, build_dataset, labelled_subset
from ..losses import ENERGY_LOSSES, LOSSES, EnergyLoss, GANLoss
from ..losses.tricks import smooth_real_labels
from ..metrics.toy2d import mode_quality
from ..models import DataSpec, build_models, resolve_model_name
from ..models.base import looks_across_the_batch, weight_norm_init_from_data
from ..models.encoder import build_encoder, build_joint_discriminator
from ..nn.conditional import balanced_labels
from ..regularizers import HistoricalAverage, LazyRegularization, instance_noise_std
from ..sampling import RatioCritic, RejectionSampler, fit_rejection_sampler
from ..tracking import RunLogger, read_jsonl
from .bigan import bigan_d_step, bigan_ge_step, reconstruction_errors
from .consensus import consensus_step
from .ema import debiased_decay, ema_copy, ema_update
from .optim import build_optimizer, lr_factor, set_lr
from .semi import classifier_accuracy
from .step import d_reg_step, d_step, energy_d_step, energy_g_step, g_step
from .vae import reconstruct, vae_step, vaegan_step

N_TOY_EVAL = 2500  # samples for the PacGAN protocol


class TrainingDiverged(RuntimeError):
    """NaN or Inf in the losses or weights. The last good checkpoint is kept."""


class TrainingInterrupted(RuntimeError):
    """Ctrl-C or SIGTERM: a checkpoint was written at the last finished step."""


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"train.device={name} but CUDA is not available here; use train.device=cpu or auto")
    return device


def data_info(dataset: Dataset) -> dict[str, Any]:
    """What a checkpoint keeps of the data so that sampling needs no dataset: shape, scale, modes."""
    is_points = dataset.kind == "points"
    return {
        "name": dataset.name,
        "spec": DataSpec(dataset.kind, tuple(dataset.shape), dataset.num_classes).to_dict(),
        "scale": float(getattr(dataset, "scale", 1.0)) if is_points else 1.0,
        "modes": getattr(dataset, "modes", None),
        "std": getattr(dataset, "std", None),
    }


@dataclass
class RunResult:
    run_dir: Path
    checkpoint: Path
    step: int
    metrics: dict[str, float] = field(default_factory=dict)


class Trainer:
    """Owns G, D, G_ema, both optimisers, the data stream and the RNG states of one run."""

    def __init__(self, cfg: Config, run_dir: str | Path | None = None, resume: dict[str, Any] | None = None) -> None:
        validate(cfg)
        self.cfg = cfg
        t = cfg.train
        if t.threads > 0:
            torch.set_num_threads(t.threads)
        self.device = resolve_device(t.device)
        if self.device.type == "cuda":
            torch.backends.cudnn.benchmark = True  # exact resume is promised on CPU; on GPU we take the speed
        self.dataset = build_dataset(cfg.data)
        self.data = data_info(self.dataset)
        self.spec = DataSpec.from_dict(self.data["spec"])

        torch.manual_seed(t.seed)  # network initialisation
        G, D = build_models(cfg.model, self.spec)
        self.bigan = cfg.model.encoder != "none"               # BiGAN / ALI: D judges (x, z) pairs
        if self.bigan:
            D = build_joint_discriminator(cfg.model, self.spec, G.latent.dim)
        self.G, self.D = G.to(self.device), D.to(self.device)
        if resume is None:   # weight norm's data-dependent init (no random draw); a resumed run loads its result
            weight_norm_init_from_data(cfg.model, self.D, self.dataset, self.device)
        self.G_ema = copy.deepcopy(self.G).eval().requires_grad_(False) if t.ema > 0 else None
        # train.d_ema: the running average of D's weights a semi-supervised run is scored with (after the init above)
        self.D_ema = copy.deepcopy(self.D).eval().requires_grad_(False) if t.d_ema > 0 else None
        # Lazy R1/R2 add D updates; StyleGAN2 slows D's optimiser by c = N / (N + 1) to make up for them.
        self.lazy = LazyRegularization(cfg.reg.reg_every) if cfg.reg.reg_every > 1 else None
        self.d_lr, d_betas = cfg.optim.d_lr, (cfg.optim.beta1, cfg.optim.beta2)
        if self.lazy is not None:
            self.d_lr, d_betas = self.lazy.adam_hparams(self.d_lr, d_betas)
        self.opt_G = build_optimizer(self.G.parameters(), cfg.optim, cfg.optim.g_lr)
        self.opt_D = build_optimizer(self.D.parameters(), cfg.optim, self.d_lr, betas=d_betas)
        self.E: nn.Module | None = None                         # the VAE's encoder, and its optimiser (G's rate)
        self.opt_E: torch.optim.Optimizer | None = None
        if cfg.loss.name in VAE_LOSSES:
            if cfg.loss.decoder == "bernoulli" and self.spec.kind != "images":
                raise ValueError("loss.decoder=bernoulli reads pixels as probabilities and needs images; 2-D points "
                                 "take loss.decoder=gaussian")
            self.E = build_encoder(cfg.model, self.spec, self.G.latent.dim).to(self.device)
            self.opt_E = build_optimizer(self.E.parameters(), cfg.optim, cfg.optim.g_lr)
        elif self.bigan:
            self.E = build_encoder(cfg.model, self.spec, self.G.latent.dim, kind=cfg.model.encoder).to(self.device)
            self.opt_E = build_optimizer(self.E.parameters(), cfg.optim, cfg.optim.g_lr)
        self.loss: GANLoss | None = None        # a logit loss, or
        self.energy: EnergyLoss | None = None   # an energy loss (with its state) for an autoencoder D
        if cfg.loss.name == "vaegan":
            self.loss = LOSSES.get("ns")        # Larsen et al.'s GAN loss (with the non-saturating decoder term)
        elif cfg.loss.name in VAE_LOSSES:
            pass                                # no adversarial loss: vae_step owns the objective
        elif cfg.loss.name in ENERGY_LOSSES:
            self.energy = ENERGY_LOSSES.get(cfg.loss.name).from_config(cfg.loss, self.device)
            self.D.power = self.energy.power    # D(x) = -(the energy this loss uses): plots read D's logits
        else:
            self.loss = smooth_real_labels(LOSSES.get(cfg.loss.name), cfg.loss.real_label)
        # Historical averaging: the running means of G's and D's past weights (checkpointed).
        self.hist_G = HistoricalAverage() if cfg.reg.hist_weight > 0 else None
        self.hist_D = HistoricalAverage() if cfg.reg.hist_weight > 0 else None
        self.num_classes: int | None = getattr(self.G, "num_classes", None)  # K of a class-conditional G
        # AC-GAN's class cross-entropy weight (losses/auxiliary.py); 0 for every other conditioning
        self.ac_weight = (cfg.loss.ac_weight or 1.0) if cfg.model.conditioning == "acgan" else 0.0
        # InfoGAN's lambda (losses/info.py); 0 without a Q head
        self.info_weight = (cfg.loss.info_weight or 1.0) if cfg.model.info_head else 0.0
        self.stream = BatchStream(self.dataset, t.batch_size, seed=t.seed, device=self.device)
        # Semi-supervised GAN: batches of the few labelled images, for D's supervised term (None = off)
        self.labelled: BatchStream | None = None
        if cfg.model.semi_supervised:
            subset = labelled_subset(self.dataset, cfg.data.labels_per_class, t.seed)  # type: ignore[arg-type]
            self.labelled = BatchStream(subset, min(t.batch_size, len(subset)), seed=t.seed + 4, device=self.device)
        self.noise = torch.Generator(device=self.device).manual_seed(t.seed + 1)  # z for training
        self.latent = self.G.latent
        self.z_dim = self.latent.dim
        fixed = torch.Generator().manual_seed(t.seed + 2)  # fixed z for sample grids and 2-D metrics
        self.fixed_z = self.latent.sample(cfg.output.n_samples, fixed).to(self.device)
        self.eval_z = self.latent.sample(N_TOY_EVAL, fixed).to(self.device)
        self.step = 0
        self.last_checkpoint: Path | None = None
        self.rejection: RejectionSampler | None = None  # sampler.name=drs: fitted when training ends
        self._bad = torch.zeros((), dtype=torch.bool, device=self.device)  # any non-finite loss since last check
        self._window: dict[str, Tensor] = {}  # per-step scalars summed on the device until the next log step
        self._window_counts: dict[str, int] = {}  # how many steps logged each (lazy penalties: only some do)
        if resume is not None:
            self.load_state_dict(resume)
        self.run_dir = Path(run_dir) if run_dir is not None else default_run_dir(cfg)
        self._stop_signal: str | None = None
        self.evaluator = self._build_evaluator()
        if cfg.sampler.name == "drs" and self.spec.kind != "points":
            raise ValueError("sampler.name=drs is implemented for 2-D points (its critic is an MLP on coordinates); "
                             "use sampler.name=direct for images")

    def _build_evaluator(self):
        """Image scores during training (FID etc. through ganforge.metrics.evaluate), when eval.metrics is set."""
        e = self.cfg.eval
        if not e.metrics:
            return None
        if self.spec.kind != "images":
            raise ValueError("eval.metrics scores image generators; 2-D runs log the PacGAN metrics (toy/*) instead")
        from ..metrics.evaluate import PeriodicEvaluator

        ref = e.ref or f"{self.data['name']}:test"
        return PeriodicEvaluator(metrics=e.metrics, n=e.n, ref=ref, extractor=e.extractor, best=e.best)

    # ---- state -------------------------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        rng: dict[str, Any] = {"torch_cpu": torch.get_rng_state(), "noise": self.noise.get_state(),
                               "stream": self.stream.state_dict()}
        if self.labelled is not None:
            rng["labelled"] = self.labelled.state_dict()
        if self.device.type == "cuda":
            rng["torch_cuda"] = torch.cuda.get_rng_state(self.device)
        return {
            "ganforge_version": __version__,
            "step": self.step,
            "config": to_dict(self.cfg),
            "data": self.data,
            "G": self.G.state_dict(),
            "D": self.D.state_dict(),
            "G_ema": self.G_ema.state_dict() if self.G_ema is not None else None,
            "D_ema": self.D_ema.state_dict() if self.D_ema is not None else None,
            "opt_G": self.opt_G.state_dict(),
            "opt_D": self.opt_D.state_dict(),
            "E": self.E.state_dict() if self.E is not None else None,             # the VAE's encoder
            "opt_E": self.opt_E.state_dict() if self.opt_E is not None else None,
            "hist_G": self.hist_G.state_dict() if self.hist_G is not None else None,
            "hist_D": self.hist_D.state_dict() if self.hist_D is not None else None,
            "loss_state": self.energy.state_dict() if self.energy is not None else {},   # BEGAN: k_t
            "rng": rng,
            # the fitted rejection sampler, for sampling; a resumed run refits it at its end
            "sampler": self.rejection.state_dict() if self.rejection is not None else None,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.G.load_state_dict(state["G"])
        self.D.load_state_dict(state["D"])
        if self.G_ema is not None:
            self.G_ema.load_state_dict(state["G_ema"] if state.get("G_ema") is not None else state["G"])
        if self.D_ema is not None:   # a checkpoint from before train.d_ema was switched on: start from D
            self.D_ema.load_state_dict(state["D_ema"] if state.get("D_ema") is not None else state["D"])
        self.opt_G.load_state_dict(state["opt_G"])
        self.opt_D.load_state_dict(state["opt_D"])
        if self.E is not None and self.opt_E is not None:
            self.E.load_state_dict(state["E"])
            self.opt_E.load_state_dict(state["opt_E"])
        for history, key in ((self.hist_G, "hist_G"), (self.hist_D, "hist_D")):
            if history is not None and state.get(key) is not None:  # else averaging starts now (switched on at resume)
                history.load_state_dict({"count": state[key]["count"],
                                         "mean": [m.to(self.device) for m in state[key]["mean"]]})
        if self.energy is not None:
            self.energy.load_state_dict(state["loss_state"])
        rng = state["rng"]
        torch.set_rng_state(rng["torch_cpu"])
        self.noise.set_state(rng["noise"].to(self.noise.device) if self.device.type == "cpu" else rng["noise"])
        self.stream.load_state_dict(rng["stream"])
        if self.labelled is not None:
            self.labelled.load_state_dict(rng["labelled"])
        if self.device.type == "cuda" and "torch_cuda" in rng:
            torch.cuda.set_rng_state(rng["torch_cuda"], self.device)
        self.step = int(state["step"])

    def save(self, name: str = "last.pt") -> Path:
        """Atomic checkpoint; refuses to overwrite a good checkpoint with non-finite weights."""
        if not all(torch.isfinite(p).all() for p in self.G.parameters()) or \
                not all(torch.isfinite(p).all() for p in self.D.parameters()):
            raise TrainingDiverged(self._diverged_message())
        path = save_checkpoint(self.state_dict(), self.run_dir / "checkpoints" / name)
        self.last_checkpoint = path
        return path

    # ---- sampling and looking ------------------------------------------------------------------------------------
    @property
    def sampler(self) -> nn.Module:
        """The network samples come from: G_ema when averaging is on, else G."""
        return self.G_ema if self.G_ema is not None else self.G

    @torch.no_grad()
    def generate(self, z: Tensor, c: Tensor | None = None) -> Tensor:
        """Samples of z [N, z_dim] (labels c [N] for a conditional G; None = balanced classes 0, 1, ..., K-1, 0...)."""
        G = self.sampler
        if self.num_classes is None:
            c_chunks: list[Tensor | None] = [None] * len(z.split(1024))
        else:
            c = balanced_labels(len(z), self.num_classes, z.device) if c is None else c.to(z.device)
            c_chunks = list(c.split(1024))
        was_training = G.training
        G.eval()
        out = torch.cat([G(chunk, c_chunk) for chunk, c_chunk in zip(z.split(1024), c_chunks)])
        G.train(was_training)
        return out

    def to_data_coords(self, x: Tensor) -> Tensor:
        return x * self.data["scale"] if self.spec.kind == "points" else x

    @torch.no_grad()
    def toy_metrics(self) -> dict[str, float]:
        """PacGAN metrics of what the run samples: G(z), or, once a rejection sampler is fitted, its refined samples
        (then G's own are toy_g/* and the acceptance rate toy/drs_accept)."""
        if self.data["modes"] is None:
            return {}
        quality = lambda x: mode_quality(x, self.data["modes"], self.data["std"])  # noqa: E731
        from_g = quality(self.to_data_coords(self.generate(self.eval_z)).cpu())
        if self.rejection is None:
            return {f"toy/{k}": v for k, v in from_g.items()}
        try:
            refined, rate = self.refined_points(N_TOY_EVAL)
        except RuntimeError as err:  # acceptance too low to be useful: keep the run, drop the sampler, say so
            print(f"\nsampler.name=drs dropped: {err}", file=sys.stderr)
            self.rejection = None
            return {f"toy/{k}": v for k, v in from_g.items()}
        return {**{f"toy/{k}": v for k, v in quality(refined).items()}, "toy/drs_accept": rate,
                **{f"toy_g/{k}": v for k, v in from_g.items()}}

    def refined_points(self, n: int) -> tuple[Tensor, float]:
        """n points (data coordinates) from the rejection sampler, with a fixed seed, and the acceptance rate."""
        assert self.rejection is not None
        x, rate = self.rejection.sample(self.generate, self.latent, n,
                                        torch.Generator().manual_seed(self.cfg.train.seed + 2), self.device)
        return self.to_data_coords(x), rate

    def fit_rejection(self) -> None:
        """Discriminator rejection sampling (sampling/rejection.py): a density-ratio critic trained against the
        final G, which stays fixed. Its randomness comes from its own seeds, so training's state is untouched."""
        s, seed = self.cfg.sampler, self.cfg.train.seed
        critic = RatioCritic(in_features=2, fourier_sigma=s.drs_fourier, seed=seed + 4)
        stream = BatchStream(self.dataset, s.drs_batch_size, seed=seed + 4, device=self.device)
        print(f"\nsampler.name=drs: training the density-ratio critic for {s.drs_steps} steps with G fixed",
              file=sys.stderr)
        self.rejection = fit_rejection_sampler(
            critic, self.generate, self.latent, lambda: stream.next()[0], s.drs_steps, s.drs_lr, s.drs_gamma,
            generator=torch.Generator().manual_seed(seed + 5), device=self.device, progress=self.cfg.output.progress,
            m_quantile=s.drs_m_quantile, burn_in=s.drs_burn_in, min_accept=s.drs_min_accept)

    @torch.no_grad()
    def save_samples(self, path: Path) -> Path:
        if self.spec.kind == "images" and self.num_classes:
            # one row per class, one fixed z per column: style stays put down a column while the class changes
            cols = math.ceil(len(self.fixed_z) / self.num_classes)
            z = self.fixed_z[:cols].repeat(self.num_classes, 1)                  # [K * cols, z_dim], row-major
            c = torch.arange(self.num_classes, device=self.device).repeat_interleave(cols)
            return save_image_grid(self.generate(z, c), path, nrow=cols)
        if self.spec.kind == "images":
            return save_image_grid(self.generate(self.fixed_z), path)
        fake = self.to_data_coords(self.generate(self.eval_z)).cpu() if self.rejection is None else \
            self.refined_points(len(self.eval_z))[0]
        real = self.real_points(len(fake))
        D = self.D
        was_training = D.training
        D.eval()
        try:
            pack = getattr(D, "pack", 1)  # a packing D scores a grid point as a pack of copies of it
            critic = lambda x: D(x.to(self.device).repeat_interleave(pack, 0))  # noqa: E731
            if looks_across_the_batch(D) or self.cfg.loss.name == "vae" or self.bigan:  # logits that depend
                critic = None          # on grid neighbours, the VAE's untrained D, or BiGAN's D of (x, z) pairs
            return save_scatter(fake, path, real=real, critic=critic, scale=self.data["scale"],
                                title=f"{self.cfg.preset} on {self.data['name']}, step {self.step}")
        finally:
            D.train(was_training)

    @torch.no_grad()
    def save_reconstructions(self, path: Path) -> Path:
        """Reconstructions G(E.encode(x)) of fixed data (VAE: G(mu(x)); BiGAN: G(E(x))): images, alternate rows of
        reals and their reconstructions; points, the reconstructions scattered over the reals."""
        assert self.E is not None
        modules = (self.G, self.E)
        modes = [m.training for m in modules]
        for m in modules:
            m.eval()
        try:
            if self.spec.kind == "images":
                n = self.cfg.output.n_samples
                real = self.dataset.batch(torch.arange(min(n, len(self.dataset))))[0].to(self.device)  # [-1, 1]
                cols = max(1, int(math.sqrt(n)))
                rows = [t for i in range(0, len(real), cols)
                        for t in (real[i:i + cols], reconstruct(self.G, self.E, real[i:i + cols]))]
                return save_image_grid(torch.cat(rows), path, nrow=cols)
            real = self.real_points(N_TOY_EVAL)
            recon = self.to_data_coords(reconstruct(self.G, self.E, (real / self.data["scale"]).to(self.device)))
            return save_scatter(recon.cpu(), path, real=real, scale=self.data["scale"],
                                title=f"{self.cfg.preset} reconstructions on {self.data['name']}, step {self.step}")
        finally:
            for m, mode in zip(modules, modes):
                m.train(mode)

    @torch.no_grad()
    def reconstruction_metrics(self, n: int = 512) -> dict[str, float]:
        """recon/* of `reconstruction_errors` on fixed data (the first n images, or n of the fixed 2-D points), in
        training coordinates, with a fixed prior draw for the random-latent baseline; G and E in eval mode, and
        no generator of training is touched, so evaluating never changes the run."""
        assert self.E is not None
        if self.spec.kind == "images":
            x = self.dataset.batch(torch.arange(min(n, len(self.dataset))))[0]
        else:
            x = self.real_points(n) / self.data["scale"]
        z = self.latent.sample(len(x), torch.Generator().manual_seed(self.cfg.train.seed + 6))
        modules = (self.G, self.E)
        modes = [m.training for m in modules]
        for m in modules:
            m.eval()
        try:
            return reconstruction_errors(self.G, self.E, x.to(self.device), z.to(self.device))
        finally:
            for m, mode in zip(modules, modes):
                m.train(mode)

    def real_points(self, n: int) -> Tensor:
        """n data points in data coordinates, the same ones every call (a fixed generator): for pictures and scores."""
        ds = self.dataset
        if isinstance(ds, ToyDistribution):
            return ds.sample(n, torch.Generator().manual_seed(self.cfg.train.seed + 3))
        return ds.points[:n]

    # ---- the loop --------------------------------------------------------------------------------------------------
    def fit(self) -> RunResult:
        cfg, t = self.cfg, self.cfg.train
        resumed = self.step > 0
        self.run_dir.mkdir(parents=True, exist_ok=True)
        (self.run_dir / "samples").mkdir(exist_ok=True)
        save_yaml(cfg, self.run_dir / "config.yaml")
        if resumed:
            _truncate_jsonl(self.run_dir / "metrics.jsonl", self.step)
        if self.evaluator is not None:
            self.evaluator.setup(self)
        semi_test = self._semi_test_split()
        logger = RunLogger(self.run_dir, tensorboard=cfg.output.tensorboard, append=resumed)
        n_params = sum(p.numel() for p in self.G.parameters()), sum(p.numel() for p in self.D.parameters())
        print(f"ganforge {__version__}: preset {cfg.preset}, data {self.data['name']} {list(self.spec.shape)}, "
              f"model {resolve_model_name(cfg.model, self.spec)} (G {n_params[0]:,} / D {n_params[1]:,} params), "
              f"loss {cfg.loss.name}" + (f", {cfg.model.conditioning}-conditional on {self.num_classes} classes"
                                         if self.num_classes else "") + f", device {self.device}", file=sys.stderr)
        print(f"run directory: {self.run_dir}" + (f" (resuming at step {self.step})" if resumed else ""),
              file=sys.stderr)

        self._window, self._window_counts = {}, {}
        last_time, last_step = time.perf_counter(), self.step
        metrics: dict[str, float] = {}
        progress = _progress_bar(self.step, t.steps, cfg.output.progress)
        previous_handlers = self._install_signal_handlers()
        deadline = time.perf_counter() + 60 * t.max_minutes if t.max_minutes > 0 else math.inf
        try:
            while self.step < t.steps:
                if self._stop_signal is not None:
                    raise TrainingInterrupted(self._stop_signal)
                self.train_step()
                progress.update(1)

                out_of_time = time.perf_counter() >= deadline
                if out_of_time:
                    print(f"\ntrain.max_minutes={t.max_minutes:g} reached at step {self.step}", file=sys.stderr)
                done = self.step == t.steps or out_of_time
                evaluate_now = done or bool(t.eval_every and self.step % t.eval_every == 0)
                if done and cfg.sampler.name == "drs":
                    self.fit_rejection()
                if self.step % t.log_every == 0 or evaluate_now:
                    if self._bad.item():
                        raise TrainingDiverged(self._diverged_message())
                    now = time.perf_counter()
                    scalars = {k: v.item() / self._window_counts[k] for k, v in self._window.items()}
                    scalars["lr_factor"] = lr_factor(cfg.optim, self.step - 1, t.steps)
                    scalars["samples_per_s"] = (self.step - last_step) * t.batch_size * t.n_critic / (now - last_time)
                    self._window, self._window_counts, last_time, last_step = {}, {}, now, self.step
                    if evaluate_now:
                        if self.data["modes"] is not None:
                            scalars.update(self.toy_metrics())
                        if self.evaluator is not None:
                            scalars.update(self.evaluator(self))
                        if self.E is not None:
                            scalars.update(self.reconstruction_metrics())
                        if semi_test is not None:          # the semi-supervised D as a classifier, held out
                            scalars["semi/test_acc"] = classifier_accuracy(self.D, *semi_test)
                            if self.D_ema is not None:
                                scalars["semi/test_acc_ema"] = classifier_accuracy(self.D_ema, *semi_test)
                    logger.log(self.step, scalars)
                    progress.set_postfix({k.split("/")[-1] if k.startswith("loss/") else k: f"{v:.3g}"
                                          for k, v in scalars.items() if k.startswith(("loss/", "toy/m", "toy/hq"))})
                    metrics = scalars
                if t.sample_every and self.step % t.sample_every == 0 and not done:
                    self.save_samples(self.run_dir / "samples" / f"step_{self.step:07d}.png")
                if t.ckpt_every and self.step % t.ckpt_every == 0 and not done:
                    self.save()
                if done:
                    break
        except TrainingInterrupted as stop:
            progress.close()
            path = self.save()
            logger.close()
            raise TrainingInterrupted(f"{stop} at step {self.step}: checkpoint written to {path}; continue with "
                                      f"`ganforge train --resume {self.run_dir}`") from None
        except TrainingDiverged:
            progress.close()
            logger.close()
            raise
        finally:
            self._restore_signal_handlers(previous_handlers)
        progress.close()
        logger.close()
        path = self.save()
        self.finish(metrics)
        return RunResult(self.run_dir, path, self.step, metrics)

    def _semi_test_split(self) -> tuple[Tensor, Tensor] | None:
        """A semi-supervised run's held-out split (uint8 images, labels), on which D's accuracy as a classifier is
        logged as semi/test_acc (and D_ema's as semi/test_acc_ema, with train.d_ema) at every evaluation
        (train.eval_every, and at the end): MNIST's test set, digits' held-out 360
        (ganforge.metrics.classifier.load_split). None for other runs and other data."""
        from ..metrics.classifier import CLASSIFIER_DATASETS, load_split

        if not self.cfg.model.semi_supervised or self.data["name"] not in CLASSIFIER_DATASETS:
            return None
        return load_split(self.data["name"], "test", self.cfg.data.root)

    def train_step(self) -> dict[str, Tensor]:
        """One generator step: n_critic D updates, one G update, the EMA (or, with train.consensus, one
        simultaneous update of both, then the EMA); returns detached scalars (no sync)."""
        cfg, t = self.cfg, self.cfg.train
        if cfg.optim.lr_decay != "none":
            factor = lr_factor(cfg.optim, self.step, t.steps)
            set_lr(self.opt_G, cfg.optim.g_lr * factor)
            set_lr(self.opt_D, self.d_lr * factor)
            if self.opt_E is not None:
                set_lr(self.opt_E, cfg.optim.g_lr * factor)
        noise_std = self.instance_noise_std()
        fm = {"fm_weight": cfg.loss.fm_weight, "fm_only": cfg.loss.fm_only}   # feature matching in G's loss
        stats: dict[str, Tensor] = {}
        if self.bigan:                                       # BiGAN / ALI: D on pairs, then G and E together
            assert self.E is not None and self.opt_E is not None and self.loss is not None
            gaussian = cfg.model.encoder == "gaussian"
            for _ in range(t.n_critic):
                real, _ = self.stream.next()
                z = self.latent.sample(real.shape[0], self.noise, self.device)
                eps = self.latent.sample(real.shape[0], self.noise, self.device) if gaussian else None
                stats.update(bigan_d_step(self.G, self.D, self.E, self.opt_D, self.loss, real, z, eps,
                                          clip=cfg.reg.clip))
            z = self.latent.sample(real.shape[0], self.noise, self.device)      # G and E: the last real batch
            eps = self.latent.sample(real.shape[0], self.noise, self.device) if gaussian else None
            stats.update(bigan_ge_step(self.G, self.D, self.E, self.opt_G, self.opt_E, self.loss, real, z, eps))
        elif self.E is not None and self.opt_E is not None:  # VAE: one joint update of encoder and decoder
            real, _ = self.stream.next()
            eps = self.latent.sample(real.shape[0], self.noise, self.device)
            lo = cfg.loss
            if self.loss is not None:                      # VAE-GAN: also D, judging x~ = G(z) and G(z_p)
                z_p = self.latent.sample(real.shape[0], self.noise, self.device)
                stats.update(vaegan_step(self.G, self.D, self.E, self.opt_G, self.opt_D, self.opt_E, self.loss,
                                         real, eps, z_p, beta=lo.beta, gamma=lo.vaegan_gamma))
            else:
                stats.update(vae_step(self.G, self.E, self.opt_G, self.opt_E, real, eps, beta=lo.beta,
                                      decoder=lo.decoder, decoder_std=lo.decoder_std))
        elif t.consensus > 0:
            real, c = self.stream.next()
            z = self.latent.sample(real.shape[0], self.noise, self.device)
            stats.update(consensus_step(self.G, self.D, self.opt_G, self.opt_D, self.loss, cfg.reg, real, z, c,
                                        self.noise, gamma=t.consensus, noise_std=noise_std, **fm, hist_G=self.hist_G,
                                        hist_D=self.hist_D))
            stats.update(self._after_d_update(self.step, real, z, c, noise_std))
        elif self.energy is not None:
            for i in range(t.n_critic):
                real, c = self.stream.next()
                z = self.latent.sample(real.shape[0], self.noise, self.device)
                stats.update(energy_d_step(self.G, self.D, self.opt_D, self.energy, real, z, c, reg=cfg.reg,
                                           noise_std=noise_std, generator=self.noise, history=self.hist_D))
                stats.update(self._after_d_update(self.step * t.n_critic + i, real, z, c, noise_std))
            z = self.latent.sample(t.batch_size, self.noise, self.device)
            stats.update(energy_g_step(self.G, self.D, self.opt_G, self.energy, z, c, reg=cfg.reg,
                                       noise_std=noise_std, generator=self.noise, history=self.hist_G))
            # BEGAN: k_{t+1} from this step's L(x) (last D step) and L(G(z_G)) (the G step); logs k and M_global
            stats.update(self.energy.update(stats["energy/real"], stats["energy/fake_G"]))
        else:
            for i in range(t.n_critic):
                real, c = self.stream.next()
                z = self.latent.sample(real.shape[0], self.noise, self.device)
                labelled = self.labelled.next() if self.labelled is not None else None   # (x_l, y_l)
                stats.update(d_step(self.G, self.D, self.opt_D, self.loss, cfg.reg, real, z, c, self.noise,
                                    noise_std=noise_std, history=self.hist_D, ac_weight=self.ac_weight,
                                    info_weight=self.info_weight, labelled=labelled))  # type: ignore[arg-type]
                stats.update(self._after_d_update(self.step * t.n_critic + i, real, z, c, noise_std))
            z = self.latent.sample(t.batch_size, self.noise, self.device)
            stats.update(g_step(self.G, self.D, self.opt_G, self.loss, z, c, real, reg=cfg.reg, **fm,  # c: see top
                                unroll=t.unroll, opt_D=self.opt_D, noise_std=noise_std, generator=self.noise,
                                history=self.hist_G, ac_weight=self.ac_weight, info_weight=self.info_weight))
        if self.hist_G is not None:
            self.hist_G.update(self.G)
        if self.D_ema is not None:   # bias-corrected: the average of D's iterates 1..step+1, none of the init
            ema_update(self.D_ema, self.D, debiased_decay(t.d_ema, self.step + 1))
        if self.G_ema is not None:
            if self.step >= t.ema_start:
                ema_update(self.G_ema, self.G, t.ema)
            else:
                ema_copy(self.G_ema, self.G)
        self.step += 1
        # Bookkeeping stays on the device: reading a value would wait for the GPU at every step.
        for key in ("loss/D", "loss/G"):                    # a VAE step has no loss/D
            if key in stats:
                self._bad |= ~torch.isfinite(stats[key])
        for key, value in stats.items():
            self._window[key] = self._window[key] + value if key in self._window else value.clone()
            self._window_counts[key] = self._window_counts.get(key, 0) + 1
        return stats

    def _after_d_update(self, d_updates: int, real: Tensor, z: Tensor, c: Tensor | None,
                        noise_std: float) -> dict[str, Tensor]:
        """After D update number `d_updates` (from 0): the lazy R1/R2 update when due, then D's historical average."""
        stats = {}
        if self.lazy is not None and self.lazy.due(d_updates):
            stats = d_reg_step(self.G, self.D, self.opt_D, self.cfg.reg, real, z, c, noise_std=noise_std,
                               generator=self.noise)
        if self.hist_D is not None:
            self.hist_D.update(self.D)
        return stats

    def instance_noise_std(self, step: int | None = None) -> float:
        """The instance noise std at G step `step` (default: the current one); 0 when off."""
        r = self.cfg.reg
        if r.instance_noise == 0:
            return 0.0
        end = r.instance_noise_end or self.cfg.train.steps
        return instance_noise_std(r.instance_noise, end, self.step if step is None else step)

    def save_traversal(self, path: Path, columns: int = 10) -> Path:
        """InfoGAN's latent traversal: one grid row per varied code, the Gaussian part and the other codes fixed
        (a fixed seed, so the picture does not change the run). Rows: for each column j one eps_j; the categorical
        block has one row per category k (all columns category k, the continuous codes at 0); then, per continuous
        code i, a row with u_i going from -1 to 1 across the columns (category j mod K, other codes 0)."""
        from ..latent.traversal import traversal_latents

        z = traversal_latents(self.latent, columns, torch.Generator().manual_seed(self.cfg.train.seed + 5))
        return save_image_grid(self.generate(z.to(self.device)).cpu(), path, nrow=columns)

    def finish(self, metrics: dict[str, float]) -> None:
        """Final artifacts: samples.png, curves.png, metrics.json."""
        self.save_samples(self.run_dir / "samples.png")
        if self.E is not None:
            self.save_reconstructions(self.run_dir / "samples" / "reconstructions.png")
        if self.cfg.model.info_head and self.spec.kind == "images":
            self.save_traversal(self.run_dir / "samples" / "traversal.png")
        records = read_jsonl(self.run_dir / "metrics.jsonl")
        save_curves(records, self.run_dir / "curves.png", title=f"{self.cfg.preset} on {self.data['name']}")
        final = {"step": self.step, "preset": self.cfg.preset, "data": self.data["name"], **metrics}
        (self.run_dir / "metrics.json").write_text(json.dumps(final, indent=2) + "\n")
        summary = ", ".join(f"{k} {v:.4g}" for k, v in metrics.items() if isinstance(v, (int, float)))
        print(f"done: step {self.step}; {summary}", file=sys.stderr)
        print(f"wrote {self.run_dir}/samples.png, curves.png, metrics.json, checkpoints/last.pt", file=sys.stderr)

    def _diverged_message(self) -> str:
        where = f"{self.last_checkpoint}" if self.last_checkpoint else "none was written yet"
        return (f"training diverged by step {self.step}: NaN or Inf in the losses or weights. Last good checkpoint: "
                f"{where}. Try a lower learning rate, a gradient penalty, or another loss.")

    def _install_signal_handlers(self) -> dict[int, Any]:
        """First Ctrl-C / SIGTERM: finish the current step, checkpoint, stop. A second Ctrl-C stops at once."""
        def handler(signum: int, frame: Any) -> None:
            if self._stop_signal is not None and signum == signal.SIGINT:
                raise KeyboardInterrupt
            self._stop_signal = signal.Signals(signum).name
            print(f"\n{self._stop_signal} received: stopping after this step and writing a checkpoint "
                  f"(Ctrl-C again to abort without one)", file=sys.stderr)

        previous = {}
        try:
            for sig in (signal.SIGINT, signal.SIGTERM):
                previous[sig] = signal.signal(sig, handler)
        except ValueError:  # not the main thread: no signal handling
            pass
        return previous

    @staticmethod
    def _restore_signal_handlers(previous: dict[int, Any]) -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def default_run_dir(cfg: Config) -> Path:
    if cfg.output.name:
        return Path(cfg.output.dir) / cfg.output.name
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = Path(cfg.output.dir) / f"{cfg.preset}-{cfg.data.name}-{stamp}"
    base.parent.mkdir(parents=True, exist_ok=True)
    for i in range(1, 1000):  # two runs started in the same second get their own folders
        candidate = base if i == 1 else base.with_name(f"{base.name}-{i}")
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            continue
    raise RuntimeError(f"cannot create a run directory next to {base}")


def _truncate_jsonl(path: Path, step: int) -> None:
    """On resume, drop records logged after the checkpoint (a crash may have left some): the curves stay honest."""
    if path.is_file():
        kept = [r for r in read_jsonl(path) if r.get("step", 0) <= step]
        path.write_text("".join(json.dumps(r) + "\n" for r in kept))


class _NoProgress:
    def update(self, n: int) -> None: ...
    def set_postfix(self, d: dict) -> None: ...
    def close(self) -> None: ...


def _progress_bar(start: int, total: int, enabled: bool):
    if not enabled:
        return _NoProgress()
    from tqdm import tqdm

    return tqdm(total=total, initial=start, desc="train", unit="step", dynamic_ncols=True, file=sys.stderr,
                mininterval=0.5 if sys.stderr.isatty() else 10.0)


def resume_trainer(path: str | Path, overrides: list[str] | None = None) -> Trainer:
    """A Trainer restored from a checkpoint (or run directory); `overrides` may extend train.steps etc."""
    from ..artifacts.checkpoint import resolve_checkpoint_path
    from ..config import apply_overrides

    ckpt_path = resolve_checkpoint_path(path)
    state = load_checkpoint(ckpt_path)
    cfg = from_dict(state["config"])
    apply_overrides(cfg, overrides or [])
    run_dir = ckpt_path.parent.parent
    trainer = Trainer(cfg, run_dir=run_dir, resume=state)
    trainer.last_checkpoint = ckpt_path
    if trainer.step >= cfg.train.steps:
        print(f"checkpoint is at step {trainer.step} >= train.steps={cfg.train.steps}: nothing to train "
              f"(extend with train.steps=N)", file=sys.stderr)
    return trainer


__all__ = ["RunResult", "Trainer", "TrainingDiverged", "TrainingInterrupted", "resume_trainer"]
