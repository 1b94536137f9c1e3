"""Interface language. Chinese is the source language; English comes from a catalogue.

Text is written in Chinese where it is defined and wrapped in :func:`tr`; with English
chosen, ``tr`` looks it up in ``resources/i18n/en.json`` (missing entries stay Chinese, so
an untranslated string is visible rather than blank).
"""

from __future__ import annotations

import os

from xjwc_desktop.core.resources import load_json

LANGUAGES = {"zh": "中文", "en": "English"}
_language = os.environ.get("XJWC_LANG", "zh")


def set_language(code: str) -> None:
    global _language
    if code not in LANGUAGES:
        raise ValueError(f"unknown language {code!r}; choose one of {', '.join(LANGUAGES)}")
    _language = code


def language() -> str:
    return _language


def tr(text: str, context: str | None = None) -> str:
    """``text`` in the current interface language. ``context`` tells apart one Chinese
    word that is two English ones: 立案 the state ("Registered") and 立案 the action a
    button names ("Register", context ``"action"``); catalogue key ``"action|立案"``."""
    if _language == "zh":
        return text
    catalogue = load_json(f"i18n/{_language}.json")
    if context is not None:
        found = catalogue.get(f"{context}|{text}")
        if found is not None:
            return found
    return catalogue.get(text, text)
