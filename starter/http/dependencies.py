"""What the HTTP routes need, built once per process by the app's lifespan or handed in
by tests."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from temporalio.client import Client

from db.engine import Database
from settings import Settings


class Services:
    """What the routes need; built once per process by the lifespan, or handed in by tests."""

    def __init__(self, settings: Settings, client: Client, db: Database) -> None:
        self.settings = settings
        self.client = client
        self.db = db

    @classmethod
    async def open(cls, settings: Settings, database_url: str) -> Services:
        """Neither Temporal nor the database is reached here but at the first call that needs
        it: the API starts while either is down, answers 503 for it, and recovers on its own."""
        from runtime.temporal_client import connect

        return cls(settings, await connect(settings, lazy=True), Database(database_url))


def services(request: Request) -> Services:
    svc: Services = request.app.state.services
    return svc


Svc = Annotated[Services, Depends(services)]
