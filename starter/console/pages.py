"""Rendering console pages: the templates, and what every page knows (who is signed in,
what they may do, the CSRF token, where the Temporal Web UI is)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from domain.money import round_money
from starter.console.permissions import may
from starter.console.sessions import CSRF_FIELD, CSRF_HEADER, StaffSession

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def money(amount: Decimal | int | float | str | None, currency: str) -> str:
    if amount is None:
        return ""
    return f"{round_money(Decimal(str(amount)), currency):,} {currency}"


def when(at: datetime | None) -> str:
    """A moment as people read it in a table: to the minute, in UTC (as stored)."""
    return at.strftime("%Y-%m-%d %H:%M") if at else ""


def label(code: str | None) -> str:
    """A machine word as a person reads it: `awaiting_payment` is "awaiting payment"."""
    return (code or "").replace("_", " ")


templates.env.filters.update(money=money, when=when, label=label)
templates.env.globals.update(may=may, CSRF_FIELD=CSRF_FIELD, CSRF_HEADER=CSRF_HEADER)


def render(
    request: Request, staff: StaffSession | None, name: str, status_code: int = 200, **context: Any
) -> HTMLResponse:
    settings = request.app.state.services.settings
    context.update(staff=staff, temporal_ui=settings.ui_origins[0], namespace=settings.temporal_namespace)
    return templates.TemplateResponse(request, name, context, status_code=status_code)
