"""A real SMTP server for tests (aiosmtpd on 127.0.0.1, a free port) that records what it receives.

The `smtp_server` fixture starts one and points the app's MAIL_SERVER and MAIL_PORT at it for the
test; the server can refuse chosen recipients, hold a delivery in mid-send, stop and start again.
"""
from __future__ import annotations

import asyncio
import email
import threading
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

HOST = "127.0.0.1"


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    def body(self, subtype: str = "plain") -> str:
        """The text ("plain") or "html" part of the e-mail."""
        return self.message.get_body(preferencelist=(subtype,)).get_content()


class _Controller(Controller):
    def _trigger_server(self):
        # Bound to port 0: learn the port the system chose before the readiness probe connects to it.
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SMTPServer:
    """The recording server; also the aiosmtpd handler (the `handle_*` hooks)."""

    def __init__(self):
        self.port = 0
        self.received: list[ReceivedMail] = []
        self._rejections: dict[str, str] = {}
        self._controller: Controller | None = None
        self.receiving = threading.Event()   # set when a DATA command has come in
        self._released = threading.Event()
        self._released.set()

    # Test controls -------------------------------------------------------------------------------

    def reject(self, address: str, reply: str = "550 5.1.1 No such user here") -> None:
        """Answer RCPT TO for this address with `reply` (a 5xx refuses for good, a 4xx for now)."""
        self._rejections[address.lower()] = reply

    def hold(self) -> None:
        """Keep the next DATA command unanswered until `release()`: a client caught in mid-send."""
        self.receiving.clear()
        self._released.clear()

    def release(self) -> None:
        self._released.set()

    def start(self) -> None:
        """Listen (again, on the same port after a `stop()`)."""
        self._controller = _Controller(self, hostname=HOST, port=self.port)
        self._controller.start()
        self.port = self._controller.port

    def stop(self) -> None:
        """Stop listening: a client now gets "connection refused", as from a mail server that is down."""
        if self._controller is not None:
            self.release()
            self._controller.stop()
            self._controller = None

    # aiosmtpd hooks ------------------------------------------------------------------------------

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        rejection = self._rejections.get(address.lower())
        if rejection:
            return rejection
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.receiving.set()
        await asyncio.get_running_loop().run_in_executor(None, self._released.wait)
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.received.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(app):
    server = SMTPServer()
    server.start()
    previous = app.config["MAIL_SERVER"], app.config["MAIL_PORT"]
    app.config.update(MAIL_SERVER=HOST, MAIL_PORT=server.port)
    yield server
    app.config["MAIL_SERVER"], app.config["MAIL_PORT"] = previous
    server.stop()
