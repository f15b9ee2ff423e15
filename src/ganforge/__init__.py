"""ganforge: train, evaluate and understand generative adversarial networks.

    import ganforge
    result = ganforge.train(preset="wgan-gp", data="ring8")
    G = ganforge.load(result.checkpoint)
    x = G.sample(1000)
"""

__version__ = "0.1.0"

from .api import LoadedGenerator, load, train  # noqa: E402
from .config import Config  # noqa: E402
from .config.presets import PRESETS, build_config  # noqa: E402
from .data import DATASETS  # noqa: E402
from .losses import LOSSES  # noqa: E402
from .models import MODELS  # noqa: E402

__all__ = ["DATASETS", "LOSSES", "MODELS", "PRESETS", "Config", "LoadedGenerator", "__version__", "build_config",
           "load", "train"]
