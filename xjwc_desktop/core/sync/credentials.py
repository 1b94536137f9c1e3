"""Where a workstation keeps its device token: the OS keyring, or a private file.

The keyring (Secret Service, macOS Keychain, Windows Credential Locker) when one works;
otherwise ``tokens.json`` in the user's config folder, readable by the user alone (0600,
written atomically). The token is never stored in the database, which is copied around.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from xjwc_desktop.core.exchange.atomic import write_bytes_atomically

SERVICE = "xjwc_desktop"


def config_dir() -> Path:
    if home := os.environ.get("XJWC_HOME"):
        return Path(home).expanduser() / "config"
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "xjwc_desktop"


def token_file() -> Path:
    return config_dir() / "tokens.json"


def _key(server_url: str, workstation_id: str) -> str:
    return f"{server_url.rstrip('/')}|{workstation_id}"


def _keyring():
    """The keyring backend if a real one is available, else None."""
    if os.environ.get("XJWC_NO_KEYRING"):
        return None
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
        if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 0) <= 0:
            return None
        return keyring
    except Exception:  # noqa: BLE001 - a broken keyring must not stop the sync
        return None


def save_token(server_url: str, workstation_id: str, token: str) -> str:
    """Store the token; returns where (``keyring`` or the file's path)."""
    ring = _keyring()
    if ring is not None:
        try:
            ring.set_password(SERVICE, _key(server_url, workstation_id), token)
            return "keyring"
        except Exception:  # noqa: BLE001 - fall back to the file
            pass
    tokens = _read_file()
    tokens[_key(server_url, workstation_id)] = token
    _write_file(tokens)
    return str(token_file())


def load_token(server_url: str, workstation_id: str) -> str | None:
    ring = _keyring()
    if ring is not None:
        try:
            found = ring.get_password(SERVICE, _key(server_url, workstation_id))
            if found:
                return found
        except Exception:  # noqa: BLE001
            pass
    return _read_file().get(_key(server_url, workstation_id))


def _read_file() -> dict[str, str]:
    try:
        return json.loads(token_file().read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}


def _write_file(tokens: dict[str, str]) -> None:
    write_bytes_atomically(token_file(), json.dumps(tokens, ensure_ascii=False).encode(),
                           private=True)
