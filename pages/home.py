"""Home: what each page teaches, and the device in use."""
import streamlit as st

import ui  # noqa: F401  (app shell guard, see ui/__init__.py)
from ganviz.device import describe_device

st.title("ganviz — an interactive GAN laboratory")
st.caption(f"Computing on **{describe_device()}**")

st.markdown(
    """
A generative adversarial network is two networks in a contest: a **generator** G turns random
noise *z* into samples, a **discriminator** D tries to tell them from real data. Each improves
by exploiting the other's weaknesses — and that game can converge, spiral, or collapse.
Every page below lets you watch one part of it happen, live.
"""
)

LESSONS = [
    ("🏋️ Train", "pages/train.py",
     "Train a GAN on 2D toy data or handwritten digits. Pick the loss (minimax, non-saturating, "
     "WGAN, WGAN-GP, LSGAN, hinge), the regularisers and the learning rates; watch the D and G "
     "losses, what D believes about real and fake data, and the samples as they form. Step one "
     "update at a time, or share a link that reopens the exact setup."),
    ("🎯 Mode collapse", "pages/mode_collapse.py",
     "Watch a GAN pile its samples onto a few modes of a ring or grid of Gaussians (or a mixture you "
     "place yourself), while the same seed with a remedy (unrolled GAN, PacGAN, minibatch discrimination, "
     "a mixture of generators, ...) trains beside it. GAN Lab's views: D's heatmap, G's gradient "
     "arrows, the generator manifold, and live per-mode coverage."),
    ("🔷 Mode collapse in images", "pages/image_collapse.py",
     "The same lesson in pixels: a plain DCGAN and one with a remedy train side by side on rendered shapes "
     "(4 shapes x 6 colours = 24 known modes). Watch the plain one draw the same picture for every latent "
     "vector while a shape factor network counts, live, which shape and colour combinations each one draws."),
    ("🗺️ Phase diagram", "pages/phase_diagram.py",
     "A grid of GANs over two hyperparameters (learning rates, D steps, loss, Adam beta1, seed), all "
     "trained at once as one batched model and coloured live by how many modes of the ring or grid each "
     "covers: see where training works, where it collapses and where it diverges. Click a cell for its samples."),
    ("⛰️ Minimax landscape", "pages/landscape.py",
     "See the two-player game whole: the Dirac-GAN's value surface and gradient flow for every loss, "
     "and gradient steps that spiral, orbit or converge as you change the optimiser, momentum, TTUR or "
     "the R1/GP penalty. Then the optimal discriminator D* = p/(p+q), why V(D*, G) = 2·JSD − log 4, why "
     "JSD goes flat on disjoint supports while Wasserstein does not, and a slice of your trained networks' loss."),
    ("📏 Evaluate", "pages/evaluate.py",
     "Put numbers on generators: FID-style Fréchet distance, Inception Score, KID and precision/recall for "
     "shipped, saved or Hub checkpoints, side by side with their samples. Learn what each metric rewards, why "
     "a number is meaningless without its feature network, and how sample size and resizing bias FID."),
    ("🧭 Latent explorer", "pages/latent.py",
     "Open a shipped digit GAN, your own run or a Hugging Face Hub DCGAN and explore its latent space: "
     "seeded sample grids, linear vs spherical interpolation (and why the straight line fades), and sliders "
     "on latent coordinates and GANSpace principal directions that redraw the image at once. "
     "Conditional models let you pick the digit."),
    ("🎨 Style transfer", "pages/style_transfer.py",
     "Repaint a picture in the style of another (Gatys et al.): upload both or use the bundled examples, then "
     "watch the pixels being optimised so a VGG19 network sees one picture's content and the other's textures "
     "(Gram matrices). Tune the style, content and smoothness weights, L-BFGS vs Adam, and the layers used."),
]

for title, page, text in LESSONS:
    with st.container(border=True):
        st.page_link(page, label=f"**{title}**")
        st.write(text)
