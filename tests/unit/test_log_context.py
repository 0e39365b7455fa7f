"""Log lines of the Temporal SDK name the order their workflow belongs to."""

from contracts.ids import order_id_of_workflow, order_workflow_id, return_workflow_id


def test_the_order_of_an_order_or_return_workflow():
    assert order_id_of_workflow(order_workflow_id("webshop-WS-1")) == "webshop-WS-1"
    assert order_id_of_workflow(return_workflow_id("webshop-WS-1-R2")) == "webshop-WS-1"
    assert order_id_of_workflow("bare-workflow-7") is None
