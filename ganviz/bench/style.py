"""Style-transfer speed: ganviz against the PyTorch tutorial's algorithm.

The reference is the tutorial "Neural Transfer Using PyTorch" written out compactly but
faithfully below: loss modules spliced into a copy of VGG19 after conv_1..conv_5, L-BFGS with
its defaults and the loop ``while run[0] <= num_steps: optimizer.step(closure)`` (which
evaluates the loss 320 times for num_steps=300). Both sides start from the same content
picture with the same VGG19 (random weights by default: the speed does not depend on them) at
the same size, and both are timed from the pictures on the device to the finished picture.
Reported per variant: seconds, evaluations, milliseconds per evaluation, and the final loss
re-measured in fp32, so a faster variant cannot hide a worse result.
"""
from __future__ import annotations

import argparse
import copy
import time

import torch
import torch.nn.functional as F
from torch import nn

from ganviz.device import resolve_device
from ganviz.style.examples import example
from ganviz.style.images import to_tensor
from ganviz.style.transfer import LAYER_SETS, StyleConfig, StyleObjective, StyleTransfer
from ganviz.style.vgg import IMAGENET_MEAN, IMAGENET_STD, VGGFeatures, load_vgg19


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("style")
    group.add_argument("--style-size", type=int, default=None, help="side in pixels (default: 512 GPU, 128 CPU)")
    group.add_argument("--style-evals", type=int, default=300, help="L-BFGS evaluations (the tutorial's num_steps)")
    group.add_argument("--style-device", default="auto", choices=["auto", "cpu", "cuda"])
    group.add_argument("--style-weights", default="random", help="'random', 'imagenet' or a weights file")


# -- the PyTorch tutorial, compactly -----------------------------------------------------------
class _Normalization(nn.Module):
    def __init__(self, mean, std, device):
        super().__init__()
        self.mean = torch.tensor(mean, device=device).view(-1, 1, 1)
        self.std = torch.tensor(std, device=device).view(-1, 1, 1)

    def forward(self, img):
        return (img - self.mean) / self.std


def _tutorial_gram(x):
    a, b, c, d = x.size()
    features = x.view(a * b, c * d)
    return torch.mm(features, features.t()).div(a * b * c * d)


class _ContentLoss(nn.Module):
    def __init__(self, target):
        super().__init__()
        self.target = target.detach()

    def forward(self, x):
        self.loss = F.mse_loss(x, self.target)
        return x


class _StyleLoss(nn.Module):
    def __init__(self, target_feature):
        super().__init__()
        self.target = _tutorial_gram(target_feature).detach()

    def forward(self, x):
        self.loss = F.mse_loss(_tutorial_gram(x), self.target)
        return x


def _tutorial_model(cnn, content_img, style_img, content_layers=("conv_4",),
                    style_layers=("conv_1", "conv_2", "conv_3", "conv_4", "conv_5")):
    normalization = _Normalization(IMAGENET_MEAN, IMAGENET_STD, content_img.device)
    content_losses, style_losses = [], []
    model = nn.Sequential(normalization)
    i = 0
    for layer in cnn.children():
        if isinstance(layer, nn.Conv2d):
            i += 1
            name = f"conv_{i}"
        elif isinstance(layer, nn.ReLU):
            name = f"relu_{i}"
            layer = nn.ReLU(inplace=False)
        elif isinstance(layer, nn.MaxPool2d):
            name = f"pool_{i}"
        else:
            raise RuntimeError(f"Unrecognized layer: {layer.__class__.__name__}")
        model.add_module(name, layer)
        if name in content_layers:
            content_loss = _ContentLoss(model(content_img).detach())
            model.add_module(f"content_loss_{i}", content_loss)
            content_losses.append(content_loss)
        if name in style_layers:
            style_loss = _StyleLoss(model(style_img).detach())
            model.add_module(f"style_loss_{i}", style_loss)
            style_losses.append(style_loss)
    for i in range(len(model) - 1, -1, -1):
        if isinstance(model[i], (_ContentLoss, _StyleLoss)):
            break
    return model[: i + 1], style_losses, content_losses


def tutorial_style_transfer(cnn, content_img, style_img, input_img, num_steps=300, style_weight=1000000,
                            content_weight=1):
    """The tutorial's ``run_style_transfer``; returns (picture, number of evaluations)."""
    model, style_losses, content_losses = _tutorial_model(cnn, content_img, style_img)
    input_img.requires_grad_(True)
    model.eval()
    model.requires_grad_(False)
    optimizer = torch.optim.LBFGS([input_img])
    run = [0]
    while run[0] <= num_steps:
        def closure():
            with torch.no_grad():
                input_img.clamp_(0, 1)
            optimizer.zero_grad()
            model(input_img)
            style_score = sum(sl.loss for sl in style_losses) * style_weight
            content_score = sum(cl.loss for cl in content_losses) * content_weight
            loss = style_score + content_score
            loss.backward()
            run[0] += 1
            return style_score + content_score
        optimizer.step(closure)
    with torch.no_grad():
        input_img.clamp_(0, 1)
    return input_img, run[0]


# -- the suite ---------------------------------------------------------------------------------
def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _final_loss(features, content, style, picture, layers: str) -> float:
    """The variant's objective on its finished picture, in fp32 (defaults: weights 1 and 1e6)."""
    vgg = VGGFeatures(features, sum(LAYER_SETS[layers], [])).to(content.device)
    with torch.no_grad():
        objective = StyleObjective(vgg, content, style, *LAYER_SETS[layers])
        return float(objective(picture.clamp(0, 1)).sum())


def host_syncs_per_evaluation(features, content, style, evals: int = 5) -> float:
    """How often one ganviz evaluation (forward, backward, L-BFGS update) waits for the GPU."""
    import warnings

    transfer = StyleTransfer(content[0], style[0], StyleConfig(steps=50, size=content.shape[-1]), features=features,
                             device=content.device)
    transfer.step(3)  # past the first-iteration special case
    torch.cuda.synchronize()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.cuda.set_sync_debug_mode("warn")
        try:
            for _ in range(evals):
                transfer.optimizer.step(transfer._evaluate)
        finally:
            torch.cuda.set_sync_debug_mode("default")
    return len(caught) / evals


def run(args: argparse.Namespace) -> dict:
    device = resolve_device(args.style_device)
    size = args.style_size or StyleConfig().default_size(device)
    features = load_vgg19(args.style_weights)
    content = to_tensor(example("Mountain lake").resize((size, size)))[None].to(device)
    style = to_tensor(example("Swirls").resize((size, size)))[None].to(device)
    report = {"device": str(device), "size": size, "weights": args.style_weights, "variants": {}}

    def record(name: str, seconds: float, evals: int, picture: torch.Tensor, layers: str, **extra) -> None:
        report["variants"][name] = {"seconds": round(seconds, 3), "evaluations": evals,
                                    "ms_per_eval": round(1000 * seconds / evals, 3),
                                    "final_loss_fp32": _final_loss(features, content, style, picture, layers), **extra}
        print(f"  {name:<32} {seconds:7.3f} s  {evals} evals  {1000 * seconds / evals:7.2f} ms/eval  "
              f"final loss {report['variants'][name]['final_loss_fp32']:.5g}  {extra or ''}", flush=True)

    def reference(evals: int):
        cnn = copy.deepcopy(features).to(device)
        _sync(device)
        start = time.perf_counter()
        picture, count = tutorial_style_transfer(cnn, content, style, content.clone(), num_steps=evals)
        _sync(device)
        return time.perf_counter() - start, count, picture.detach()

    def ganviz(evals: int, layers: str, precision: str, graph: bool = True):
        config = StyleConfig(steps=evals, size=size, layers=layers, precision=precision)
        _sync(device)
        start = time.perf_counter()
        transfer = StyleTransfer(content[0], style[0], config, features=features, device=device)
        transfer.use_graph &= graph
        transfer.step(evals)
        picture = transfer.result()
        seconds = time.perf_counter() - start
        extra = {"cuda_graph": transfer.graphed, **({"graph_error": transfer.graph_error} if transfer.graph_error else {})}
        return seconds, transfer.step_count, picture[None].to(device), extra, transfer.history.as_dict()["loss"]

    cuda = device.type == "cuda"
    precisions = ["fp32", "bf16"] if cuda and torch.cuda.is_bf16_supported() else ["fp32"]
    variants = [(f"ganviz {layers} {p}", layers, p, True) for layers in ("tutorial", "gatys") for p in precisions]
    if cuda:  # the same without the CUDA graph: what the graph buys, and that it computes the same
        variants.insert(0, ("ganviz gatys fp32, no CUDA graph", "gatys", "fp32", False))
    reference(5)  # warm-up: cuDNN/cuBLAS set-up, allocator pools
    for _, layers, p, graph in variants:
        ganviz(5, layers, p, graph)
    seconds, count, picture = reference(args.style_evals)
    record("tutorial (reference)", seconds, count, picture, "tutorial")
    losses = {}
    for name, layers, p, graph in variants:
        seconds, count, picture, extra, losses[name] = ganviz(args.style_evals, layers, p, graph)
        record(name, seconds, count, picture, layers, **extra)
    if cuda:  # graph replays vs eager kernels: the same optimisation up to cuDNN's rounding
        eager, graphed = losses["ganviz gatys fp32, no CUDA graph"][:30], losses["ganviz gatys fp32"][:30]
        report["graph_vs_eager_max_rel_diff_first_30_losses"] = max(abs(a - b) / abs(b) for a, b in zip(graphed, eager))
        print(f"  graph vs eager, first 30 losses: max relative difference "
              f"{report['graph_vs_eager_max_rel_diff_first_30_losses']:.2e}", flush=True)
    if device.type == "cuda":
        report["ganviz_host_syncs_per_eval"] = host_syncs_per_evaluation(features, content, style)
        print(f"  ganviz host syncs per evaluation: {report['ganviz_host_syncs_per_eval']}", flush=True)
    ref = report["variants"]["tutorial (reference)"]
    for name, *_ in variants:
        v = report["variants"][name]
        v["speedup_per_eval"] = round(ref["ms_per_eval"] / v["ms_per_eval"], 2)
        v["speedup_total"] = round(ref["seconds"] / v["seconds"], 2)
    return report
