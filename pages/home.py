"""Home: what each page teaches, and the device in use."""
import streamlit as st

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
]

for title, page, text in LESSONS:
    with st.container(border=True):
        st.page_link(page, label=f"**{title}**")
        st.write(text)
