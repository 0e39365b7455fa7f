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


def services(request: Request) -> Services:
    return request.app.state.services


Svc = Annotated[Services, Depends(services)]
