"""The order workflow, a module per phase of the process (see workflow.py)."""

from workflows.order.base import ORDER_CLOSING, STEPS_PARKED
from workflows.order.workflow import OrderWorkflow

__all__ = ["ORDER_CLOSING", "STEPS_PARKED", "OrderWorkflow"]
