"""Wire formats shared by a service and the gateway, one module per service.

A service loads its RPC arguments and dumps its answers with these schemas; the gateway checks the
same request bodies at the door and documents the same answers (``GET /openapi.json``). Each format
has one definition: the service's ``schemas.py`` imports it from here and keeps only the formats
nobody else reads. Enumerations and limits stated here are the ones the service enforces.
"""
from marshmallow import RAISE, Schema


class Body(Schema):
    """A request body or command: unknown fields are refused."""

    class Meta:
        unknown = RAISE


class Answer(Schema):
    """An answer dumped by a service: exactly the fields listed (readers ignore fields they do not know)."""
