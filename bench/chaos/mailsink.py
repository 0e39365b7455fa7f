"""The chaos run's SMTP sink: the dev sink (one file per Message-ID, so a message sent again
after a crash is kept once) that also appends every arrival's Message-ID to arrivals.log, so
the run can tell how many messages were sent more than once.

    python -m bench.chaos.mailsink --port 8025 --dir /tmp/mailbox
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from providers.sandbox.smtp_sink import MailSink, serve_until_interrupted

ARRIVALS = "arrivals.log"


class CountingSink(MailSink):
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        message = self.received.pop()  # kept on disk; memory would grow for nothing
        assert self.directory is not None
        with (self.directory / ARRIVALS).open("a") as log:
            log.write(f"{message['Message-ID']}\n")
        return answer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", type=Path, required=True)
    args = parser.parse_args()
    controller = Controller(CountingSink(args.dir), hostname="127.0.0.1", port=args.port)
    controller.start()
    serve_until_interrupted(controller)


if __name__ == "__main__":
    main()
