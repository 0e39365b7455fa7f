"""A TCP proxy between a process under test and a server (PostgreSQL, Temporal) that the
test can cut, as an outage would: every open connection is dropped and new ones are
refused, until the test restores it on the same port. It runs its own event loop in a
thread, so code that blocks on the database in the test's loop still gets through."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine
from typing import Any


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0  # chosen when it first listens, kept across cuts
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._links: set[asyncio.StreamWriter] = set()
        self._pipes: set[asyncio.Future[Any]] = set()
        self._flowing = asyncio.Event()  # cleared: connections stay open, nothing gets through
        self._flowing.set()

    def __enter__(self) -> TcpProxy:
        self._thread.start()
        self.restore()
        return self

    def __exit__(self, *_: object) -> None:
        self._run(self._close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def cut(self) -> None:
        self._run(self._cut())

    def restore(self) -> None:
        self._run(self._listen())

    def stall(self) -> None:
        """A server that hangs: connections stay up but no byte gets through, until restored."""
        self._loop.call_soon_threadsafe(self._flowing.clear)

    def _run(self, step: Coroutine[Any, Any, None]) -> None:
        asyncio.run_coroutine_threadsafe(step, self._loop).result(10)

    async def _listen(self) -> None:
        self._flowing.set()
        if self._server is None:
            self._server = await asyncio.start_server(self._link, "127.0.0.1", self.port)
            self.port = self._server.sockets[0].getsockname()[1]

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._links):
            writer.transport.abort()  # a reset, as when the server goes away
        self._links.clear()

    async def _close(self) -> None:
        await self._cut()
        await asyncio.gather(*self._pipes, return_exceptions=True)

    async def _link(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.transport.abort()
            return
        self._links |= {client_writer, server_writer}
        pipe = asyncio.gather(
            self._copy(client_reader, server_writer), self._copy(server_reader, client_writer)
        )
        self._pipes.add(pipe)
        await pipe
        self._pipes.discard(pipe)
        self._links -= {client_writer, server_writer}

    async def _copy(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                await self._flowing.wait()
                writer.write(data)
                await writer.drain()
        writer.close()
