"""Training: the step-wise Trainer, the losses, regularisers and mode-collapse remedies it applies,
its bounded history, the Hub-format GAN module and the background workers the app polls."""
from ganviz.training.gan import GAN
from ganviz.training.history import History
from ganviz.training.trainer import METRICS, DivergenceError, Trainer

__all__ = ["GAN", "History", "METRICS", "DivergenceError", "Trainer"]
