"""A real SMTP server on localhost for tests (aiosmtpd): records what it accepts, can refuse."""

import email
import socket
import threading

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Handler:
    def __init__(self, sink: "SmtpSink"):
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == self.sink.refuse_recipient:
            return "550 5.1.1 No such user here"
        if self.sink.stall_next_rcpt > 0:  # hold the client mid-conversation (a slow server)
            import asyncio

            self.sink.stall_next_rcpt -= 1
            self.sink.stalled.set()
            await asyncio.sleep(self.sink.stall_seconds)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.sink.lock:
            if self.sink.refuse_next > 0:
                self.sink.refuse_next -= 1
                self.sink.refused += 1
                return "451 4.3.0 Temporary failure, try again later"
            self.sink.messages.append(email.message_from_bytes(envelope.content))
            stall = self.sink.stall_next_data > 0
            self.sink.stall_next_data -= stall
        if stall:  # the message is kept, the client still waits for the answer (a slow server)
            import asyncio

            self.sink.accepted.set()
            await asyncio.sleep(self.sink.stall_seconds)
        return "250 Message accepted for delivery"


class SmtpSink:
    def __init__(
        self, refuse_next: int = 0, stall_next_rcpt: int = 0, stall_seconds: float = 30.0, stall_next_data: int = 0
    ):
        self.port = free_port()
        self.messages: list = []
        self.refused = 0
        self.refuse_next = refuse_next
        self.lock = threading.Lock()
        self.stall_next_rcpt = stall_next_rcpt
        self.stall_seconds = stall_seconds
        self.stalled = threading.Event()
        self.stall_next_data = stall_next_data
        self.accepted = threading.Event()
        self.refuse_recipient: str | None = None
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> "SmtpSink":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"
