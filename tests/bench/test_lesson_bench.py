import pytest

from ganviz.bench import SUITES
from ganviz.bench.lesson import judge
from ganviz.bench.modes import parse_seeds


def _arm(seed, steps, dataset="ring8", num_modes=8, **columns):
    return {"dataset": dataset, "seed": seed, "num_modes": num_modes, "timeline": {"step": steps, **columns}}


def test_suite_is_registered_and_seeds_parse():
    assert "lesson" in SUITES and "classroom" in SUITES
    assert parse_seeds("200-203,7") == [200, 201, 202, 203, 7]
    with pytest.raises(ValueError, match="no seed"):
        parse_seeds(",")


def test_judge_counts_collapse_from_update_1000_and_finds_the_punchline():
    steps = [500, 1000, 1500, 2000, 2500]
    plain = _arm(5, steps, modes_held=[8, 1, 2, 3, 1], modes=[0, 0, 0, 1, 0], high_quality=[0] * 5)
    treated = _arm(5, steps, modes_held=[8] * 5, modes=[8, 6, 7, 8, 8], high_quality=[1, 2, 5, 9, 20])
    verdict = judge(plain, treated)
    assert verdict["collapsed_share"] == pytest.approx(3 / 4)  # 1000-2500; the 3 at 2000 is not collapsed
    assert verdict["punchline_step"] == 1500                  # held <= 2 while the remedy covers >= 7/8
    assert verdict["remedy_modes_end"] == 8 and verdict["plain_held_end"] == 1


def test_on_shapes_the_lesson_is_judged_from_update_250_and_a_quarter_of_the_modes_is_a_cover():
    steps = [100, 250, 500, 750, 1000]
    plain = _arm(3, steps, "shapes", 24, modes_held=[5, 1, 1, 3, 1], modes=[0, 1, 1, 2, 1], high_quality=[0] * 5)
    treated = _arm(3, steps, "shapes", 24, modes_held=[5, 3, 7, 9, 9], modes=[0, 2, 5, 6, 8],
                   high_quality=[0, 40, 50, 55, 60])
    verdict = judge(plain, treated)
    assert verdict["collapsed_share"] == pytest.approx(3 / 4)  # 250-1000; 3 held at 750 is not collapsed
    assert verdict["punchline_step"] == 1000 and verdict["remedy_covers_end"]  # 6 of 24 at 750, but 3 held
