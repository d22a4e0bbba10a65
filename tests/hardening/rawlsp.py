"""A raw JSON-RPC client for `counterpoint serve` over stdio: it can send what no well-behaved
client would (invalid UTF-8, broken frames, nonsense params) and still read the replies."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any


class RawServer:
    def __init__(self, env: dict[str, str], root: Path, init_options: dict | None = None) -> None:
        self.stderr_path = root / "server-stderr.log"
        self._stderr = self.stderr_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "counterpoint", "--log-level", "info", "serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=env,
            cwd=root,
        )
        self._replies: dict[Any, dict] = {}
        self._notifications: queue.Queue[dict] = queue.Queue()
        self._lock = threading.Condition()
        self._next_id = 0
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        reply = self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": root.as_uri(),
                "capabilities": {},
                # The cross-check command answers with its summary, as these tests expect.
                "initializationOptions": {"waitForResult": True, **(init_options or {})},
            },
        )
        assert "result" in reply, reply
        self.notify("initialized", {})

    # ---- sending ---------------------------------------------------------------------------

    def send_bytes(self, body: bytes) -> None:
        assert self.process.stdin is not None
        header = f"Content-Length: {len(body)}\r\n\r\n".encode()
        self.process.stdin.write(header + body)
        self.process.stdin.flush()

    def send(self, message: dict) -> None:
        self.send_bytes(json.dumps(message).encode())

    def notify(self, method: str, params: Any) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def request(self, method: str, params: Any, timeout: float = 30.0) -> dict:
        request_id = self.new_id()
        self.send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        return self.reply(request_id, timeout)

    def reply(self, request_id: Any, timeout: float = 30.0) -> dict:
        deadline = time.monotonic() + timeout
        with self._lock:
            while request_id not in self._replies:
                left = deadline - time.monotonic()
                if left <= 0 or not self.alive:
                    raise TimeoutError(f"no reply to request {request_id!r}")
                self._lock.wait(min(left, 0.2))
            return self._replies.pop(request_id)

    def command(self, name: str, argument: Any, timeout: float = 60.0) -> dict:
        return self.request(
            "workspace/executeCommand", {"command": name, "arguments": [argument]}, timeout
        )

    def status(self) -> dict:
        reply = self.command("counterpoint.serverStatus", {})
        assert "result" in reply, reply
        return reply["result"]

    # ---- receiving -------------------------------------------------------------------------

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii", "replace").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if length is None:
                continue
            message = json.loads(stream.read(length))
            if "id" in message and "method" in message:  # a request from the server
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
            elif "id" in message:
                with self._lock:
                    self._replies[message["id"]] = message
                    self._lock.notify_all()
            else:
                self._notifications.put(message)

    def notifications(self) -> list[dict]:
        found = []
        while not self._notifications.empty():
            found.append(self._notifications.get_nowait())
        return found

    # ---- ending ----------------------------------------------------------------------------

    def stop(self) -> str:
        """Shut down politely (or kill); return what the server wrote to stderr."""
        if self.alive:
            try:
                self.request("shutdown", None, timeout=10)
                self.notify("exit", None)
                self.process.wait(timeout=10)
            except (TimeoutError, OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()
        self._stderr.close()
        return self.stderr_path.read_text("utf-8", "replace")
