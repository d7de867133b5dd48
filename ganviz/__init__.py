"""ganviz: an interactive GAN laboratory. This package is the engine (pure PyTorch + numpy);
the Streamlit app in ``app.py`` / ``pages/`` only draws what it returns."""
from ganviz.config import DataConfig, ModelConfig, TrainConfig

__version__ = "0.1.0"

__all__ = ["DataConfig", "ModelConfig", "TrainConfig", "__version__"]
