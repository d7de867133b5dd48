import pytest
import torch


@pytest.fixture(scope="session")
def vgg19_random():
    """An untrained VGG19 (the code path is the same as with the ImageNet weights)."""
    from ganviz.style.vgg import load_vgg19

    return load_vgg19("random")


@pytest.fixture(autouse=True)
def single_thread():
    """Tiny pictures: one intra-op thread is fastest, and much faster on a busy machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
