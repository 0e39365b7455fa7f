"""Internal notes: what staff write on an order for each other (Shopify's and Saleor's
timeline comments). A note changes nothing in the order, and no customer reads one: not in
a mail, not on the tracking page, not through a channel's key."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from domain.inputs import Text
from domain.orders import Actor, Contract, Reference

# Long enough for a phone call's summary, short enough for a timeline.
NoteText = Annotated[str, Text(2000, multiline=True)]


class NoteRequest(Contract):
    """A note to add to an order's timeline; its author is the API key (or the CLI's user)."""

    text: NoteText
    reference: Annotated[
        Reference | None,
        Field(description="The client's own id for the note: sent again, the note is added once"),
    ] = None
    actor: Actor = "support"
