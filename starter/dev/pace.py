"""How fast `ordino dev` moves its orders: the windows it sets unless the environment does."""

from __future__ import annotations

from enum import StrEnum


class Pace(StrEnum):
    """How fast the dev stack's orders move. `hand` leaves time to follow the README by hand
    (edit an order before it is packed, return it within its window); `demo` shows a whole
    order, exceptions included, in about two minutes."""

    HAND = "hand"
    DEMO = "demo"

    def windows(self) -> dict[str, str]:
        # The late sandbox parcel stalls for 15 carrier steps, so the SLA stays below that.
        if self is Pace.DEMO:
            return {
                "ORDINO_PACK_DELAY": "PT5S",
                "ORDINO_CARRIER_STEP_DELAY": "PT5S",
                "ORDINO_DELIVERY_SLA": "PT1M",
                "ORDINO_FEEDBACK_DELAY": "PT20S",
                "ORDINO_RETURN_WINDOW": "PT1M",
            }
        return {
            "ORDINO_PACK_DELAY": "PT2M",
            "ORDINO_CARRIER_STEP_DELAY": "PT10S",
            "ORDINO_DELIVERY_SLA": "PT2M",
            "ORDINO_FEEDBACK_DELAY": "PT30S",
            "ORDINO_RETURN_WINDOW": "PT10M",
        }


_WINDOW_NAMES = {
    "ORDINO_PACK_DELAY": "packing",
    "ORDINO_CARRIER_STEP_DELAY": "carrier step",
    "ORDINO_DELIVERY_SLA": "delivery SLA",
    "ORDINO_FEEDBACK_DELAY": "feedback after",
    "ORDINO_RETURN_WINDOW": "return window",
}


def describe(env: dict[str, str]) -> str:
    return ", ".join(f"{name} {env[var]}" for var, name in _WINDOW_NAMES.items())
