"""Energy-based GANs, where D is an autoencoder and its reconstruction error is the energy (low = real-looking).

These are *not* logit losses, so they are not in ``LOSSES`` but in ``ENERGY_LOSSES``: D must be an autoencoder that
returns a reconstruction (and, for the EBGAN pull-away term, its code), and BEGAN carries a balance variable k_t
from step to step. Sign convention: the autoencoder D's output is a logit like every D's, D(x) = -energy (higher =
more real); the losses below are written in the papers' energies E = -D(x) >= 0. The pieces:

BEGAN (Berthelot, Schumm & Metz 2017, "BEGAN: Boundary Equilibrium GANs", arXiv:1703.10717), with
L(v) = |v - AE(v)|^eta per sample (eta = 1: the paper's L1, mean over pixels):
    L_D = L(x) - k_t L(G(z))          L_G = L(G(z))
    k_{t+1} = clip(k_t + lambda_k (gamma L(x) - L(G(z))), 0, 1)        (proportional control toward
                                                                        E L(G(z)) = gamma E L(x))
    M_global = L(x) + |gamma L(x) - L(G(z))|                           (convergence measure; lower = better)

EBGAN (Zhao, Mathieu & LeCun 2017, "Energy-based Generative Adversarial Network", arXiv:1609.03126), with
D(v) = ||Dec(Enc(v)) - v|| the reconstruction energy (eta = 2 here: mean squared error per sample):
    L_D = D(x) + [m - D(G(z))]^+      L_G = D(G(z))  (+ lambda_PT * PT(S) on the encoder embeddings S of the fakes)
    PT(S) = 1 / (N (N - 1)) sum_{i != j} (S_i . S_j / (|S_i| |S_j|))^2
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from ..config.schema import LossConfig
from ..registry import Registry


def autoencoder_energy(x: Tensor, reconstruction: Tensor, power: int = 1) -> Tensor:
    """Per-sample reconstruction energy mean_d |x - AE(x)|^power over all non-batch dims -> [N].

    power=1 is BEGAN's L1 loss L(v); power=2 the mean squared error EBGAN's experiments use. x and reconstruction:
    [N, ...] with equal shapes (images in [-1, 1] or points)."""
    if x.shape != reconstruction.shape:
        raise ValueError(f"x {tuple(x.shape)} and its reconstruction {tuple(reconstruction.shape)} differ in shape")
    return (x - reconstruction).abs().pow(power).flatten(1).mean(1)


# ------------------------------------------------------------------------------------------------ BEGAN

def began_d_loss(loss_real: Tensor, loss_fake: Tensor, k: float | Tensor) -> Tensor:
    """L_D = E L(x) - k_t E L(G(z)): D autoencodes reals well and fakes badly, weighted by the balance k_t."""
    return loss_real.mean() - k * loss_fake.mean()


def began_g_loss(loss_fake: Tensor) -> Tensor:
    """L_G = E L(G(z)): G wants its samples to be reconstructed well (i.e. to look real to the autoencoder)."""
    return loss_fake.mean()


def began_k_update(k: float | Tensor, loss_real: float | Tensor, loss_fake: float | Tensor, gamma: float,
                   lambda_k: float) -> float | Tensor:
    """k_{t+1} = clip(k_t + lambda_k (gamma L(x) - L(G(z))), 0, 1) with batch-mean energies (not differentiated).

    A float k gives a float; a tensor k gives a tensor on k's device, computed there (the training loop's way: no
    wait for the GPU at every step)."""
    if isinstance(k, Tensor):
        error = gamma * _batch_mean(loss_real, k) - _batch_mean(loss_fake, k)
        return (k + lambda_k * error).clamp(0.0, 1.0)
    error = gamma * float(torch.as_tensor(loss_real).mean()) - float(torch.as_tensor(loss_fake).mean())
    return min(max(k + lambda_k * error, 0.0), 1.0)


def began_convergence(loss_real: float | Tensor, loss_fake: float | Tensor, gamma: float) -> float | Tensor:
    """M_global = L(x) + |gamma L(x) - L(G(z))| with batch-mean energies: falls as training converges (Sec. 3.4.1).

    Floats give a float; tensors give a detached 0-d tensor on their device (no host sync)."""
    if isinstance(loss_real, Tensor) and isinstance(loss_fake, Tensor):
        real, fake = _batch_mean(loss_real, loss_real), _batch_mean(loss_fake, loss_real)
        return real + (gamma * real - fake).abs()
    real = float(torch.as_tensor(loss_real).mean())
    fake = float(torch.as_tensor(loss_fake).mean())
    return real + abs(gamma * real - fake)


def _batch_mean(v: float | Tensor, like: Tensor) -> Tensor:
    """The detached batch mean of `v` as a 0-d tensor with `like`'s dtype and device."""
    return torch.as_tensor(v).detach().mean().to(dtype=like.dtype, device=like.device)


@dataclass
class BEGANBalance:
    """The per-run state of BEGAN's controller. Save ``state_dict()`` in checkpoints so a resumed run keeps k_t.

    gamma = E L(G(z)) / E L(x) is the diversity ratio the controller aims for (lower = sharper, less diverse)."""

    gamma: float = 0.5               # diversity ratio; the paper uses 0.3 - 0.7
    lambda_k: float = 1e-3           # proportional gain of the k_t update (paper: 0.001)
    k: float | Tensor = 0.0          # k_0 = 0: D first learns to autoencode reals only; a 0-d tensor keeps k on
                                     #   the training device (no host sync per step)

    def update(self, loss_real: float | Tensor, loss_fake: float | Tensor) -> float | Tensor:
        """Advance k_t after a D/G step; returns M_global of that step for logging."""
        m_global = began_convergence(loss_real, loss_fake, self.gamma)
        self.k = began_k_update(self.k, loss_real, loss_fake, self.gamma, self.lambda_k)
        return m_global

    def state_dict(self) -> dict[str, Any]:
        return {"gamma": self.gamma, "lambda_k": self.lambda_k,
                "k": self.k.detach().clone() if isinstance(self.k, Tensor) else self.k}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.gamma, self.lambda_k = float(state["gamma"]), float(state["lambda_k"])
        if isinstance(self.k, Tensor):   # keep k's device and dtype; the value is restored exactly
            self.k = torch.as_tensor(state["k"]).to(dtype=self.k.dtype, device=self.k.device).reshape(())
        else:
            self.k = float(state["k"])


# ------------------------------------------------------------------------------------------------ EBGAN

def ebgan_d_loss(energy_real: Tensor, energy_fake: Tensor, margin: float) -> Tensor:
    """L_D = E D(x) + E [m - D(G(z))]^+: push real energy down, fake energy up until it reaches the margin m."""
    return energy_real.mean() + torch.relu(margin - energy_fake).mean()


def ebgan_g_loss(energy_fake: Tensor, embeddings: Tensor | None = None, pt_weight: float = 0.0) -> Tensor:
    """L_G = E D(G(z)) [+ pt_weight * PT(S)] with S the encoder embeddings of the fakes (paper: pt_weight = 0.1)."""
    loss = energy_fake.mean()
    if pt_weight > 0:
        if embeddings is None:
            raise ValueError("pt_weight > 0 needs the encoder embeddings of the fake batch")
        loss = loss + pt_weight * pullaway_term(embeddings)
    return loss


def pullaway_term(embeddings: Tensor, eps: float = 1e-12) -> Tensor:
    """PT(S) = 1/(N(N-1)) sum_{i != j} cos(S_i, S_j)^2 over a batch of embeddings [N, ...] (flattened per sample).

    0 when the embeddings are mutually orthogonal, 1 when all point the same way (mode collapse); scale-free."""
    s = embeddings.flatten(1)
    n = s.shape[0]
    if n < 2:
        raise ValueError("the pull-away term needs at least 2 embeddings")
    unit = s / s.norm(dim=1, keepdim=True).clamp_min(eps)
    cos2 = (unit @ unit.T).pow(2)                                # [N, N], diagonal = 1
    return (cos2.sum() - cos2.diagonal().sum()) / (n * (n - 1))


# ------------------------------------------------------------------------------------------------ in training
#
# What the training step needs of an energy loss: the exponent of the energy L(v) = mean |v - AE(v)|^power, the two
# losses of the energies (and of the fakes' codes, for the pull-away term), and an update after each G step that may
# carry state (BEGAN's k_t, which checkpoints save so that a resumed run continues exactly).

class BEGANLoss:
    """BEGAN in training: L_D = L(x) - k_t L(G(z)), L_G = L(G(z)), then k_t's update; L is the L1 energy."""

    name = "began"
    summary = "BEGAN: autoencoder D, L1 energy, equilibrium k_t (Berthelot et al. 2017)"
    power = 1

    def __init__(self, gamma: float = 0.5, lambda_k: float = 1e-3, device: torch.device | str = "cpu") -> None:
        self.balance = BEGANBalance(gamma, lambda_k, k=torch.zeros((), device=device))

    @classmethod
    def from_config(cls, cfg: LossConfig, device: torch.device | str = "cpu") -> BEGANLoss:
        return cls(cfg.began_gamma, cfg.began_lambda_k, device)

    def d_loss(self, energy_real: Tensor, energy_fake: Tensor) -> Tensor:
        return began_d_loss(energy_real, energy_fake, self.balance.k)

    def g_loss(self, energy_fake: Tensor, code_fake: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        return began_g_loss(energy_fake), {}

    def update(self, energy_real: Tensor, energy_fake: Tensor) -> dict[str, Tensor]:
        """After a G step, with the last D step's real energies and the G step's fake energies (the paper's
        L(x) and L(G(z_G))): k_{t+1}, and M_global of this step."""
        m_global = self.balance.update(energy_real, energy_fake)
        return {"began/k": torch.as_tensor(self.balance.k).detach().clone(), "began/M_global": m_global}

    def state_dict(self) -> dict[str, Any]:
        return self.balance.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        # k_t is the run's state; gamma and lambda_k stay the config's (a resume may change them on purpose)
        self.balance.load_state_dict({**state, "gamma": self.balance.gamma, "lambda_k": self.balance.lambda_k})


class EBGANLoss:
    """EBGAN in training: L_D = D(x) + [m - D(G(z))]^+, L_G = D(G(z)) + w PT(codes of G(z)); D(.) is the MSE energy."""

    name = "ebgan"
    summary = "EBGAN: autoencoder D, MSE energy, margin, pull-away term (Zhao et al. 2017)"
    power = 2

    def __init__(self, margin: float = 1.0, pt_weight: float = 0.1) -> None:
        self.margin = margin
        self.pt_weight = pt_weight

    @classmethod
    def from_config(cls, cfg: LossConfig, device: torch.device | str = "cpu") -> EBGANLoss:
        return cls(cfg.ebgan_margin, cfg.ebgan_pt_weight)

    def d_loss(self, energy_real: Tensor, energy_fake: Tensor) -> Tensor:
        return ebgan_d_loss(energy_real, energy_fake, self.margin)

    def g_loss(self, energy_fake: Tensor, code_fake: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        if self.pt_weight <= 0:
            return ebgan_g_loss(energy_fake), {}
        pt = pullaway_term(code_fake)   # once, for the loss and the log: ebgan_g_loss(e, S, w) = e.mean() + w PT(S)
        return ebgan_g_loss(energy_fake) + self.pt_weight * pt, {"reg/pullaway": pt.detach()}

    def update(self, energy_real: Tensor, energy_fake: Tensor) -> dict[str, Tensor]:
        return {}

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        pass


EnergyLoss = BEGANLoss | EBGANLoss

ENERGY_LOSSES: Registry[type[BEGANLoss] | type[EBGANLoss]] = Registry("energy loss")
ENERGY_LOSSES.add("began", BEGANLoss)
ENERGY_LOSSES.add("ebgan", EBGANLoss)
