"""Measuring generators: draw n samples from each, embed them, compare with the real data.

A generator is an :class:`ImageSource` — a name, a function drawing images in [-1, 1], and the
data it was trained on (the default reference). :func:`load_source` opens any checkpoint
:func:`ganviz.hub.load_generator` opens: shipped names, local folders, Hub ids, huggan DCGANs.
"""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch

from ganviz.config import DataConfig
from ganviz.metrics.extractors import FeatureExtractor, build_extractor, default_extractor
from ganviz.metrics.memory import claim_evaluation_memory, plan_evaluation_memory
from ganviz.metrics.reference import reference_embedding
from ganviz.metrics.scores import Progress, compare, embed, inception_score


@dataclass
class ImageSource:
    name: str
    draw: Callable[[int, torch.Generator], torch.Tensor]  # (n, rng) -> (n, C, H, W) in [-1, 1]
    data: DataConfig | None = None                         # what it was trained on, if known
    image_size: int = 28


def source_from_gan(gan, name: str, device: str | torch.device = "cpu") -> ImageSource:
    """An ImageSource from a live :class:`ganviz.training.GAN` (the Train page's, a Trainer's).

    It draws from a copy of the generator taken now, so training may go on meanwhile."""
    from ganviz.hub import LoadedGenerator

    generator = copy.deepcopy(gan.generator).to(device).eval().requires_grad_(False)
    loaded = LoadedGenerator(generator, "ganviz", gan.latent_dim, gan.num_classes, tuple(gan.shape), name,
                             description="", config={"train": gan.config.to_dict()})
    return source_from_generator(loaded, name)


def source_from_generator(generator, name: str | None = None) -> ImageSource:
    """An ImageSource from a :class:`ganviz.hub.LoadedGenerator` (ganviz or huggan checkpoint)."""
    name = name or generator.source
    if not generator.is_image:
        raise ValueError(f"{name}: a 2-D toy GAN; the image metrics need an image generator "
                         "(toy GANs are measured on the Modes page)")
    data = DataConfig.from_dict(generator.config["train"]["data"]) if generator.kind == "ganviz" else None

    def draw(n: int, rng: torch.Generator) -> torch.Tensor:
        z = torch.randn(n, generator.latent_dim, generator=rng, device=rng.device)
        y = (torch.randint(generator.num_classes, (n,), generator=rng, device=rng.device)
             if generator.conditional else None)
        return generator.generate(z, y, batch_size=n)

    return ImageSource(name, draw, data, generator.image_size)


def load_source(spec: str, device: str | torch.device = "cpu", revision: str | None = None) -> ImageSource:
    """A shipped checkpoint name, a local folder or a Hub id (see :func:`ganviz.hub.load_generator`)."""
    from ganviz.hub import load_generator

    return source_from_generator(load_generator(spec, revision, device=device), spec)


@dataclass
class Evaluation:
    source: str
    extractor: dict
    reference: dict
    n: int
    seed: int
    scores: dict[str, dict]
    seconds: float
    samples: torch.Tensor = field(repr=False)  # the first few images drawn, for sample grids
    coverage: dict | None = None  # exact mode coverage, where the extractor knows the data's modes (shapes)

    def to_dict(self) -> dict:
        return {"source": self.source, "extractor": self.extractor, "reference": self.reference, "n": self.n,
                "seed": self.seed, "scores": self.scores, "seconds": round(self.seconds, 2),
                "images_per_second": round(self.n / max(self.seconds, 1e-9), 1),
                **({"coverage": self.coverage} if self.coverage is not None else {})}


def coverage_line(coverage: dict) -> str:
    """One line on a shapes generator's mode coverage, with the 2D lab's names for the numbers."""
    return (f"modes (shape x colour) covered {coverage['modes']}/{coverage['num_modes']}, held (>= 1% of samples) "
            f"{coverage['modes_held']}/{coverage['num_modes']}, high quality {coverage['high_quality']:.1f}% "
            f"(factor network >= {coverage['confidence']:.0%} sure), reverse KL {coverage['reverse_kl']:.3f} nats")


def _reference_data(source: ImageSource, reference: DataConfig | str | None) -> DataConfig:
    if isinstance(reference, DataConfig):
        return reference
    if isinstance(reference, str):
        return DataConfig(name=reference, image_size=source.image_size if source.image_size in (28, 32, 64) else 28)
    if source.data is None:
        raise ValueError(f"reference: {source.name} does not say what data it was trained on; name a reference "
                         "dataset (e.g. 'digits')")
    return source.data


def evaluate(sources: list[ImageSource | str], n: int = 10_000, *,
             extractor: FeatureExtractor | str | None = None, reference: DataConfig | str | None = None,
             seed: int = 0, batch_size: int = 500, device: str | torch.device | None = None,
             progress: Progress | None = None, keep_samples: int = 64, use_cache: bool = True,
             **score_kwargs) -> list[Evaluation]:
    """FD, IS, KID, precision and recall of each source against its reference data.

    The reference embedding (up to ``n`` real images) comes from the cache when it can. Every
    source draws ``n`` samples from the same seeded latent stream, so reruns give the same numbers.
    ``progress(stage, done, total)`` is called after each batch; an exception raised inside it
    (a Stop button) ends the evaluation. Without an ``extractor``, the shipped one made for the first
    source's reference data measures them all. Where the extractor knows the reference data's modes
    (the shape factor network on ``shapes``), each result also has its exact mode coverage.
    """
    from ganviz.device import resolve_device
    from ganviz.resources import out_of_memory_guard

    if n < 2 or batch_size < 1:
        raise ValueError(f"n, batch_size: need n >= 2 and batch_size >= 1, got {n}, {batch_size}")
    device = torch.device(device) if device is not None else resolve_device()
    sources = [load_source(source, device) if isinstance(source, str) else source for source in sources]
    if extractor is None and sources:
        extractor = default_extractor(_reference_data(sources[0], reference).name)
    if isinstance(extractor, str):
        extractor = build_extractor(extractor, device)
    results, references = [], {}
    for source in sources:
        data = _reference_data(source, reference)
        ref_key = data.to_json()
        plan = plan_evaluation_memory(extractor, source.draw(1, torch.Generator(device).manual_seed(seed)), n,
                                      batch_size, extractor.num_features, extractor.num_classes)
        claim_evaluation_memory(plan)  # held until the next source's plan replaces it
        with out_of_memory_guard("computing image metrics", "Use fewer samples or a smaller batch size."):
            if ref_key not in references:
                real, info = reference_embedding(data, extractor, n, seed=seed, batch_size=plan.batch_size,
                                                 progress=progress, use_cache=use_cache)
                info["is"] = inception_score(real.logits, seed=seed)["value"]  # what real data gets: the scale's top
                references[ref_key] = real, info
            real, info = references[ref_key]
            start = time.perf_counter()
            rng = torch.Generator(device).manual_seed(seed + 1)
            kept = []

            def batches():
                for i in range(0, n, plan.batch_size):
                    images = source.draw(min(plan.batch_size, n - i), rng)
                    if sum(len(k) for k in kept) < keep_samples:
                        kept.append(images[:keep_samples].cpu())
                    yield images

            fake = embed(batches(), extractor, n, progress, f"sampling {source.name}")
            seconds = time.perf_counter() - start
            if progress is not None:
                progress(f"scoring {source.name}", 0, 1)
            scores = compare(real, fake, extractor.names, seed=seed, device=device, **score_kwargs)
            coverage = extractor.coverage(fake.logits, data) if hasattr(extractor, "coverage") else None
        results.append(Evaluation(source.name, extractor.describe(), info, n, seed, scores, seconds,
                                  torch.cat(kept)[:keep_samples], coverage))
    return results


# -- model cards ---------------------------------------------------------------------------------
CARD_SECTION = "## Measured quality"


def quality_section(evaluation: Evaluation, date: str) -> str:
    ref, extractor = evaluation.reference, evaluation.extractor
    caveat = ("" if extractor["key"] == "inception-v3" else
              " These are **not** Inception FID/IS values and are not comparable with published FIDs.")
    lines = [CARD_SECTION, "",
             f"Measured with `python -m ganviz evaluate` on {date}: {evaluation.n:,} samples against "
             f"{ref['n']:,} real `{ref['dataset']}` images ({ref['image_size']}px), seed {evaluation.seed}; "
             f"feature extractor: {extractor['title']}.{caveat} The real images themselves score "
             f"{ref['is']:.3g} on the {evaluation.scores['is']['name']}.",
             "", "| metric | value | better |", "|---|---|---|"]
    for score in evaluation.scores.values():
        std = f" ± {score['std']:.3g}" if "std" in score else ""
        lines.append(f"| {score['name']} | {score['value']:.4g}{std} | {score['better']} |")
    lines += ["", *spread_notes(evaluation.scores)]
    if evaluation.coverage is not None:
        lines += ["", coverage_line(evaluation.coverage) + "."]
    return "\n".join(lines) + "\n"


def spread_notes(scores: dict[str, dict]) -> list[str]:
    """What each ± is, one line per metric that has one: "± of <metric>: std over ..."."""
    return [f"± of the {score['name']}: std over {score['std_over']}." for score in scores.values()
            if "std_over" in score]


def write_quality_section(folder: str | Path, evaluation: Evaluation, date: str | None = None) -> Path:
    """Append (or replace) the "Measured quality" section of a checkpoint's README.md model card."""
    card = Path(folder) / "README.md"
    text = card.read_text() if card.is_file() else f"# {Path(folder).name}\n"
    if CARD_SECTION in text:  # replace up to the next section of the same level
        head, rest = text.split(CARD_SECTION, 1)
        tail = rest.split("\n## ", 1)
        text = head.rstrip() + "\n" + ("\n## " + tail[1] if len(tail) > 1 else "")
    section = quality_section(evaluation, date or time.strftime("%Y-%m-%d"))
    card.write_text(text.rstrip() + "\n\n" + section)
    return card
