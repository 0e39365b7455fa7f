"""Ports for servers the tests start, and for ones they make sure nobody listens on."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A port nothing listens on (until someone binds it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
