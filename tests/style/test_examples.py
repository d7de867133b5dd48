"""The shipped example pictures are exactly what the project's own code draws (hence CC0)."""
import numpy as np
import pytest
from PIL import Image

from ganviz.style import examples


@pytest.mark.parametrize("name", ["Spheres", "Waves"])
def test_shipped_pictures_are_reproduced_by_the_generator(name):
    shipped = np.asarray(Image.open(examples.ASSETS / examples.file_name(name)).convert("RGB"))
    assert np.array_equal(shipped, examples.EXAMPLES[name]())


def test_every_example_ships_with_its_license():
    assert (examples.ASSETS / "LICENSE.md").read_text().count("CC0") >= 1
    for name in examples.EXAMPLES:
        picture = examples.example(name)
        assert picture.mode == "RGB" and picture.size == (examples.SIZE, examples.SIZE)
    with pytest.raises(ValueError, match="unknown 'Mona Lisa'"):
        examples.example("Mona Lisa")
