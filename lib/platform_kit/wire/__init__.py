"""Wire formats shared by a service and the gateway, one module per service.

A service loads its RPC arguments and dumps its answers with these schemas; the gateway checks the
same request bodies at the door and documents the same answers (``GET /openapi.json``). Each format
has one definition: the service's ``schemas.py`` imports it from here and keeps only the formats
nobody else reads. Enumerations and limits stated here are the ones the service enforces.
"""
from marshmallow import RAISE, Schema, fields, validate


class Body(Schema):
    """A request body or command: unknown fields are refused."""

    class Meta:
        unknown = RAISE


class Answer(Schema):
    """An answer dumped by a service: exactly the fields listed (readers ignore fields they do not know)."""


class PageAnswer(Answer):
    """One page of a list (:class:`PageFilters`): its ``items`` (declared by each list), how many
    there are in all, and the ``limit`` and ``offset`` that cut this page."""

    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


class PageFilters(Body):
    """Paging of every list a service answers: ``limit`` 1–200 (default 50), ``offset`` ≥ 0. The
    service pages where the data is (LIMIT/OFFSET and a count) and answers ``{items, total, limit,
    offset}``."""

    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200, error="每页条数须为 1 至 200"))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, error="起始位置不能为负数"))
