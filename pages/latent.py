"""Latent explorer: what lives in a generator's latent space.

Pick a generator (shipped, a local folder or a Hub repo), see a grid of seeded samples, walk
between two of them linearly or along the sphere, and move sliders on latent coordinates and on
GANSpace principal directions. For a generator trained on ``shapes`` the shape factor network names
what each direction moves, fits the direction that moves a chosen factor and reads the factors
along the walks. Every computation comes from ``ganviz.hub`` and ``ganviz.latent``.
"""
from __future__ import annotations

import numpy as np
import streamlit as st

import ui  # noqa: F401  (first: the app-shell guard in ui/__init__.py runs before heavy imports)
import torch

from ganviz.device import resolve_device
from ganviz.hub import MODEL_ZOO, CheckpointError, HubUnavailableError, load_generator
from ganviz.latent.naming import (FIT_FACTORS, class_names, factor_profile, factors_along, fit_direction, goal,
                                  trained_on_shapes)
from ganviz.latent.pictures import enlarge, image_grid, png_bytes
from ganviz.latent.walk import interpolate, move, pca_directions, sample_latents, seeded_latents
from ui import latent, links
from ui.mode_collapse import factor_net
from ui.vega_charts import live_chart

PCA_DIRECTIONS = 8
COORDINATE_SLIDERS = 6
SLIDER_RANGE = 4.0
MAX_SEED = 2**31 - 1
SAMPLE_COUNTS = [10, 20, 40, 64, 100]

st.title("🧭 Latent explorer")
st.caption("A generator maps a random vector *z* to an image. Seeds pick vectors, interpolation walks between "
           "them, and sliders push one along a coordinate or along a principal direction of the generator's "
           "early features (GANSpace) — the image follows at once.")


@st.cache_resource(show_spinner="Loading the generator…", max_entries=6)
def generator_for(source: str, revision: str | None):
    return load_generator(source, revision, device=resolve_device())


@st.cache_resource(show_spinner="Finding the principal directions (PCA of early features)…", max_entries=6)
def directions_for(source: str, revision: str | None, k: int):
    return pca_directions(generator_for(source, revision), k=k)


@st.cache_resource(show_spinner="Naming the directions: moving samples along each and reading their factors…",
                   max_entries=6)
def profile_for(source: str, revision: str | None, k: int, label: int | None):
    return factor_profile(generator_for(source, revision), factor_net(), directions_for(source, revision, k).vectors,
                          y=label)


@st.cache_resource(show_spinner="Fitting the direction: reading samples' factors, then a linear model in z…",
                   max_entries=24)
def fitted_for(source: str, revision: str | None, factor: str, label: int | None):
    return fit_direction(generator_for(source, revision), factor_net(), factor, y=label)


def download(label: str, array: np.ndarray, name: str, key: str) -> None:
    st.download_button(f"⬇ {label}", png_bytes(array), file_name=name, mime="image/png", key=key)


def scale_for(size: int, target: int) -> int:
    return max(1, target // size)


# -- which generator ------------------------------------------------------------------------------
link = links.Link("latent")  # a shipped checkpoint by its name; never a folder or a Hub id typed here
with st.sidebar:
    st.header("Generator")
    origin = st.radio("From", ["Model zoo", "Local folder", "Hugging Face Hub"], key="lat_origin", horizontal=True)
    revision = None
    if origin == "Model zoo":
        entry = st.selectbox("Checkpoint", format_func=lambda e: e.title + (" 🌐" if e.needs_internet else ""),
                             **link.index("checkpoint", "lat_zoo", MODEL_ZOO, MODEL_ZOO[0], label=lambda e: e.source))
        st.caption(entry.description + (" Needs internet." if entry.needs_internet else " Works offline."))
        source = entry.source
    elif origin == "Local folder":
        source = st.text_input("Folder", "checkpoints/digits-dcgan", key="lat_folder",
                               help="A folder with config.json + model.safetensors (or pytorch_model.bin): a ganviz "
                                    "run saved by the Train page or `python -m ganviz train`, or a huggan DCGAN.")
    else:
        source = st.text_input("Repo id", "huggan/dcgan-mnist", key="lat_repo", help="owner/name on huggingface.co")
        revision = st.text_input("Revision", "", key="lat_revision", placeholder="main",
                                 help="A branch, tag or commit hash; empty for the default branch.").strip() or None
    seed = int(st.number_input("Seed", **link.number("seed", "lat_seed", 0, MAX_SEED, 0),
                               help="Sample i of the grid uses seed + i: any sample can be drawn again alone."))

try:
    generator = generator_for(source, revision)
except HubUnavailableError as err:
    st.error(str(err))
    st.info("Offline? The shipped checkpoints in the **Model zoo** work without internet.")
    st.stop()
except CheckpointError as err:
    st.error(f"Could not load this checkpoint: {err}")
    st.stop()
if not generator.is_image:
    st.error(f"{source} is a 2-D toy generator; the latent explorer needs an image generator.")
    st.stop()

label = None
with st.sidebar:
    st.caption(generator.description)
    if generator.conditional:
        names = class_names(generator)
        label = st.selectbox("Class", **link.index("class", "lat_class", range(generator.num_classes), 0),
                             format_func=lambda i: f"{i}: {names[i]}" if names[i] != str(i) else names[i],
                             help="The class the conditional generator is asked to draw.")

size = generator.image_size
named = trained_on_shapes(generator)  # the shape factor network can read its pictures
tab_grid, tab_walk, tab_sliders = st.tabs(["🔲 Samples", "↔️ Interpolation", "🎚️ Sliders"])

# -- a grid of seeded samples --------------------------------------------------------------------
with tab_grid:
    left, right = st.columns([1, 3])
    n = left.select_slider("Samples", SAMPLE_COUNTS, **link.value("n", "lat_n", 40, links.choice(SAMPLE_COUNTS)))
    per_class = generator.conditional and left.toggle("One class per column",
                                                      **link.value("per_class", "lat_per_class", True, links.FLAG))
    y = (np.arange(n) % generator.num_classes) if per_class else label
    images = generator.generate(sample_latents(n, generator.latent_dim, seed), y)
    nrow = generator.num_classes if per_class else min(10, n)
    grid = enlarge(image_grid(images, nrow=nrow), scale_for(size, 56))
    right.image(grid, output_format="PNG",
                caption=f"Row by row, sample i has seed {seed} + i (seeds {seed}..{seed + n - 1}).")
    with left:
        download("Grid as PNG", grid, f"samples-seed{seed}.png", "lat_dl_grid")

# -- interpolation between two samples -----------------------------------------------------------
with tab_walk:
    c1, c2, c3, c4 = st.columns(4)
    seed_a = int(c1.number_input("Seed A", **link.number("seed_a", "lat_seed_a", 0, MAX_SEED, seed)))
    seed_b = int(c2.number_input("Seed B", **link.number("seed_b", "lat_seed_b", 0, MAX_SEED, min(seed + 1, MAX_SEED))))
    steps = c3.slider("Steps", **link.number("steps", "lat_steps", 3, 16, 8))
    animate = c4.radio("Animate", horizontal=True, **link.index("animate", "lat_animate", ["slerp", "linear"], "slerp"))
    a, b = seeded_latents([seed_a, seed_b], generator.latent_dim)
    paths = {m: interpolate(a, b, steps, m) for m in ("linear", "slerp")}
    strips, along = {}, {}
    for method, path in paths.items():
        frames = generator.generate(path, label)
        strips[method] = (frames, enlarge(image_grid(frames, nrow=steps), scale_for(size, 56)))
        st.image(strips[method][1], output_format="PNG",
                 caption=f"{'Spherical (slerp)' if method == 'slerp' else 'Linear'}: seed {seed_a} → seed {seed_b}")
        if named:
            along[method] = factors_along(generator, factor_net(), path, label)
            st.caption(f"Shape factor network, step by step: {latent.factor_runs(along[method])}")
        download(f"{method} strip as PNG", strips[method][1], f"{method}-{seed_a}-{seed_b}.png", f"lat_dl_{method}")
    left, right = st.columns(2)
    with left:
        frames = np.stack([enlarge(image_grid(f[None], padding=0), 4) for f in strips[animate][0]])
        st.plotly_chart(latent.animation(frames, f"{animate} walk, press ▶"), key="lat_anim")
    with right:
        st.plotly_chart(latent.norm_profile({m: p.norm(dim=1).numpy() for m, p in paths.items()},
                                             generator.latent_dim ** 0.5), key="lat_norms")
        st.caption("Two random Gaussian vectors are nearly orthogonal, so the straight line between them passes "
                   "close to the origin, where the generator saw almost no training latents. Slerp keeps to the "
                   "shell where they lie.")
        if named:
            live_chart("lat_path_factors", latent.factor_curves(along[animate], f"Factors along the {animate} path"))


# -- sliders -----------------------------------------------------------------------------------
def reset_sliders() -> None:
    for key in [k for k in st.session_state if str(k).startswith(("lat_pc_", "lat_z_", "lat_fitted_"))]:
        del st.session_state[key]


@st.fragment
def sliders() -> None:
    k = min(PCA_DIRECTIONS, generator.latent_dim)
    directions = directions_for(source, revision, k)
    controls, view = st.columns([3, 2])
    with controls:
        seed_box, reset_box = st.columns([2, 1], vertical_alignment="bottom")
        base_seed = int(seed_box.number_input("Start from seed", 0, MAX_SEED, seed, key="lat_slider_seed"))
        reset_box.button("Reset sliders", on_click=reset_sliders, key="lat_reset")
        z = seeded_latents([base_seed], generator.latent_dim)[0]
        st.markdown(f"**Principal directions** (PCA of `{directions.layer}` activations, regressed back to z)")
        profile = profile_for(source, revision, k, label) if named else None
        pcs = [principal_slider(directions, profile, i) for i in range(k)]
        fitted = fitted_slider() if named else None
        st.markdown("**Latent coordinates**")
        shown = st.multiselect("Coordinates", list(range(generator.latent_dim)),
                               default=list(range(min(COORDINATE_SLIDERS, generator.latent_dim))), key="lat_coords")
        for i in shown:
            z[i] = st.slider(f"z[{i}]", -SLIDER_RANGE, SLIDER_RANGE, float(np.clip(round(z[i].item(), 1),
                             -SLIDER_RANGE, SLIDER_RANGE)), 0.1, key=f"lat_z_{base_seed}_{i}")
    edited = move(z, directions.vectors, pcs)
    ladder_vectors = directions.vectors
    if fitted is not None:
        edited = edited + fitted[1] * fitted[0].vector
        ladder_vectors = torch.cat([directions.vectors, fitted[0].vector[None]])
    image = enlarge(image_grid(generator.generate(edited[None], label), padding=0), scale_for(size, 280))
    with view:
        st.image(image, output_format="PNG", caption=f"seed {base_seed}, edited")
        download("Image as PNG", image, f"edited-seed{base_seed}.png", "lat_dl_edit")
        ladder = torch.linspace(-3, 3, 7)
        rows = torch.stack([edited + t * vector for vector in ladder_vectors for t in ladder])
        labels = None if label is None else [label] * len(rows)
        st.image(enlarge(image_grid(generator.generate(rows, labels), nrow=len(ladder)), scale_for(size, 40)),
                 output_format="PNG", caption="Each row moves one principal direction from −3 to +3 around the "
                                              "image above (PC1 at the top" +
                                              (", the fitted direction at the bottom)." if fitted else")."))


def principal_slider(directions, profile, i: int) -> float:
    """PC i's slider; for a shapes generator named by what it moves most, with a small bar chart
    of every factor beside it."""
    title = f"PC{i + 1} · {directions.explained[i]:.1%} of feature variance"
    if profile is None:
        return st.slider(title, -SLIDER_RANGE, SLIDER_RANGE, 0.0, 0.1, key=f"lat_pc_{i}")
    slider_box, chart_box = st.columns([3, 2], vertical_alignment="center")
    with chart_box:
        live_chart(f"lat_bars_{i}", latent.factor_bars(profile, i))
    meaning = (f"The bars beside: the correlation r between how far the slider moves and each factor the shape "
               f"factor network reads (x right, y down, scale, rotation clockwise), over {profile.paths} samples moved "
               f"from {profile.amounts[0]:+g} to {profile.amounts[-1]:+g}; for shape and colour, the share of those "
               "images turned into the class that gains most.")
    return slider_box.slider(f"{title} — {profile.phrase(i)}", -SLIDER_RANGE, SLIDER_RANGE, 0.0, 0.1,
                             key=f"lat_pc_{i}", help=meaning)


def fitted_slider():
    """The "find the direction that…" control: a factor to choose, then a slider along the direction
    fitted for it (InterFaceGAN) with how well it fits. (fitted direction, amount) or None."""
    factor = st.selectbox("**Find the direction that…**", FIT_FACTORS, index=None, key="lat_fit_factor",
                          format_func=lambda f: f"{goal(f)} ({f})", placeholder="choose what it should do",
                          help="Reads the factors of a few thousand samples and fits a linear model of the factor in z "
                               "(least squares; for a shape or colour, a boundary between having it or not, as "
                               "InterFaceGAN does): its normal is the direction.")
    if factor is None:
        return None
    try:
        fitted = fitted_for(source, revision, factor, label)
    except ValueError as err:
        st.warning(str(err))
        return None
    amount = st.slider(f"Along the fitted direction: {goal(factor)}", -SLIDER_RANGE, SLIDER_RANGE, 0.0, 0.1,
                       key=f"lat_fitted_{factor}")
    st.caption(f"Fitted direction: {fitted.summary()}.")
    return fitted, amount


with tab_sliders:
    sliders()
link.write()
