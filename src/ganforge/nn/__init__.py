"""Shared building blocks for G and D: spectral and weight normalisation, minibatch discrimination, minibatch standard
deviation, virtual batch normalisation, Gaussian noise layers, class conditioning (label concatenation, conditional
BatchNorm, the projection term). Model families import these; nothing here imports models or training."""

from .conditional import (
    ClassProjection,
    ConditionalBatchNorm,
    ConditionalLayer,
    ConditionalSequential,
    LabelConcat,
    balanced_labels,
    check_labels,
)
from .minibatch import MinibatchDiscrimination, MinibatchStdDev
from .noise import GaussianNoise
from .spectral_norm import SpectralNorm, apply_spectral_norm, is_spectrally_normalised, spectral_norm
from .vbn import VirtualBatchNorm, record_reference
from .weight_norm import apply_weight_norm, data_dependent_init, is_weight_normalised

__all__ = ["ClassProjection", "ConditionalBatchNorm", "ConditionalLayer", "ConditionalSequential", "GaussianNoise",
           "LabelConcat", "MinibatchDiscrimination", "MinibatchStdDev", "SpectralNorm", "VirtualBatchNorm",
           "apply_spectral_norm", "apply_weight_norm", "balanced_labels", "check_labels", "data_dependent_init",
           "is_spectrally_normalised", "is_weight_normalised", "record_reference", "spectral_norm"]
