"""Training speed, all on the same work in one run:

- the toy GAN (MLP 3x128, batch 512) as tutorials write the loop (zero_grad / backward / step and
  a ``.item()`` per step for the log), ganviz's Trainer on its plain path, and on its fast path;
- a population of toy GANs trained as one batched model (GAN-steps/s over all members);
- DCGAN on 28x28 digits, batch 128: the tutorial loop and the Trainer's two paths;
- what a live page costs: training throughput of a TrainingWorker while a thread polls
  ``snapshot()`` at 4 Hz, against the same worker unobserved;
- the mode-collapse remedies that a CUDA graph may replay, on the grid25 collapse preset: the
  Trainer's plain path against its fast path, with the plain GAN for reference.

Variants of the same work take turns after a warm-up (the median of at least three turns of
about ``--training-seconds`` in all), host clock around whole calls that end in a host sync (so the
GPU's queue is included). Ratios are printed at the end.
"""
from __future__ import annotations

import statistics
import sys
import threading
import time
from typing import Callable

TOY = {"model.width": 128, "model.depth": 3, "batch_size": 512}
DCGAN = {"data.name": "digits", "data.image_size": 28, "model.arch": "dcgan", "batch_size": 128}
CHUNK = {"toy": 100, "DCGAN": 10}  # updates per timed call


def add_arguments(parser) -> None:
    parser.add_argument("--training-seconds", type=float, default=3.0,
                        help="training: timed seconds per measurement (after a warm-up)")
    parser.add_argument("--training-device", default="auto", choices=["auto", "cpu", "cuda"],
                        help="training: device to time")
    parser.add_argument("--training-population", type=int, default=None,
                        help="training: members of the population (default 64 on a GPU, 8 on a CPU)")
    parser.add_argument("--training-remedies", default="graph-safe",
                        help="training: remedies to time on the grid25 preset, comma-separated "
                             "('graph-safe': those the fast path replays; '': none)")


def _sync(device) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def rates(calls: dict[str, Callable[[], object]], units: int, seconds: float, device) -> dict[str, float]:
    """``units`` per call, per second, for each variant: after one warm-up call each, the variants
    take turns (so a machine whose clock drifts during the run slows them all alike) for about
    ``seconds`` each and at least three turns; the median turn counts."""
    for call in calls.values():
        call()
    times: dict[str, list[float]] = {name: [] for name in calls}
    deadline = time.perf_counter() + seconds * len(calls)
    while time.perf_counter() < deadline or len(times[next(iter(calls))]) < 3:
        for name, call in calls.items():
            _sync(device)
            start = time.perf_counter()
            call()
            _sync(device)
            times[name].append(time.perf_counter() - start)
    return {name: units / statistics.median(t) for name, t in times.items()}


def tutorial_loop(config, device) -> Callable[[int], list]:
    """The Trainer's update as the tutorials write it: fresh real and latent batches, D on real and
    detached fakes, then G on a fresh latent batch; ``.item()`` per step for the log."""
    import torch
    from torch import nn

    from ganviz.data import build_dataset
    from ganviz.models import build_models

    dataset = build_dataset(config.data).to(device)
    torch.manual_seed(config.seed)
    generator, discriminator = (m.to(device) for m in build_models(config.model, dataset.shape))
    betas = (config.beta1, config.beta2)
    opt_g = torch.optim.Adam(generator.parameters(), lr=config.lr_g, betas=betas)
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=config.lr_d, betas=betas)
    criterion = nn.BCEWithLogitsLoss()
    rng = torch.Generator(device).manual_seed(config.seed)
    n, latent = config.batch_size, config.model.latent_dim
    ones, zeros = torch.ones(n, device=device), torch.zeros(n, device=device)
    log = []

    def run(steps: int) -> list:
        for _ in range(steps):
            real = dataset.sample(n, rng)
            real = real[0] if isinstance(real, tuple) else real
            fake = generator(torch.randn(n, latent, device=device)).detach()
            opt_d.zero_grad()
            d_loss = criterion(discriminator(real), ones) + criterion(discriminator(fake), zeros)
            d_loss.backward()
            opt_d.step()
            opt_g.zero_grad()
            g_loss = criterion(discriminator(generator(torch.randn(n, latent, device=device))), ones)
            g_loss.backward()
            opt_g.step()
            log.append((d_loss.item(), g_loss.item()))
        return log

    return run


def _paths(config, device, seconds: float, label: str) -> dict:
    from ganviz.training import Trainer

    chunk = CHUNK[label]
    loop = tutorial_loop(config, device)
    plain, fast = Trainer(config, device=device, fast=False), Trainer(config, device=device)
    out = rates({"tutorial_loop": lambda: loop(chunk), "trainer_plain": lambda: plain.step(chunk),
                 "trainer_fast": lambda: fast.step(chunk)}, chunk, seconds, device)
    for name, value in out.items():
        print(f"  {label}, {name.replace('_', ' ')}: {value:,.0f} steps/s", file=sys.stderr)
    out["fast_path"] = fast.fast.describe()
    out["fast_vs_tutorial"] = out["trainer_fast"] / out["tutorial_loop"]
    out["plain_vs_tutorial"] = out["trainer_plain"] / out["tutorial_loop"]
    return out


def _population(config, device, size: int, seconds: float) -> dict:
    from ganviz.training.population import Population

    configs = [config.replace(seed=i, lr_d=10 ** (-4 + 2 * (i % 8) / 7), lr_g=10 ** (-4 + 2 * (i // 8 % 8) / 7))
               for i in range(size)]
    populations = {streams: Population(configs, device=device, streams=streams) for streams in ("shared", "member")}
    calls = {f"gan_steps_per_s_{streams}_streams": (lambda p=p: p.step(20)) for streams, p in populations.items()}
    measured = rates(calls, 20 * size, seconds, device)
    for name, value in measured.items():
        print(f"  population of {size}, {name[16:].replace('_', ' ')}: {value:,.0f} GAN-steps/s", file=sys.stderr)
    return {"members": size, "path": populations["shared"].describe(), **measured}


def _polling(config, device, seconds: float) -> dict:
    """Steps/s of a TrainingWorker unobserved, then with a 4 Hz poller, then unobserved again."""
    from ganviz.training import Trainer
    from ganviz.training.worker import TrainingWorker

    worker = TrainingWorker(Trainer(config, device=device))
    polls = 0

    def measure(poll: bool) -> float:
        nonlocal polls
        stop = threading.Event()

        def poller():
            nonlocal polls
            while not stop.wait(0.25):
                worker.snapshot()
                polls += 1

        thread = threading.Thread(target=poller, daemon=True) if poll else None
        if thread:
            thread.start()
        # (time, steps) whenever a chunk lands: the rate over whole chunks, free of the
        # quantisation a fixed window would add (one chunk is 25 updates)
        marks, end = [], time.perf_counter() + seconds
        while time.perf_counter() < end or len(marks) < 3:
            steps = worker.trainer.step_count
            if not marks or steps != marks[-1][1]:
                marks.append((time.perf_counter(), steps))
            time.sleep(0.002)
        stop.set()
        if thread:
            thread.join()
        (t0, s0), (t1, s1) = marks[1], marks[-1]  # marks[0] is the window's start, not a chunk's end
        return (s1 - s0) / (t1 - t0)

    try:
        worker.start(None)
        time.sleep(min(2.0, seconds))  # warm-up, capture
        alone = measure(False)
        polled = measure(True)
        alone_again = measure(False)
    finally:
        worker.close(release=True)
    unobserved = (alone + alone_again) / 2
    out = {"chunk": worker.chunk, "unobserved": unobserved, "polled_4hz": polled, "polls": polls,
           "overhead": 1 - polled / unobserved}
    print(f"  worker unobserved {unobserved:,.0f} steps/s, polled at 4 Hz {polled:,.0f} steps/s "
          f"({100 * out['overhead']:+.1f}% cost)", file=sys.stderr)
    return out


def _remedies(names: list[str], device, seconds: float) -> dict:
    """Steps/s of each remedy on the grid25 collapse preset, on the Trainer's plain and fast paths."""
    from ganviz.collapse.experiment import preset
    from ganviz.training import Trainer

    out = {}
    for name in ["none", *names]:
        config = preset("grid25", name, device=device.type)
        plain, fast = Trainer(config, device=device, fast=False), Trainer(config, device=device)
        measured = rates({"plain": lambda: plain.step(CHUNK["toy"]), "fast": lambda: fast.step(CHUNK["toy"])},
                         CHUNK["toy"], seconds, device)
        out[name] = {**measured, "fast_vs_plain": measured["fast"] / measured["plain"],
                     "fast_path": fast.fast.describe()}
        print(f"  grid25 {name}: plain {measured['plain']:,.0f} steps/s, fast {measured['fast']:,.0f} steps/s "
              f"({out[name]['fast_vs_plain']:.1f}x)", file=sys.stderr)
    return out


def _remedy_names(spec: str) -> list[str]:
    from ganviz.training.remedies import REMEDIES

    if spec == "graph-safe":
        return [name for name, cls in REMEDIES.items() if cls.graph_safe]
    names = [n for n in spec.split(",") if n and n != "none"]
    unknown = [n for n in names if n not in REMEDIES]
    if unknown:
        raise ValueError(f"--training-remedies: unknown remedy {unknown[0]!r}; choose from {', '.join(REMEDIES)}")
    return names


def run(args) -> dict:
    import torch

    from ganviz.config import TrainConfig
    from ganviz.device import describe_device, resolve_device

    remedies = _remedy_names(args.training_remedies)
    device = resolve_device(args.training_device)
    seconds = args.training_seconds
    size = args.training_population or (64 if device.type == "cuda" else 8)
    toy = TrainConfig().replace(device=device.type, **TOY)
    dcgan = TrainConfig().replace(device=device.type, **DCGAN)
    report = {"device": describe_device(device), "torch": torch.__version__, "seconds": seconds,
              "toy": {"setup": "MLP 3x128, batch 512, ring8, ns loss", **_paths(toy, device, seconds, "toy")},
              "population": _population(toy, device, size, seconds),
              "dcgan": {"setup": "DCGAN 28x28 digits, 64 channels, batch 128",
                        **_paths(dcgan, device, seconds, "DCGAN")},
              "ui_polling": _polling(toy, device, seconds),
              "remedies": {"setup": "grid25 collapse preset (MLP 2x128, batch 256)",
                           **_remedies(remedies, device, seconds)}}
    report["population"]["vs_one_fast_trainer"] = (report["population"]["gan_steps_per_s_shared_streams"]
                                                   / report["toy"]["trainer_fast"])
    print(f"== training ratios on {report['device']}: toy fast/tutorial "
          f"{report['toy']['fast_vs_tutorial']:.1f}x, plain/tutorial {report['toy']['plain_vs_tutorial']:.2f}x; "
          f"population/one trainer {report['population']['vs_one_fast_trainer']:.1f}x; DCGAN fast/tutorial "
          f"{report['dcgan']['fast_vs_tutorial']:.2f}x; UI polling cost "
          f"{100 * report['ui_polling']['overhead']:+.1f}%", file=sys.stderr)
    return report
