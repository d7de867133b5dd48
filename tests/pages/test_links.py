"""ui/links.py's kinds: what a link may set, checked as the widget would (the page tests open the
pages with links; these try the checks themselves on hostile text)."""
import pytest

from ui import links


@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "1e308", "", "1,5", "0x10", "2" * 400, "-1", "101"])
def test_a_number_outside_the_widget_is_refused(text):
    with pytest.raises(ValueError):
        links.number(0, 100).parse(text)


def test_a_number_takes_the_widget_s_type():
    assert links.number(0, 100).parse("7") == 7 and isinstance(links.number(0, 100).parse("7.0"), int)
    with pytest.raises(ValueError, match="integer"):
        links.number(0, 100).parse("7.5")
    assert links.number(0.0, 1.0).parse("0.25") == 0.25


def test_a_choice_is_one_of_the_options_by_its_name():
    kind = links.choice([0.1, 0.2, 1.0])
    assert kind.parse("0.2") == 0.2 and kind.show(1.0) == "1.0"
    with pytest.raises(ValueError, match="must be one of 0.1, 0.2, 1.0"):
        kind.parse("0.3")
    assert links.FLAG.parse("false") is False and links.FLAG.show(True) == "true"


def test_a_subset_repeats_its_parameter_and_refuses_any_unknown_member():
    kind = links.subset(["a", "b", "c"])
    assert kind.parse(["c", "a", "c"]) == ["c", "a"] and kind.parse([""]) == []
    assert kind.show(["a", "b"]) == ["a", "b"] and kind.show([]) == [""]
    with pytest.raises(ValueError):
        kind.parse(["a", "/etc/passwd"])


def test_a_config_field_is_checked_by_the_config_and_named_once():
    assert links.field("lr_g").parse("0.0003") == 3e-4
    assert links.field("model.conditional").parse("true") is True
    with pytest.raises(ValueError) as err:
        links.field("lr_g").parse("0")
    assert str(err.value) == "must be > 0, got 0.0"
    with pytest.raises(ValueError):
        links.field("remedy").parse("__import__('os')")


def test_free_text_is_bounded():
    assert links.text(10).parse("1e-3,1e-2") == "1e-3,1e-2"
    with pytest.raises(ValueError, match="at most 10"):
        links.text(10).parse("x" * 11)
