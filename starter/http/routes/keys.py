"""API keys over HTTP, for admins: made (the key is shown in this answer only), listed and
revoked."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from db import api_keys
from domain.access import KeyName, Role, ScopeCode
from domain.errors import ErrorCode
from domain.orders import Contract
from starter.http.access import GuardedRoute
from starter.http.dependencies import Svc
from starter.http.openapi import refusals
from starter.http.params import Key

router = APIRouter(prefix="/keys", tags=["keys"], route_class=GuardedRoute)


class NewKey(Contract):
    name: KeyName
    role: Role
    scope: ScopeCode | None = None  # the channel or warehouse a channel or warehouse key is for


class KeyView(BaseModel):
    id: str
    name: str
    role: Role
    scope: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class MadeKey(KeyView):
    key: str  # shown this once: only its hash is kept


def _view(key: api_keys.KeyView) -> KeyView:
    return KeyView.model_validate(key, from_attributes=True)


@router.post("", status_code=201, response_model=MadeKey)
async def create_key(body: NewKey, svc: Svc) -> MadeKey:
    """A new key for a role (a channel or warehouse key names its channel or warehouse)."""
    made, key = await run_in_threadpool(api_keys.create, svc.db, body.name, body.role, body.scope)
    return MadeKey(**_view(made).model_dump(), key=key)


@router.get("", response_model=list[KeyView])
async def list_keys(svc: Svc) -> list[KeyView]:
    return [_view(k) for k in await run_in_threadpool(api_keys.listed, svc.db)]


@router.post("/{key_id}/revoke", response_model=KeyView, openapi_extra=refusals(ErrorCode.KEY_NOT_FOUND))
async def revoke_key(key_id: Key, svc: Svc) -> KeyView:
    """From now on the key is refused; it stays listed, as the audit trail names it."""
    return _view(await run_in_threadpool(api_keys.revoke, svc.db, key_id))
