"""The request body limit at the HTTP edge: a body over ``max_request_bytes`` is 413.

A ``Content-Length`` over the limit is refused before the body is read; a body sent in
chunks is refused as soon as it passes the limit. What passes is read whole here and
handed on unchanged, so nothing behind this middleware ever holds more than the limit.
"""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BodyLimit"]


class BodyLimit:
    """ASGI middleware: refuse request bodies larger than ``max_bytes`` with 413."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _refuse(self, status: int, message: str) -> JSONResponse:
        code = "REQUEST_TOO_LARGE" if status == 413 else "BAD_REQUEST"
        response = JSONResponse({"error": {"code": code, "message": message}}, status_code=status)
        response.headers["connection"] = "close"
        return response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                size = -1
            if size < 0:
                bad = self._refuse(400, f"Content-Length {declared!r} is not a byte count")
                await bad(scope, receive, send)
                return
            if size > limit:
                too_big = self._refuse(
                    413,
                    f"the request body is {size:,} bytes; the limit is {limit:,} "
                    "(setting max_request_bytes, ORGGRAPH_MAX_REQUEST_BYTES)",
                )
                await too_big(scope, receive, send)
                return
        chunks: list[bytes] = []
        total = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > limit:
                too_big = self._refuse(
                    413,
                    f"the request body passed {limit:,} bytes, the limit "
                    "(setting max_request_bytes, ORGGRAPH_MAX_REQUEST_BYTES)",
                )
                await too_big(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        handed = False

        async def replay() -> Message:
            nonlocal handed
            if not handed:
                handed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
