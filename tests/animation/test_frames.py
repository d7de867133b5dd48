"""The frames of the three sources and the pictures drawn from them: samples where they are, D's
verdict under them, the trajectory over its surface."""
import numpy as np
import pytest

from ganviz.animation import frames
from ganviz.animation.canvas import FAKE, PATH, PLANE_SIZE, REAL, VERDICT, Plane, rgb
from ganviz.config import TrainConfig
from ganviz.training import Trainer


def has_color(picture: np.ndarray, color: str) -> np.ndarray:
    return (picture == rgb(color)).all(-1)


def view(real, fake, z, probabilistic=True):
    return {"extent": (-2.0, 2.0, -2.0, 2.0), "real": np.asarray(real, float), "fake": np.asarray(fake, float),
            "heatmap": {"z": np.asarray(z, float), "probabilistic": probabilistic}}


def test_a_plane_draws_points_where_they_are():
    plane = Plane((0.0, 4.0, 0.0, 2.0), size=200)  # 2:1, y up
    assert (plane.width, plane.height) == (200, 100)
    picture = plane.dots([[1.0, 1.5]], REAL, radius=2).dots([[3.0, 0.5]], FAKE).picture()
    rows, cols = np.nonzero(has_color(picture, REAL))
    assert abs(cols.mean() - 50) <= 1 and abs(rows.mean() - 25) <= 1  # x = 1 of 4, y = 1.5 of 2 from the top
    rows, cols = np.nonzero(has_color(picture, FAKE))
    assert abs(cols.mean() - 150) <= 1 and abs(rows.mean() - 75) <= 1


def test_points_far_outside_and_non_finite_are_skipped():
    picture = Plane((0, 1, 0, 1), 50).dots([[1e300, 0.5], [np.nan, 0.5], [-5, -5]], FAKE).picture()
    assert not has_color(picture, FAKE).any()


def test_collapse_frame_draws_both_arms_side_by_side_over_d():
    # D says "real" (1) on the left half of the plane, "generated" (0) on the right
    z = np.tile(np.r_[np.ones(15), np.zeros(15)], (30, 1))
    lab = {arm: {"view": view([[-1.0, 1.0]], [[1.0, -1.0]], z), "means": np.array([[-1.0, 1.0]]),
                 "metrics": {}} for arm in ("plain", "treated")}
    frame = frames.collapse_frame(lab, {"plain": "Plain GAN", "treated": "With PacGAN2"})
    assert list(frame) == ["Plain GAN", "With PacGAN2"]
    picture = frames.render(250, frame)
    size = Plane(lab["plain"]["view"]["extent"]).width
    assert picture.shape[1] > 2 * size and picture.shape[0] > size  # two planes and the title lines above
    left_plane = picture[-size:, :size]
    assert has_color(left_plane[:, :size // 3], VERDICT[2]).mean() > 0.5   # teal where D says real
    assert has_color(left_plane[:, -size // 3:], VERDICT[0]).mean() > 0.5  # violet where it says generated
    assert has_color(picture[-size:, :size], FAKE).any() and has_color(picture[-size:, -size:], FAKE).any()


def test_a_critics_scores_are_shown_on_the_same_scale():
    z = np.tile(np.linspace(-40, 40, 30), (30, 1))
    panel = frames.view_panel(view([], [], z, probabilistic=False), np.zeros((1, 2)))
    assert panel["cells"].min() == pytest.approx(0) and panel["cells"].max() == pytest.approx(1)


def test_samples_frame_is_what_the_train_page_shows():
    trainer = Trainer(TrainConfig.from_dict({"data": {"name": "ring8"}, "model": {"width": 8}, "batch_size": 16}))
    frame = frames.samples_frame(trainer)
    panel = frame[frames.REAL_VS_FAKE]
    real, fake = trainer.sample_pairs(1000, seed=0)
    assert np.allclose(panel["real"], real.numpy()) and np.allclose(panel["fake"], fake.numpy())
    assert panel["cells"] is None and panel["real"].dtype == np.float32
    picture = frames.render(0, frame)
    assert has_color(picture, REAL).any() and has_color(picture, FAKE).any()


def test_an_image_grid_is_enlarged_crisp_under_its_step():
    grid = np.zeros((34, 66, 3), dtype=np.uint8)
    grid[:, 33:] = 200
    picture = frames.render(1234, frames.image_frame(grid))
    factor = -(-PLANE_SIZE // 66)
    body = picture[-34 * factor:]
    assert body.shape[:2] == (34 * factor, 66 * factor)
    assert set(np.unique(body)) == {0, 200}  # whole-pixel enlargement, no blur


def test_dirac_frames_follow_the_path_to_its_end():
    from ganviz.landscape import dirac

    config = dirac.DiracConfig(steps=400, lr_d=0.2, lr_g=0.2)
    surface, path = dirac.landscape(config, 2.0, 41), dirac.trajectory(config)
    recorder = frames.dirac_recorder(surface, path, "value", every=1, max_frames=50)
    steps = [s for s, _ in recorder.frames()]
    assert steps[0] == 0 and steps[-1] == 400 and len(steps) <= 51
    first, last = recorder.images()[0], recorder.images()[-1]
    assert has_color(last, PATH).sum() > 5 * has_color(first, PATH).sum()  # the path grows
    with pytest.raises(ValueError, match="which"):
        frames.dirac_recorder(surface, path, "nope")
