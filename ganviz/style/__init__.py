"""Neural style transfer on VGG19 (Gatys et al. 2016): :class:`StyleTransfer` and its parts.

``python -m ganviz style content.png style.png -o out.png``; the page is pages/style_transfer.py.
"""
from ganviz.style.images import ImageError, load_image
from ganviz.style.transfer import LAYER_SETS, StyleConfig, StyleObjective, StyleTransfer, gram_matrix
from ganviz.style.vgg import VGGFeatures, WeightsMissingError, load_vgg19

__all__ = ["ImageError", "LAYER_SETS", "StyleConfig", "StyleObjective", "StyleTransfer", "VGGFeatures",
           "WeightsMissingError", "gram_matrix", "load_image", "load_vgg19"]
