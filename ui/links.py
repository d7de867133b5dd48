"""Every page is a link: a page's settings live in its URL's query parameters.

A page makes one :class:`Link` and asks it for the starting value of each widget it shares,
under a stable, readable URL name (``/mode_collapse?dataset=grid25&remedy=mixture&seed=3``; a
TrainConfig field goes by its dotted name). On the page's first run in a session that value comes
from the URL when it passes the check of its :class:`Kind`, which holds the same choices and
limits as the widget: query parameters are untrusted input from any visitor of a shared server,
so nothing in a link can do more than the widget allows. A value that fails is ignored and named
in one note on the page. After the widgets are drawn, :meth:`Link.write` puts the values that
differ from the page's defaults back in the URL, so links stay short.

The link's value reaches a widget as its default, not through Session State: a keyed widget keeps
its identity (and the visitor's later choices) when its default changes, and Streamlit never sees
a widget created with a default while Session State also holds a value for it (its "created with
a default value but also had its value set via the Session State API" warning). Widgets that take
their values from Session State alone (a page whose presets set them) share through
:meth:`Link.keep`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import streamlit as st

from ganviz.config import TrainConfig, flatten, shown


@dataclass(frozen=True)
class Kind:
    """How a shared value travels in the URL: ``parse`` turns the link's text into a value the
    widget could hold, or raises ValueError saying why not; ``show`` writes a value as text.
    With ``many`` the parameter repeats (``?checkpoint=a&checkpoint=b``) and both take lists."""
    parse: Callable[[Any], Any]
    show: Callable[[Any], Any] = str
    many: bool = False


def choice(options: Sequence, label: Callable[[Any], str] = str) -> Kind:
    """One of ``options``, named in the URL by ``label`` (the options' own text by default)."""
    by_label = {label(option): option for option in options}
    listed = ", ".join(by_label)
    listed = listed if len(listed) <= 80 else listed[:79] + "…"

    def parse(text: str):
        if text not in by_label:
            raise ValueError(f"must be one of {listed}; got {shown(text)}")
        return by_label[text]

    return Kind(parse, label)


def subset(options: Sequence, label: Callable[[Any], str] = str) -> Kind:
    """Any of ``options`` (a multiselect), one repeated parameter each; an empty choice is one
    empty parameter, so that it differs from an absent one (the page's default)."""
    one = choice(options, label)
    return Kind(lambda texts: [one.parse(t) for t in dict.fromkeys(texts) if t != ""],
                lambda values: [label(v) for v in values] or [""], many=True)


def number(low: float, high: float) -> Kind:
    """A finite number from ``low`` to ``high``; an integer when both limits are (as Streamlit's
    number boxes and sliders decide their type)."""
    integer = isinstance(low, int) and isinstance(high, int)

    def parse(text: str):
        try:
            value = float(text)
        except (ValueError, OverflowError):
            raise ValueError(f"expected a number, got {shown(text)}") from None
        if not (math.isfinite(value) and low <= value <= high):
            raise ValueError(f"must be from {low} to {high}, got {shown(text)}")
        if integer and value != int(value):
            raise ValueError(f"expected an integer, got {shown(text)}")
        return int(value) if integer else value

    return Kind(parse)


def field(name: str) -> Kind:
    """The TrainConfig field ``name`` (dotted), checked by the config's own validation: its type,
    limits and choices, as on the Train page and in the CLI."""
    def parse(text: str):
        try:
            value = TrainConfig().replace(**{name: TrainConfig.parse_field(name, text)})
        except ValueError as err:  # the config names the field; the note names the parameter
            raise ValueError(str(err).removeprefix(f"{name}: ")) from None
        return flatten(value.to_dict())[name]

    return Kind(parse)


def text(max_chars: int) -> Kind:
    """Free text as a text box takes it (the page checks it when it is used), up to ``max_chars``."""
    def parse(value: str) -> str:
        if len(value) > max_chars:
            raise ValueError(f"at most {max_chars} characters, got {len(value)}")
        return value

    return Kind(parse)


FLAG = choice([False, True], label=lambda on: str(on).lower())


class Link:
    """The shared settings of one page (``page``: a name of its own, e.g. ``"mode_collapse"``),
    for one run of it: the methods below give a widget its starting value (with the key, and the
    options or limits, that the widget takes, so the link and the widget cannot disagree). Made
    where the page's note about a bad link should appear, above its settings."""

    def __init__(self, page: str):
        self._memory = f"link:{page}"  # the URL names this page has shared in this session
        self._opening = self._memory not in st.session_state
        self._shared: dict[str, tuple[str, Any, Callable]] = {}
        self._ignored: dict[str, str] = {}
        self._note = st.empty()

    def start(self, name: str, key: str, default: Any, kind: Kind) -> Any:
        """The value that the widget ``key`` starts from: on the page's first run the link's value
        for ``name`` if ``kind`` accepts it, else ``default``."""
        self._shared[name] = (key, default, kind.show)
        if not self._opening or name not in st.query_params:
            return default
        asked = st.query_params.get_all(name) if kind.many else st.query_params[name]
        try:
            return kind.parse(asked)
        except ValueError as err:
            self._ignored[name] = str(err)
            return default

    def value(self, name: str, key: str, default: Any, kind: Kind) -> dict:
        """``value`` and ``key`` of a widget: a select slider (kind :func:`choice`), a checkbox
        (:data:`FLAG`), a text box, a page's bounded number box."""
        return {"value": self.start(name, key, default, kind), "key": key}

    def index(self, name: str, key: str, options: Sequence, default: Any,
              label: Callable[[Any], str] = str) -> dict:
        """``options``, ``index`` and ``key`` of a selectbox or a radio."""
        options = list(options)
        return {"options": options, "index": options.index(self.start(name, key, default, choice(options, label))),
                "key": key}

    def selection(self, name: str, key: str, options: Sequence, default: list,
                  label: Callable[[Any], str] = str) -> dict:
        """``options``, ``default`` and ``key`` of a multiselect."""
        options = list(options)
        return {"options": options, "default": self.start(name, key, default, subset(options, label)), "key": key}

    def number(self, name: str, key: str, low: float, high: float, default: float) -> dict:
        """``min_value``, ``max_value``, ``value`` and ``key`` of a number box or a slider."""
        return {"min_value": low, "max_value": high, "value": self.start(name, key, default, number(low, high)),
                "key": key}

    def field(self, name: str, key: str, default: Any) -> dict:
        """``value`` and ``key`` of :func:`ui.forms.bounded_input` for the TrainConfig field ``name``."""
        return self.value(name, key, default, field(name))

    def keep(self, name: str, key: str, default: Any, kind: Kind) -> None:
        """Share Session State's ``key``, for widgets drawn without a default of their own: it
        starts from the link's value (or ``default``) unless the session already holds one."""
        st.session_state.setdefault(key, self.start(name, key, default, kind))

    def write(self) -> None:
        """After the page's shared widgets: say which of the link's values were ignored, and put
        every shared value that differs from its default in the URL. Parameters this page does not
        share are left as they are."""
        if self._ignored:
            ignored = ", ".join(f"**{name}** ({why})" for name, why in self._ignored.items())
            self._note.warning(f"This link's {ignored} could not be used; the page's defaults stand instead.")
        owned = st.session_state.setdefault(self._memory, set())
        owned.update(self._shared)
        now = {name: st.query_params.get_all(name) for name in st.query_params}
        wanted = {name: values for name, values in now.items() if name not in owned}
        for name, (key, default, show) in self._shared.items():
            value = st.session_state.get(key, default)
            if value != default:
                written = show(value)
                wanted[name] = written if isinstance(written, list) else [written]
        if wanted != now:
            st.query_params.from_dict(wanted)
