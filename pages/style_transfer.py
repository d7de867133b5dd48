"""Style transfer: repaint a picture in the style of another (Gatys et al. 2016) and watch it form.

The optimisation runs in this session's background worker (:class:`TrainingWorker` driving a
:class:`ganviz.style.StyleTransfer` a few evaluations at a time); the live panel is a fragment
that polls it, so Stop always answers. The VGG19 weights come from ``$GANVIZ_VGG19_WEIGHTS``
(a file path, or ``random`` — the page tests inject an untrained network that way), else from
the torch cache; when they are missing the page says which file and how to provide it.
"""
from __future__ import annotations

import streamlit as st

import ui  # noqa: F401  (first: the app-shell guard in ui/__init__.py runs before heavy imports)
from ganviz.device import describe_device, resolve_device
from ganviz.latent.pictures import png_bytes
from ganviz.style import examples
from ganviz.style.images import MAX_PIXELS, ImageError, load_image, to_uint8
from ganviz.style.transfer import StyleConfig, StyleTransfer
from ganviz.style.vgg import WeightsMissingError, cache_path, load_vgg19, weights_source
from ui import links, live, plotly_charts, session, vega_charts

UPLOAD_TYPES = ["png", "jpg", "jpeg", "webp", "gif", "bmp", "tif", "tiff"]
SIZES = [64, 128, 192, 256, 384, 512, 768, 1024]
STYLE_WEIGHTS = [1e3, 1e4, 1e5, 1e6, 1e7, 1e8]
CONTENT_WEIGHTS = [0.0, 0.1, 0.3, 1.0, 3.0, 10.0, 100.0]
TV_WEIGHTS = [0.0, 1.0, 10.0, 100.0, 1000.0, 10000.0]
ADAM_STEPS = [0.005, 0.01, 0.02, 0.05, 0.1]
OPTIMIZERS = {"lbfgs": "L-BFGS", "adam": "Adam"}
STARTS = {"content": "the content picture", "noise": "noise"}
LAYER_LABELS = {"gatys": "Gatys et al.: content conv4_2, style conv1_1…conv5_1",
                "tutorial": "PyTorch tutorial: content conv_4, style conv_1…conv_5 (faster, finer textures)"}

st.title("🎨 Style transfer")
st.caption("Repaint a **content** picture with the textures of a **style** picture (Gatys, Ecker & Bethge 2016). "
           "No network is trained here: the pixels themselves are optimised until VGG19 — an ImageNet "
           "classifier — sees the content picture's objects in its deep layers and the style picture's "
           "textures in the *Gram matrices* of its activations (which features fire together, anywhere).")

device = resolve_device()


@st.cache_resource(show_spinner="Loading VGG19…", max_entries=4)
def network(source: str):
    return load_vgg19(source, download=False)


def weights_file_input(label: str) -> None:
    """A path box; the path is kept outside widget state so it outlives the box."""
    st.text_input(label, key="style_weights_file", placeholder=str(cache_path()),
                  on_change=lambda: st.session_state.update(style_weights_path=st.session_state.style_weights_file.strip()))


def vgg19_features():
    """The VGG19 features to use, or None after saying on the page what is missing and how to fix it."""
    source = st.session_state.get("style_weights_path") or weights_source()
    try:
        features = network(source)
    except WeightsMissingError as err:
        st.error(f"**The VGG19 network's weights are missing**, so style transfer cannot run yet.\n\n{err}")
        if source == "imagenet" and st.button("⬇ Download the VGG19 ImageNet weights (548 MB)", key="style_download"):
            try:
                with st.spinner("Downloading the VGG19 weights (548 MB; progress in the server's terminal)…"):
                    load_vgg19("imagenet", download=True)
                st.rerun()
            except WeightsMissingError as failed:
                st.error(str(failed).split("\n")[0])
        weights_file_input("…or the path of a VGG19 weights file on this server")
        return None
    except ValueError as err:  # a damaged or unrelated file
        st.error(str(err))
        weights_file_input("Path of a VGG19 weights file on this server")
        return None
    if source == "random":
        st.warning("VGG19 has **random weights** here (`GANVIZ_VGG19_WEIGHTS=random`): everything runs, but an "
                   "untrained network sees no objects or brush strokes, so the results are not paintings.")
    return features


def picture_input(label: str, key: str, choices: dict) -> object | None:
    """An example (named in the page's link as ``key``) or an upload, as an RGB PIL image; None (with
    the reason shown) if there is none."""
    st.subheader(label)
    mode = st.radio(f"{label} from", ["Example", "Upload"], key=f"style_{key}_mode", horizontal=True)
    if mode == "Example":
        name = st.selectbox(f"{label} example", **link.index(key, f"style_{key}_example", choices, next(iter(choices))),
                            help="Pictures the project draws itself (CC0), see assets/style/LICENSE.md.")
        image = examples.example(name)
    else:
        upload = st.file_uploader(f"{label} picture", type=UPLOAD_TYPES, key=f"style_{key}_upload",
                                  help=f"Any common image file up to {MAX_PIXELS / 1e6:.0f} megapixels.")
        if upload is None:
            st.info(f"Upload a {label.lower()} picture, or pick an example.")
            return None
        try:
            image = load_image(upload.getvalue(), name=upload.name)
        except ImageError as err:
            st.error(str(err))
            return None
    st.image(image, caption=f"{image.width}×{image.height}", width="stretch")
    return image


features = vgg19_features()
if features is None:
    st.stop()

# -- settings --------------------------------------------------------------------------------------
link = links.Link("style_transfer")  # the settings and the example pictures; never an upload
with st.sidebar:
    st.header("Style transfer")
    size = st.select_slider("Size (longer side, px)", SIZES,
                            **link.value("size", "style_size", 512 if device.type == "cuda" else 128,
                                         links.choice(SIZES)),
                            help=f"Computing on {describe_device(device)}. Cost grows with the "
                                 "number of pixels: 512 px is ~16x the work of 128 px.")
    steps = st.slider("Steps (loss evaluations)", step=10, **link.number("steps", "style_steps", 10, 1000, 300))
    style_weight = st.select_slider("Style weight", STYLE_WEIGHTS, format_func=lambda v: f"{v:.0e}",
                                    **link.value("style_weight", "style_style_weight", 1e6,
                                                 links.choice(STYLE_WEIGHTS)))
    content_weight = st.select_slider("Content weight", CONTENT_WEIGHTS,
                                      **link.value("content_weight", "style_content_weight", 1.0,
                                                   links.choice(CONTENT_WEIGHTS)))
    tv_weight = st.select_slider("Smoothness (total-variation weight)", TV_WEIGHTS,
                                 **link.value("tv_weight", "style_tv_weight", 0.0, links.choice(TV_WEIGHTS)),
                                 help="Penalises differences between neighbouring pixels: less speckle, softer detail.")
    optimizer = st.radio("Optimiser", horizontal=True, format_func=OPTIMIZERS.get,
                         **link.index("optimizer", "style_optimizer", OPTIMIZERS, "lbfgs"),
                         help="L-BFGS (the paper's choice) converges in far fewer steps; Adam is steadier.")
    lr = st.select_slider("Adam step size", ADAM_STEPS, disabled=optimizer != "adam",
                          **link.value("lr", "style_lr", 0.02, links.choice(ADAM_STEPS)))
    layers = st.radio("Layers", format_func=LAYER_LABELS.get,
                      **link.index("layers", "style_layers", LAYER_LABELS, next(iter(LAYER_LABELS))))
    init = st.radio("Start from", horizontal=True, format_func=STARTS.get,
                    **link.index("init", "style_init", STARTS, "content"))
    every = st.slider("Refresh the picture every … steps", step=5, **link.number("every", "style_every", 5, 50, 10))

try:
    config = StyleConfig(steps=steps, size=size, optimizer=optimizer, lr=lr if optimizer == "adam" else None,
                         content_weight=content_weight, style_weight=style_weight, tv_weight=tv_weight,
                         layers=layers, init=init)
except ValueError as err:
    st.error(f"Invalid setting — {err}")
    st.stop()

left, right = st.columns(2)
with left:
    content = picture_input("Content", "content", examples.CONTENT)
with right:
    style = picture_input("Style", "style", examples.STYLE)
link.write()

# -- control ---------------------------------------------------------------------------------------
worker = session.current(live.STYLE_WORKER)
running = worker is not None and worker.running
start_col, stop_col, resume_col = st.columns(3)
if start_col.button("▶ Start", type="primary", width="stretch", key="style_start",
                    disabled=running or content is None or style is None):
    worker = session.create(live.STYLE_WORKER,
                            lambda: StyleTransfer(content, style, config, features=features, device=device),
                            chunk=every)
    if worker is not None:
        worker.start(target=config.steps)
        st.rerun()
if stop_col.button("⏹ Stop", width="stretch", key="style_stop", disabled=not running):
    worker.pause()
    st.rerun()
resumable = worker is not None and not running and worker.snapshot().step < (worker.target or 0)
if resume_col.button("⏯ Continue", width="stretch", key="style_resume", disabled=not resumable,
                     help="carry on the stopped run where it was"):
    worker.start(target=worker.target)
    st.rerun()


@session.polling_fragment(run_every=live.poll_seconds() if running else None)
def live_panel() -> None:
    w = session.current(live.STYLE_WORKER)
    if w is None:
        st.info("Choose the pictures and press **Start**. With L-BFGS the picture changes most in the first "
                "50–100 steps.")
        return
    snap = w.snapshot()
    goal = live.goal(snap)
    live.progress(snap, f"step {snap.step} / {goal}" + (f" · {snap.steps_per_second:.1f} steps/s" if snap.running
                                                        else " · stopped" if snap.step < goal else " · done"))
    before, after, size_used = w.call(lambda t: (t.content, t.preview(), t.size))
    history = snap.history
    last = {k: v[-1] for k, v in history.items() if v}
    cols = st.columns(3)
    cols[0].metric("Total loss", f"{last['loss']:.4g}" if "loss" in last else "—",
                   help="What L-BFGS minimises: the weighted content loss plus the weighted style loss.")
    cols[1].metric("Content loss (weighted)", f"{last['content']:.3g}" if "content" in last else "—",
                   help="How far the picture's VGG19 features are from the content image's, times the content "
                        "weight: it rises as the style takes over.")
    cols[2].metric("Style loss (weighted)", f"{last['style']:.3g}" if "style" in last else "—",
                   help="How far the picture's Gram matrices (which features fire together) are from the style "
                        "image's, times the style weight.")
    a, b = st.columns(2)
    a.image(to_uint8(before), caption=f"Before: the content at {size_used} px", width="stretch")
    b.image(after, caption=f"After {snap.step} steps", width="stretch")
    if snap.step:
        st.download_button("⬇ Download the result (PNG)", png_bytes(after), file_name="stylized.png",
                           mime="image/png", key="style_download_result")
        series = {"content": ("content", plotly_charts.REAL), "style": ("style", plotly_charts.FAKE)}
        if any(history.get("tv", [])):
            series["tv"] = ("smoothness", plotly_charts.D_COLOR)
        vega_charts.live_chart("style_losses", vega_charts.curves(history, series, "Weighted losses (log scale)",
                                                                  "loss", log=True))
    if not snap.running and st.session_state.get("style_was_running"):
        st.session_state["style_was_running"] = False
        st.rerun()  # redraw the buttons once the run ends on its own
    st.session_state["style_was_running"] = snap.running


live_panel()
st.caption("Example pictures: drawn by ganviz's own code, CC0 (assets/style/LICENSE.md). Command line: "
           "`python -m ganviz style content.png style.png -o out.png --steps 300`; details in docs/style_transfer.md.")
