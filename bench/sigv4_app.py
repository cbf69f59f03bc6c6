"""The AWS baseline: a bare ASGI app that only verifies SigV4, then answers DescribeUser.

It uses the same verifier as sightgate (``sightgate.protocols.aws.sigv4``, which
recomputes the signature with botocore's signer) and a constant response, so the
difference to sightgate's DescribeUser is what sightgate adds on top of authentication:
routing by the service model, input validation, the database read, output serialization
and request logging. Run as ``python -m bench.sigv4_app --port N --key AKID --secret S``.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime

import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from sightgate.platform.errors import SightgateError
from sightgate.protocols.aws import AwsError
from sightgate.protocols.aws.sigv4 import Credential, SignedRequest, StaticCredentials, authenticate

ACCOUNT = "111122223333"
BODY = json.dumps(
    {
        "User": {
            "Arn": f"arn:aws:quicksight:us-east-1:{ACCOUNT}:user/default/bench-user",
            "UserName": "bench-user",
            "Email": "bench-user@example.com",
            "Role": "READER",
            "IdentityType": "QUICKSIGHT",
            "Active": True,
            "PrincipalId": "user/d-0000000000/bench",
        },
        "RequestId": "00000000-0000-4000-8000-000000000000",
        "Status": 200,
    }
).encode()


def build(credentials: StaticCredentials) -> ASGIApp:
    """The ASGI app."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        if scope["path"] == "/healthz":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        request = SignedRequest(
            method=scope["method"],
            raw_path=scope["raw_path"].decode(),
            query_string=scope["query_string"].decode(),
            headers=[(k.decode().lower(), v.decode()) for k, v in scope["headers"]],
            body=body,
        )
        try:
            authenticate(
                request,
                credentials,
                signing_name="quicksight",
                now=datetime.now(UTC),
                dev_mode=False,
            )
            status, payload = 200, BODY
        except (AwsError, SightgateError) as error:
            status, payload = 403, json.dumps({"Message": str(error)}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    return app


def main() -> None:
    """Serve the app on 127.0.0.1."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--secret", required=True)
    args = parser.parse_args()
    credentials = StaticCredentials([Credential(args.key, args.secret, ACCOUNT)])
    uvicorn.run(
        build(credentials), host="127.0.0.1", port=args.port, log_level="warning", access_log=False
    )


if __name__ == "__main__":
    main()
