"""Shared building blocks for G and D: spectral normalisation, minibatch discrimination, minibatch standard
deviation, virtual batch normalisation. Model families import these; nothing here imports models or training."""

from .minibatch import MinibatchDiscrimination, MinibatchStdDev
from .spectral_norm import SpectralNorm, apply_spectral_norm, is_spectrally_normalised, spectral_norm
from .vbn import VirtualBatchNorm, record_reference

__all__ = ["MinibatchDiscrimination", "MinibatchStdDev", "SpectralNorm", "VirtualBatchNorm", "apply_spectral_norm",
           "is_spectrally_normalised", "record_reference", "spectral_norm"]
