import json
import socket

import pytest
import torch
from huggingface_hub import constants
from safetensors.torch import save_file

from ganviz.config import DataConfig, ModelConfig, TrainConfig
from ganviz.hub import CheckpointError, HubUnavailableError, hub_reachable, load_generator
from ganviz.models.huggan import Generator
from ganviz.training.gan import GAN

COMMIT = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)


@pytest.fixture(scope="module")
def huggan():
    torch.manual_seed(0)
    g = Generator()  # the exact huggan layout and sizes, random weights
    for m in g.modules():  # non-trivial running statistics, so eval-mode batch norm is exercised
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    return g.eval()


def hub_cache(root, repo_id: str, files: dict, revision: str = "main"):
    """A Hugging Face cache holding ``files`` for repo_id at ``revision`` (what a download leaves behind)."""
    repo = root / f"models--{repo_id.replace('/', '--')}"
    snapshot = repo / "snapshots" / COMMIT
    snapshot.mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / revision).write_text(COMMIT)
    for name, write in files.items():
        write(snapshot / name)
    return root


def expected(g: Generator, z: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return g(z.view(len(z), -1, 1, 1))


def check_same_generator(loaded, g):
    z = torch.randn(3, 100, generator=torch.Generator().manual_seed(1))
    assert loaded.kind == "huggan" and loaded.latent_shape == (100, 1, 1)
    assert (loaded.latent_dim, loaded.num_classes, loaded.out_shape) == (100, 0, (3, 64, 64))
    torch.testing.assert_close(loaded.generate(z), expected(g, z))


def test_huggan_folder_with_safetensors_and_config(tmp_path, huggan):
    huggan.save_pretrained(tmp_path)
    check_same_generator(load_generator(tmp_path), huggan)


def test_huggan_folder_with_pytorch_model_bin_and_no_config(tmp_path, huggan):
    torch.save(huggan.state_dict(), tmp_path / "pytorch_model.bin")
    check_same_generator(load_generator(str(tmp_path)), huggan)


@pytest.mark.parametrize("fmt, revision", [("safetensors", None), ("safetensors", "v1"), ("bin", COMMIT)])
def test_huggan_hub_repo_loads_from_the_cache_offline(tmp_path, huggan, fmt, revision):
    writer = ({"model.safetensors": lambda p: save_file(huggan.state_dict(), p)} if fmt == "safetensors"
              else {"pytorch_model.bin": lambda p: torch.save(huggan.state_dict(), p)})
    cache = hub_cache(tmp_path, "someone/dcgan-test", writer, revision=revision if revision == "v1" else "main")
    loaded = load_generator("someone/dcgan-test", revision, cache_dir=str(cache))
    check_same_generator(loaded, huggan)
    assert loaded.revision == revision


def test_hub_repo_missing_offline_fails_fast_with_a_clear_message(tmp_path):
    with pytest.raises(HubUnavailableError, match="cannot be reached.*Shipped checkpoints work offline: digits-dcgan"):
        load_generator("huggan/dcgan-mnist", "main", cache_dir=str(tmp_path))


def test_ganviz_checkpoint_conditional(tmp_path):
    config = TrainConfig(data=DataConfig(name="digits"),
                         model=ModelConfig(arch="dcgan", latent_dim=8, channels=4, conditional=True))
    torch.manual_seed(0)
    gan = GAN(config.to_dict(), [1, 28, 28], 10).eval()
    gan.save_pretrained(tmp_path)
    loaded = load_generator(tmp_path)
    assert (loaded.kind, loaded.latent_dim, loaded.num_classes, loaded.image_size) == ("ganviz", 8, 10, 28)
    z, y = torch.randn(4, 8), torch.tensor([0, 3, 3, 9])
    with torch.no_grad():
        torch.testing.assert_close(loaded.generate(z, y), gan.generator(z, y))
    torch.testing.assert_close(loaded.generate(z, 3), loaded.generate(z, torch.full((4,), 3)))
    with pytest.raises(ValueError, match="needs class labels"):
        loaded.generate(z)
    with pytest.raises(ValueError, match="0..9"):
        loaded.generate(z, 10)
    with pytest.raises(ValueError, match="expected 8 values"):
        loaded.generate(torch.randn(4, 9), y)


def test_malicious_pickle_is_refused(tmp_path, huggan):
    marker = tmp_path / "code-ran"

    class Payload:
        def __reduce__(self):
            return open, (str(marker), "w")  # unpickling this creates a file

    state = dict(huggan.state_dict())
    state["model.0.extra"] = Payload()
    torch.save(state, tmp_path / "pytorch_model.bin")
    torch.load(tmp_path / "pytorch_model.bin", weights_only=False)  # the plain unpickler does run it
    assert marker.exists()
    marker.unlink()
    with pytest.raises(CheckpointError, match="refused to unpickle"):
        load_generator(tmp_path)
    assert not marker.exists()


@pytest.mark.parametrize("text, message", [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "must hold an object"),
    (json.dumps({"width": 3}), "describes no known generator"),
    (json.dumps({"latent_dim": "big"}), "latent_dim must be a positive integer"),
    (json.dumps({"train": {"lr_d": -1}, "shape": [1, 28, 28]}), "lr_d"),
])
def test_malformed_config(tmp_path, huggan, text, message):
    save_file(huggan.state_dict(), tmp_path / "model.safetensors")
    (tmp_path / "config.json").write_text(text)
    with pytest.raises(CheckpointError, match=message):
        load_generator(tmp_path)


def test_missing_and_unreadable_files(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(CheckpointError, match="no model.safetensors or pytorch_model.bin"):
        load_generator(tmp_path)
    (tmp_path / "model.safetensors").write_bytes(b"\x00garbage")
    with pytest.raises(CheckpointError, match="not a readable safetensors file"):
        load_generator(tmp_path)
    (tmp_path / "config.json").unlink()
    save_file({"linear.weight": torch.zeros(2, 2)}, tmp_path / "model.safetensors")
    with pytest.raises(CheckpointError, match="no config.json and not a huggan DCGAN"):
        load_generator(tmp_path)


def test_shape_mismatch_names_the_tensor(tmp_path, huggan):
    save_file(huggan.state_dict(), tmp_path / "model.safetensors")
    (tmp_path / "config.json").write_text(json.dumps({"num_channels": 1}))
    with pytest.raises(CheckpointError, match=r"model\.12\.weight is \(64, 3, 4, 4\) in the file but \(64, 1, 4, 4\)"):
        load_generator(tmp_path)


def test_bad_sources():
    with pytest.raises(CheckpointError, match="give a shipped checkpoint name"):
        load_generator("  ")
    with pytest.raises(CheckpointError, match="not a folder, a shipped checkpoint"):
        load_generator("no/such/folder")
    with pytest.raises(CheckpointError, match="revision only applies to Hub repos"):
        load_generator("digits-dcgan", revision="main")


def test_hub_probe(monkeypatch):
    for var in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    assert not hub_reachable()  # HF_HUB_OFFLINE
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        monkeypatch.setattr(constants, "ENDPOINT", f"http://127.0.0.1:{server.getsockname()[1]}")
        assert hub_reachable()
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))  # bound but not listening: connection refused
        monkeypatch.setattr(constants, "ENDPOINT", f"http://127.0.0.1:{closed.getsockname()[1]}")
        assert not hub_reachable()


@pytest.mark.parametrize("source, message", [
    ("a/..", "Repo id must use alphanumeric chars"),
    ("owner/na..me", "Cannot have -- or .."),
    ("owner/.hidden", "cannot start or end with '-' or '.'"),
    ("x" * 5000, "at most 96 characters, this has 5,000"),
    ("o/" + "n" * 200, "at most 96 characters"),
    ("bad\x00id", "the form owner/name"),
    ("~no-such-user-here/x", "the form owner/name"),
])
def test_bad_hub_ids_are_checkpoint_errors(source, message):
    """huggingface_hub's HFValidationError and the OS's 'file name too long' never escape."""
    with pytest.raises(CheckpointError, match=message) as info:
        load_generator(source)
    assert len(str(info.value)) < 600


def test_a_bad_revision_is_refused_before_any_hub_call(tmp_path):
    with pytest.raises(CheckpointError, match="not a branch, tag or commit hash"):
        load_generator("someone/repo", "../../outside", cache_dir=str(tmp_path))
    with pytest.raises(CheckpointError, match="not a branch, tag or commit hash"):
        load_generator("someone/repo", "r" * 5000, cache_dir=str(tmp_path))


@pytest.mark.parametrize("content", [b"these are not weights\n" * 10, b"", b"PK\x03\x04" + b"\x00" * 40,
                                     bytes(range(256)) * 4])
def test_a_bin_file_that_is_no_checkpoint(tmp_path, content):
    (tmp_path / "pytorch_model.bin").write_bytes(content)
    with pytest.raises(CheckpointError, match="pytorch_model.bin: not a readable PyTorch weights file"):
        load_generator(tmp_path)


def test_a_config_nested_too_deeply(tmp_path, huggan):
    save_file(huggan.state_dict(), tmp_path / "model.safetensors")
    (tmp_path / "config.json").write_text('{"latent_dim": ' + "[" * 5000 + "]" * 5000 + "}")
    with pytest.raises(CheckpointError, match="config.json: the JSON is nested too deeply"):
        load_generator(tmp_path)


def test_nested_means_in_a_run_config_name_the_field(tmp_path, huggan):
    deep = 0.0
    for _ in range(300):
        deep = [deep]
    train = TrainConfig(data=DataConfig(name="custom", means=[[0.0, 0.0]])).to_dict()
    train["data"]["means"] = [deep]
    save_file(huggan.state_dict(), tmp_path / "model.safetensors")
    (tmp_path / "config.json").write_text(json.dumps({"train": train, "shape": [2]}))
    with pytest.raises(CheckpointError, match=r"data\.means\[0\]: expected two finite numbers"):
        load_generator(tmp_path)


@pytest.mark.parametrize("config", [{"hidden_size": 10**6}, {"latent_dim": [[[[1]]]] * 3}])
def test_absurd_huggan_sizes_are_refused_before_building_networks(tmp_path, huggan, config):
    save_file(huggan.state_dict(), tmp_path / "model.safetensors")
    (tmp_path / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match="must be a positive integer up to"):
        load_generator(tmp_path)


@pytest.mark.parametrize("layout, message", [
    ({"shape": [1, 100000, 100000]}, "shape must be 1 to 3 positive integers"),
    ({"shape": "big"}, "shape must be"),
    ({"shape": [2], "num_classes": 10**9}, "num_classes must be an integer from 0 to 1000"),
])
def test_an_absurd_layout_is_refused_before_building_networks(tmp_path, huggan, layout, message):
    save_file(huggan.state_dict(), tmp_path / "model.safetensors")
    (tmp_path / "config.json").write_text(json.dumps({"train": TrainConfig().to_dict(), **layout}))
    with pytest.raises(CheckpointError, match=message):
        load_generator(tmp_path)


def _tiny_run(folder):
    from ganviz.training import Trainer

    Trainer(TrainConfig(batch_size=8, model=dict(width=8, depth=1)), device="cpu").save(folder)
    return folder


def test_a_config_that_describes_huge_networks_is_refused_from_the_file_header(tmp_path, monkeypatch):
    """A config.json whose training config asks for 16 billion parameters (every value inside its
    field's limits), next to a small weights file: refused from the safetensors header, on the meta
    device, before any real network is built or any tensor is read."""
    folder = _tiny_run(tmp_path / "run")
    config = json.loads((folder / "config.json").read_text())
    config["train"]["model"].update(width=4096, depth=16)
    config["train"].update(remedy="mixture", n_generators=64, batch_size=256)
    (folder / "config.json").write_text(json.dumps(config))

    def must_not_read(*args, **kwargs):
        raise AssertionError("the tensors were read")

    monkeypatch.setattr("ganviz.hub.read_state_dict", must_not_read)
    from ganviz.training import Trainer

    for load in (load_generator, Trainer.from_checkpoint):
        with pytest.raises(CheckpointError, match="do not fit the layout its config describes"):
            load(str(folder))


def test_a_network_above_the_run_budget_is_refused_before_its_weights_are_read(tmp_path, monkeypatch):
    folder = _tiny_run(tmp_path / "run")
    monkeypatch.setenv("GANVIZ_RUN_MEMORY_MB", "1")
    assert load_generator(str(folder)).latent_dim > 0  # a few KB of weights fit
    config = json.loads((folder / "config.json").read_text())
    config["train"]["model"].update(width=1024, depth=2)  # about 2 M parameters: 8 MB
    (folder / "config.json").write_text(json.dumps(config))
    with torch.device("meta"):
        big = GAN(config["train"], config["shape"], 0)
    save_file({k: torch.zeros(v.shape) for k, v in big.state_dict().items()}, str(folder / "model.safetensors"))
    with pytest.raises(CheckpointError, match=r"would hold [\d,]+ MB of weights, above the limit of 1 MB per run"):
        load_generator(str(folder))
