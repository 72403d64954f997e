"""A real S3-compatible server for a test run: moto's, as a process of its own on a free port
(no mock object in the code under test: boto3 speaks HTTP to it as it would to AWS)."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from service_kit_testing.ports import free_port
from service_kit_testing.processes import stop_process

# moto accepts any credentials; boto3 needs some, and a region.
S3_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str

    def new_bucket(self) -> str:
        """A bucket of the test's own (an S3 PUT on the bucket, as any client creates one)."""
        name = f"exports-{uuid.uuid4().hex[:12]}"
        response = httpx.put(f"{self.endpoint_url}/{name}", timeout=10)
        response.raise_for_status()
        return name


@contextmanager
def s3_server() -> Iterator[S3Server]:
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - our interpreter, our arguments
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = S3Server(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(server.endpoint_url + "/moto-api/", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the S3 server did not start") from None
                time.sleep(0.1)
        yield server
    finally:
        stop_process(process)
