"""How samples are drawn from a trained generator: directly, x = G(z), or refined by discriminator rejection
sampling (`rejection.py`)."""

from .rejection import RatioCritic, RejectionSampler, fit_rejection_sampler

__all__ = ["RatioCritic", "RejectionSampler", "fit_rejection_sampler"]
