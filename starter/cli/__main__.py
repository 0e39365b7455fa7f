"""`python -m starter.cli ...`: the `ordino` command without the console script."""

from starter.cli import app

app()
