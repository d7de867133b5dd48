"""A hand-made shapes "generator" whose latent directions are known, and the shipped factor network
that reads its pictures: the ground truth the direction-naming tests check against."""
import pytest
import torch
from torch import nn

from ganviz.config import SHAPE_FACTOR_LIMITS
from ganviz.data.shapes import COLOUR_NAMES, SHAPE_NAMES, render
from ganviz.hub import LoadedGenerator

LATENT_DIM = 8
# z[i] moves code[i] by this much per unit: x, y, scale, colour, shape, rotation. The sizes also set
# GANSpace's order (the code is the layer it analyses): x first, then y, scale, rotation.
CODE_SCALES = (0.06, 0.05, 0.03, 0.01, 0.01, 0.02)
CODE_CENTRE = (0.5, 0.5, 0.2, 0.0, 0.0, 0.0)
DEGREES_PER_CODE = 400.0  # rotation: 8 degrees clockwise per unit of z[5]


class HandMadeShapes(nn.Module):
    """z -> factors, linearly, then the dataset's own renderer: z[0] moves the shape right, z[1]
    down, z[2] makes it larger, z[3] > 0 makes it red (blue below), z[4] > 0 a star (a square
    below), z[5] turns it clockwise; z[6] and z[7] change nothing."""

    def __init__(self):
        super().__init__()
        self.code = nn.Linear(LATENT_DIM, len(CODE_SCALES))
        weight = torch.zeros(len(CODE_SCALES), LATENT_DIM)
        weight[range(len(CODE_SCALES)), range(len(CODE_SCALES))] = torch.tensor(CODE_SCALES)
        self.code.weight.data, self.code.bias.data = weight, torch.tensor(CODE_CENTRE)
        self.act = nn.LeakyReLU(1.0)  # the identity: a layer for GANSpace to analyse

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        code = self.act(self.code(z))
        pick = lambda above, names, yes, no: torch.where(above > 0, names.index(yes), names.index(no))
        factors = {"x": code[:, 0].clamp(*SHAPE_FACTOR_LIMITS["x"]), "y": code[:, 1].clamp(*SHAPE_FACTOR_LIMITS["y"]),
                   "scale": code[:, 2].clamp(*SHAPE_FACTOR_LIMITS["scale"]),
                   "colour": pick(code[:, 3], COLOUR_NAMES, "red", "blue"),
                   "shape": pick(code[:, 4], SHAPE_NAMES, "star", "square"),
                   "rotation": code[:, 5] * DEGREES_PER_CODE}
        return render(factors, 32)


def hand_made_generator() -> LoadedGenerator:
    return LoadedGenerator(HandMadeShapes().eval(), "ganviz", LATENT_DIM, 0, (3, 32, 32), "hand-made",
                           "hand-made shapes generator", config={"train": {"data": {"name": "shapes"}}})


@pytest.fixture(scope="module")
def shapes_generator() -> LoadedGenerator:
    return hand_made_generator()


@pytest.fixture(scope="module")
def factor_net():
    from ganviz.metrics.factors import load_factor_net

    return load_factor_net()
