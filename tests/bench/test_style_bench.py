"""The bench's reference really is the PyTorch tutorial's objective, and ganviz computes the same one."""
import torch

from ganviz.bench.style import _tutorial_model
from ganviz.style.transfer import LAYER_SETS, StyleObjective
from ganviz.style.vgg import VGGFeatures, load_vgg19


def test_ganviz_tutorial_layers_give_the_tutorials_loss():
    torch.manual_seed(0)
    features = load_vgg19("random")
    content, style, x = torch.rand(1, 3, 32, 32), torch.rand(1, 3, 32, 32), torch.rand(1, 3, 32, 32)
    model, style_losses, content_losses = _tutorial_model(features, content, style)
    model(x)
    reference = torch.stack([sum(c.loss for c in content_losses), 1e6 * sum(s.loss for s in style_losses)])
    ours = StyleObjective(VGGFeatures(features, sum(LAYER_SETS["tutorial"], [])), content, style,
                          *LAYER_SETS["tutorial"])(x)
    torch.testing.assert_close(ours[:2], reference, rtol=1e-4, atol=1e-6)
    assert ours[2] == 0  # no total variation by default, as in the tutorial
