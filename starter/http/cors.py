"""Cross-origin access for the routes a page of another origin calls from the browser: the
codec server, which the Temporal Web UI asks to decrypt payloads. Only those routes, only
the Web UI's origin (settings.ui_origins); every other route stays same-origin."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send


class CrossOriginFor:
    def __init__(self, app: ASGIApp, prefix: str, origins: Sequence[str]) -> None:
        self._app = app
        self._prefix = prefix
        self._cors = CORSMiddleware(
            app,
            allow_origins=list(origins),
            allow_methods=["POST"],
            # What the Web UI sends: JSON, its namespace, and (when set to) its user's token.
            allow_headers=["Content-Type", "X-Namespace", "Authorization"],
            # The Web UI's "include cross-origin credentials" sends cookies, as a login may need.
            allow_credentials=True,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        ours = scope["type"] == "http" and scope["path"].startswith(self._prefix + "/")
        await (self._cors if ours else self._app)(scope, receive, send)
