"""The `ordino` command: the console script `starter.cli:app`, or `python -m starter.cli`
(how the dev stack and the tests start its processes). main.py assembles it from one
module per command group; support.py is what every command needs."""

from starter.cli.main import app

__all__ = ["app"]
