"""ganforge: train, evaluate and understand generative adversarial networks."""

__version__ = "0.1.0"
