import pytest


@pytest.fixture(scope="session")
def vgg19_random():
    """An untrained VGG19 (the code path is the same as with the ImageNet weights)."""
    from ganviz.style.vgg import load_vgg19

    return load_vgg19("random")

