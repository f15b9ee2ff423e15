"""The Python API: ``ganforge.train(config)`` and ``ganforge.load(checkpoint)``.

    import ganforge
    result = ganforge.train(preset="wgan-gp", data="ring8", overrides=["train.steps=3000"])
    G = ganforge.load(result.checkpoint)
    points = G.sample(1000, seed=0)       # [1000, 2] in data coordinates; images come as [N, C, H, W] in [-1, 1]
    z = G.encode(points)                  # runs with an encoder (VAE, BiGAN / ALI): back to latents [1000, z_dim]
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from .artifacts.checkpoint import CheckpointError, load_checkpoint
from .config import Config, from_dict
from .config.presets import build_config
from .latent.conditional import class_labels, num_classes
from .latent.truncation import sample_truncated
from .models import DataSpec, build_models
from .models.encoder import build_encoder, build_joint_discriminator
from .nn.conditional import balanced_labels, check_labels
from .training.engine import RunResult, Trainer, resolve_device, resume_trainer


def train(config: Config | dict[str, Any] | None = None, *, preset: str | None = None, data: str | None = None,
          overrides: Iterable[str] = (), run_dir: str | Path | None = None,
          resume: str | Path | None = None) -> RunResult:
    """Train one run and return where its artifacts are.

    `config` is a Config (or nested dict) used as is; otherwise one is built from `preset`, `data` and `key=value`
    `overrides`. `resume` continues a run directory or checkpoint exactly where it stopped (overrides may extend
    train.steps).
    """
    if resume is not None:
        return resume_trainer(resume, list(overrides)).fit()
    if config is None:
        config = build_config(preset, data, overrides)
    elif isinstance(config, dict):
        config = from_dict(config)
    return Trainer(config, run_dir=run_dir).fit()


class LoadedGenerator:
    """A trained generator from a checkpoint: needs no dataset and no config file.

    Calling it maps latents to samples: ``G(z)`` with z [N, z_dim] (``G(z, c)`` with labels c [N] for a
    class-conditional G); ``G.sample(n, seed, cls=..., truncation=...)`` draws z itself.
    Points come back in data coordinates, images as [N, C, H, W] floats in [-1, 1].
    A class-conditional G (``num_classes`` = K, None otherwise) takes labels too: ``G(z, c)`` with c int64 [N] in
    [0, K); without c it makes balanced classes 0, 1, ..., K-1, 0, ... (so does ``sample``).
    """

    def __init__(self, state: dict[str, Any], use_ema: bool = True, device: str = "cpu") -> None:
        self.config: Config = from_dict(state["config"])
        self.step: int = int(state["step"])
        self.data: dict[str, Any] = state["data"]
        self.spec = DataSpec.from_dict(self.data["spec"])
        self.device = resolve_device(device)
        G, _ = build_models(self.config.model, self.spec)
        weights = state["G_ema"] if use_ema and state.get("G_ema") is not None else state["G"]
        self.uses_ema = weights is state.get("G_ema")
        G.load_state_dict(weights)
        self.G: nn.Module = G.to(self.device).eval().requires_grad_(False)
        self.latent = G.latent
        self.z_dim: int = G.z_dim
        self.num_classes: int | None = num_classes(G)  # K for a class-conditional G, else None
        self._D_weights: dict[str, Any] | None = state.get("D")
        self._D: nn.Module | None = None
        self._E_weights: dict[str, Any] | None = state.get("E")   # the encoder of VAE and BiGAN runs, else None
        self._E: nn.Module | None = None
        # The run's discriminator rejection sampler (sampler.name=drs), used by `sample`; None = plain G(z)
        self.rejection = _load_rejection(state, self.config) if state.get("sampler") else None

    @torch.no_grad()
    def __call__(self, z: Tensor, c: Tensor | None = None) -> Tensor:
        """G(z, c) for z [N, z_dim] and, for a conditional G, labels c [N]; in chunks of 1024, returned on the CPU."""
        if z.ndim != 2 or z.shape[1] != self.z_dim:
            raise ValueError(f"z must be [N, {self.z_dim}], got {tuple(z.shape)}")
        if c is not None and c.shape != (z.shape[0],):
            raise ValueError(f"c must be [N] = [{z.shape[0]}] class labels, got {tuple(c.shape)}")
        if self.num_classes is None:
            if c is not None:
                raise ValueError("this generator is unconditional (no classes): call it without c")
            c_chunks: list[Tensor | None] = [None] * len(z.split(1024))
        else:  # labels are checked here, on the CPU: on an accelerator G's own check skips the range (nn/conditional)
            c = balanced_labels(len(z), self.num_classes) if c is None else c
            c = check_labels(c.cpu() if isinstance(c, Tensor) else c, self.num_classes, len(z), "this generator")
            c_chunks = [chunk.to(self.device) for chunk in c.split(1024)]
        out = torch.cat([self.G(chunk.to(self.device), c_chunk)
                         for chunk, c_chunk in zip(z.split(1024), c_chunks)]).cpu()
        return out * self.data["scale"] if self.spec.kind == "points" else out

    def sample(self, n: int, seed: int = 0, *, cls: int | None = None, truncation: float | None = None,
               drs: bool = True) -> Tensor:
        """n samples from seed `seed`. cls: the class for a conditional G (None: uniform random classes);
        truncation: BigGAN's threshold on |z_i| (None: the plain prior; entries inside the threshold are the
        same draws as without it). drs: when the run fitted a rejection sampler (sampler.name=drs), return its
        accepted samples (False: G(z) as is)."""
        if drs and self.rejection is not None and truncation is None:
            if n < 1:
                raise ValueError(f"n must be >= 1, got {n}")
            x, _ = self.rejection.sample(lambda z: self(z), self.latent, n, torch.Generator().manual_seed(seed))
            return x  # already in data coordinates: self(z) scales them
        x, _, _ = self.sample_with_latents(n, seed, cls=cls, truncation=truncation)
        return x

    def sample_with_latents(self, n: int, seed: int = 0, *, cls: int | None = None,
                            truncation: float | None = None) -> tuple[Tensor, Tensor, Tensor | None]:
        """(x, z, c) of `sample`: the samples, their latents [n, z_dim] and labels [n] (None if unconditional)."""
        if n < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        gen = torch.Generator().manual_seed(seed)
        z = sample_truncated(self.latent, n, truncation, gen)
        c = class_labels(self.G, cls, n, gen)
        return self(z, c), z, c

    def discriminator(self) -> nn.Module:
        """The checkpoint's D (eval mode, no gradients to its weights), e.g. for inpainting's prior loss. A BiGAN run's
        D judges pairs: D(x, z), with x in training coordinates."""
        if self._D is None:
            if self._D_weights is None:
                raise CheckpointError("this checkpoint holds no discriminator weights ('D')")
            with torch.random.fork_rng(devices=[]):  # building initialises weights; leave the caller's RNG alone
                if self.config.model.encoder != "none":
                    D = build_joint_discriminator(self.config.model, self.spec, self.latent.dim)
                else:
                    _, D = build_models(self.config.model, self.spec)
            D.load_state_dict(self._D_weights)
            self._D = D.to(self.device).eval().requires_grad_(False)
        return self._D

    @torch.no_grad()
    def encode(self, x: Tensor) -> Tensor:
        """Latents z [N, z_dim] of data x (points [N, 2] in data coordinates, images [N, C, H, W] in [-1, 1]), so
        that G(z) reconstructs x: E(x) of a BiGAN run, the mean mu(x) of q(z|x) for VAE and ALI runs. Runs without
        an encoder raise CheckpointError. Returned on the CPU."""
        if self._E is None:
            if self._E_weights is None:
                raise CheckpointError(f"this checkpoint ({self.config.preset}, loss.name={self.config.loss.name}) has "
                                      f"no encoder: only VAE runs (loss.name=vae, vaegan) and BiGAN / ALI runs "
                                      f"(model.encoder=deterministic, gaussian) train one")
            kind = "gaussian" if self.config.model.encoder == "none" else self.config.model.encoder  # VAE: Gaussian
            with torch.random.fork_rng(devices=[]):
                E = build_encoder(self.config.model, self.spec, self.latent.dim, kind=kind)
            E.load_state_dict(self._E_weights)
            self._E = E.to(self.device).eval().requires_grad_(False)
        shape = tuple(self.spec.shape)
        if x.ndim != len(shape) + 1 or tuple(x.shape[1:]) != shape:
            raise ValueError(f"x must be [N, {', '.join(map(str, shape))}], got {tuple(x.shape)}")
        if self.spec.kind == "points":
            x = x / self.data["scale"]                      # data -> training coordinates
        return torch.cat([self._E.encode(chunk.to(self.device)) for chunk in x.float().split(1024)]).cpu()

    def __repr__(self) -> str:
        classes = f", {self.num_classes} classes" if self.num_classes else ""
        return (f"LoadedGenerator({self.config.preset} on {self.data['name']}, step {self.step}, "
                f"{'G_ema' if self.uses_ema else 'G'}, z_dim {self.z_dim}{classes})")


def _load_rejection(state: dict[str, Any], config: Config):
    """The rejection sampler saved by a sampler.name=drs run. Its critic reads G's output in training coordinates,
    so it is wrapped to take the data coordinates `LoadedGenerator.__call__` returns."""
    from .sampling import RatioCritic
    from .sampling.rejection import load_rejection_sampler

    scale = float(state["data"]["scale"]) if state["data"]["spec"]["kind"] == "points" else 1.0
    critic = RatioCritic(in_features=2, fourier_sigma=config.sampler.drs_fourier)
    sampler = load_rejection_sampler(state["sampler"], critic)
    sampler.critic = _Rescaled(critic, scale)
    return sampler


class _Rescaled(nn.Module):
    def __init__(self, critic: nn.Module, scale: float) -> None:
        super().__init__()
        self.critic, self.scale = critic, scale

    def forward(self, x: Tensor) -> Tensor:
        return self.critic(x / self.scale)


def load(checkpoint: str | Path, use_ema: bool = True, device: str = "cpu") -> LoadedGenerator:
    """The generator of a checkpoint file or run directory (G_ema when the run kept one and `use_ema`)."""
    return LoadedGenerator(load_checkpoint(checkpoint), use_ema=use_ema, device=device)
