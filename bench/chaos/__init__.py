"""The chaos command: the whole stack as separate processes on private ports, a few hundred
orders through the HTTP API, kill -9 and restart of its processes at random, then the books.

    .venv/bin/python -m bench.chaos --orders 200 --minutes 5 --seed 1

Modules: stack (the processes), load (orders and cancellations), kills (the schedule),
invariants (what must hold afterwards), report (rich tables), run (all of it in order).
"""
