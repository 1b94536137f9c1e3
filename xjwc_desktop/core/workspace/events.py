"""A small evented-object toolkit: events that views subscribe to, weakly.

Subscribers are usually methods of widgets; holding them weakly (``WeakMethod``) means a
closed view never receives another event and never keeps itself alive through the state
it listened to (napari's ``EventEmitter`` does the same). Plain functions are held
strongly: pass ``owner=`` to tie one to an object's lifetime instead.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any


class Event:
    """One kind of event: ``connect(callback)``, ``emit(*args)``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._slots: list[tuple[Callable[[], Callable | None], Any]] = []
        self._blocked = 0

    def connect(self, callback: Callable[..., Any], *, owner: object | None = None) -> None:
        """Call ``callback`` on every emit; bound methods (and ``owner``) are held weakly."""
        if owner is not None:
            owner_ref = weakref.ref(owner)
            self._slots.append((lambda: callback if owner_ref() is not None else None, owner_ref))
        elif hasattr(callback, "__self__") and hasattr(callback, "__func__"):
            self._slots.append((weakref.WeakMethod(callback), None))
        else:
            self._slots.append((lambda: callback, callback))

    def disconnect(self, callback: Callable[..., Any]) -> None:
        self._slots = [(ref, key) for ref, key in self._slots
                       if ref() is not None and ref() != callback]

    def emit(self, *args: Any) -> None:
        if self._blocked:
            return
        alive = []
        for ref, key in list(self._slots):
            slot = ref()
            if slot is None:
                continue
            alive.append((ref, key))
            slot(*args)
        if len(alive) != len(self._slots):
            self._slots = [s for s in self._slots if s[0]() is not None]

    def blocked(self) -> _Blocker:
        """``with event.blocked():`` — no emits inside (a view setting what it just heard)."""
        return _Blocker(self)

    def __len__(self) -> int:
        return sum(1 for ref, _ in self._slots if ref() is not None)


class _Blocker:
    def __init__(self, event: Event) -> None:
        self.event = event

    def __enter__(self) -> Event:
        self.event._blocked += 1
        return self.event

    def __exit__(self, *_exc) -> None:
        self.event._blocked -= 1


class Events:
    """A namespace of :class:`Event` s: ``Events("filter", "mask")`` → ``events.filter``."""

    def __init__(self, *names: str) -> None:
        for name in names:
            setattr(self, name, Event(name))
