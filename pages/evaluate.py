"""Evaluate: FID / IS / KID / precision-recall of generator checkpoints, side by side.

The measurement runs in a background :class:`ganviz.metrics.job.Job`; a fragment polls it for the
progress bar, so Stop always answers. Every number is shown under the name of the network whose
features produced it.
"""
from __future__ import annotations

import streamlit as st

import ui  # noqa: F401  (first: the app-shell guard in ui/__init__.py runs before heavy imports)
import ui.evaluate

from ganviz.config import DataConfig
from ganviz.data import DATASETS, DESCRIPTIONS, is_toy
from ganviz.device import resolve_device
from ganviz.hub import MODEL_ZOO
from ganviz.latent.pictures import image_grid
from ganviz.metrics.evaluation import coverage_line, evaluate, load_source, source_from_gan, spread_notes
from ganviz.metrics.extractors import EXTRACTORS
from ganviz.metrics.job import Job
from ganviz.training.runs import saved_runs
from ui import links, live

JOB = "evaluate_job"
IMAGE_DATASETS = [name for name in DATASETS if not is_toy(name)]
CURRENT_RUN = "↳ the model on the Train page now"
ZOO_TITLES = {entry.source: entry.title for entry in MODEL_ZOO}
SAMPLE_SIZES = [500, 1000, 2000, 5000, 10_000]

st.title("📏 Evaluate generators")
st.caption("Measure one or more generators against real data: a Fréchet distance (FID-style), an Inception-Score-"
           "style score, KID, and precision / recall. Offline, the features come from the shipped **digit "
           "classifier** — those numbers are a *Fréchet classifier distance*, not Inception FID.")

device = resolve_device()


def train_page_source():
    """The Train page's model as it is now (a copy, taken between training chunks), if there is one."""
    worker = st.session_state.get(live.TRAIN_WORKER)
    if worker is None or worker.released or worker.trainer.step_count == 0:
        raise ValueError("the Train page has no trained model yet")
    return worker.call(lambda t: source_from_gan(t.gan, "Train page model", device))


# -- what to measure -----------------------------------------------------------------------------
link = links.Link("evaluate")  # checkpoints by their names among the choices; never the free-text boxes' paths
with st.sidebar:
    st.header("Checkpoints")
    shipped = [e.source for e in MODEL_ZOO if not e.needs_internet]
    options = ([e.source for e in MODEL_ZOO] + saved_runs()
               + ([CURRENT_RUN] if st.session_state.get(live.TRAIN_WORKER) else []))
    chosen = st.multiselect("Model zoo and saved runs",  # by name: a title would not fit in a chip
                            **link.selection("checkpoint", "eval_chosen", options, shipped[:3]),
                            help="Shipped checkpoints work offline; Hub ones download once. The Train page's "
                                 "💾 Save writes to `runs/`.  \n"
                                 + "  \n".join(f"`{source}`: {title}" for source, title in ZOO_TITLES.items()))
    extra = st.text_area("Other checkpoints", key="eval_extra", placeholder="runs/my-gan\nowner/repo-on-the-hub",
                         help="Local folders or Hugging Face Hub ids, one per line.")
    st.header("Measurement")
    n = st.select_slider("Samples per checkpoint", SAMPLE_SIZES,
                         **link.value("n", "eval_n", 10_000 if device.type == "cuda" else 2000,
                                      links.choice(SAMPLE_SIZES)),
                         help="Generated samples; the real reference uses as many (or the whole dataset if smaller).")
    extractor = st.radio("Feature network",
                         **link.index("extractor", "eval_extractor", EXTRACTORS, next(iter(EXTRACTORS))),
                         format_func=lambda k: {"digit-classifier": "Digit classifier (offline)",
                                                "shape-factors": "Shape factor network (offline, for shapes)",
                                                "inception-v3": "Inception-v3, FID weights"}.get(k, k),
                         help="Inception-v3 needs the torch-fidelity package and a one-time ~95 MB download.")
    reference = st.selectbox("Real data", **link.index("reference", "eval_reference", [None] + IMAGE_DATASETS, None),
                             format_func=lambda k: "each one's training data" if k is None else k,
                             help="The real images each checkpoint is compared with: by default the data it "
                                  "was trained on.  \n"
                                  + "  \n".join(f"`{name}`: {DESCRIPTIONS[name]}" for name in IMAGE_DATASETS))
    root = st.text_input("Folder of the real images", key="eval_root",
                         help="MNIST files, or an image folder laid out root/<class>/<image>.") \
        if reference in ("mnist", "fashion-mnist", "folder") else ""
    kid_subsets = st.number_input("KID subsets", step=5,
                                  **link.number("kid_subsets", "eval_kid_subsets", 5, 500,
                                                100 if device.type == "cuda" else 25),
                                  help="KID averages over random subsets of 1,000 samples (half of the smaller set "
                                       "when it has no more than 1,000); 100 is the usual choice, fewer is faster on a "
                                       "CPU. The ± is the std over these subsets.")
    seed = st.number_input("Seed", **link.number("seed", "eval_seed", 0, 2**31 - 1, 0))
link.write()

specs = list(chosen) + [line.strip() for line in extra.splitlines() if line.strip()]
job: Job | None = st.session_state.get(JOB)
running = job is not None and job.running

if st.button("▶ Evaluate", type="primary", disabled=not specs or running, key="eval_start"):
    try:
        real_data = DataConfig(name=reference, root=root) if reference else None
        with st.spinner("Loading checkpoints…"):
            sources = [train_page_source() if spec == CURRENT_RUN else load_source(spec, device)
                       for spec in dict.fromkeys(specs)]
        st.session_state[JOB] = job = Job(lambda progress: evaluate(
            sources, n, extractor=extractor, reference=real_data, seed=int(seed), device=device, progress=progress,
            kid_subsets=int(kid_subsets)))
        running = True
    except (ValueError, FileNotFoundError) as err:
        st.error(f"Cannot evaluate — {err}")
if not specs:
    st.info("Choose at least one checkpoint in the sidebar.")


# -- progress, then results ------------------------------------------------------------------------
@st.fragment(run_every=live.poll_seconds() if running else None)
def progress_panel() -> None:
    current: Job | None = st.session_state.get(JOB)
    if current is None:
        return
    if current.running:
        left, right = st.columns([5, 1])
        left.progress(current.fraction, text=f"{current.stage}: {current.done:,} / {current.total:,}")
        if right.button("⏹ Stop", key="eval_stop"):
            current.stop()
        return
    if st.session_state.get("eval_shown") is not current:  # finished since the last full run: redraw the page
        st.session_state["eval_shown"] = current
        st.rerun(scope="app")


progress_panel()

if job is not None and not job.running:
    if job.stopped:
        st.warning("Stopped. Press **Evaluate** to start again.")
    elif job.error:
        st.error(f"Evaluation failed — {job.error}")
    elif job.result:
        results = job.result
        first = results[0]
        st.subheader("Results")
        st.caption(f"Feature network: **{first.extractor['title']}** · {first.n:,} generated samples each · "
                   f"seed {first.seed} · {job.finished - job.started:.1f} s")
        if first.extractor["key"] != "inception-v3":
            st.info(f"These use the {first.extractor['title'].split(' (')[0]}'s features: compare them with each "
                    "other, never with published FIDs (those are Inception-v3 numbers on other data).", icon="🏷️")
        st.dataframe(ui.evaluate.table(results), hide_index=True, width="stretch",
                     column_config={name: st.column_config.Column(help=text)
                                    for name, text in ui.evaluate.column_help(results).items()})
        st.caption("  \n".join(dict.fromkeys(note for r in results for note in spread_notes(r.scores))))
        for r in results:
            if r.coverage is not None:
                st.markdown(f"**{r.source}** — {coverage_line(r.coverage)}")
        st.plotly_chart(ui.evaluate.metric_bars(results, real_is=first.reference["is"]), width="stretch",
                        key="eval_bars")
        st.subheader("Samples")
        for row in range(0, len(results), 3):
            for col, result in zip(st.columns(3), results[row:row + 3]):
                with col:
                    st.image(image_grid(result.samples, nrow=8), caption=result.source, width="stretch")
                    ref = result.reference
                    st.caption(f"vs {ref['n']:,} real `{ref['dataset']}` images"
                               f"{' (cached features)' if ref['cached'] else ''}")

with st.expander("What the numbers mean — and how they mislead", expanded=job is None):
    st.markdown(
        """
- **Fréchet distance** (FID when the features are Inception-v3's): fit a Gaussian to the real and to the
  generated features and measure the distance between the two, ‖μᵣ − μ_g‖² + Tr(Σᵣ + Σ_g − 2(Σᵣ Σ_g)^½).
  Lower is better; 0 only for identical statistics. It rewards quality *and* diversity at once.
- **Inception Score** (here with the classifier's logits when the digit classifier is chosen):
  exp E[KL(p(y|x) ‖ p(y))], mean ± population std (ddof = 0, as torch-fidelity) over disjoint splits.
  High when each sample is confidently one class *and* all classes appear.
  Its maximum is the number of classes (10 for digits); a generator that draws one perfect digit scores ≈ 1.
  It never looks at the real data, so it cannot see that the samples differ from it.
- **KID**: the squared maximum mean discrepancy between the two feature sets with a cubic polynomial kernel,
  averaged over random subsets (± is their spread; the caption under the table says how many subsets, of
  what size, and how many were distinct). Unbiased, so it is fair at small sample sizes.
- **Precision / recall** (Kynkäänniemi et al. 2019): the share of generated samples that land within the real
  data's k-nearest-neighbour manifold (quality), and the share of real samples covered by the generated one
  (diversity). A mode-collapsed generator can keep precision high while recall falls.

**Pitfalls.**
- *Sample size bias*: the Fréchet distance is biased upwards at small n — the same generator scores worse with
  1,000 samples than with 10,000. Compare numbers only at the same n (and the same real set).
- *Feature network*: a number means nothing without the network that made it. Digit-classifier numbers are
  not FIDs; Inception-v3 was trained on ImageNet photos and sees 28×28 grey digits only after a 10× upscale.
- *Resizing*: images are resized to the network's input (28 px for the classifier, 299 px for Inception);
  different resizing code (antialiasing, TensorFlow vs PyTorch bilinear) changes FID noticeably.
- *Precision alone*: a generator that draws one and the same image scores precision 1 if that image lands
  inside the real manifold (k-NN balls around outliers are large). Read it together with recall.
- *Real data*: the scikit-learn digits are only 1,797 images, so the real side never has more than that.
"""
    )
