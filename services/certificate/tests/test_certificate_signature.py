"""Canonical JSON, Ed25519 signatures and licence documents, as plain functions."""
from datetime import date

import pytest

from certificate.domain import signature
from certificate.domain.licence import build_document, licence_number, licence_title


def sample_document(key_id="k1"):
    return build_document(
        licence_id="6f1c1e0e-0000-4000-8000-000000000001", licence_no=licence_number("410800", "NRP", 2026, 1),
        project_code="2026-410800-48-01-000001", case_id="case-1", item_code="NRP-001",
        item_name="建设用地规划许可证", department="NRP", region="410800",
        holder="91410800MA47Q0R12X", project_name="焦作市第一人民医院门诊楼建设项目",
        stage="land_use_planning", approved_on=date(2026, 11, 24), issued_on=date(2026, 11, 25), key_id=key_id)


def test_canonical_json_is_sorted_compact_utf8():
    assert signature.canonical_json({"b": 1, "a": "许可", "c": [1, {"z": 0, "y": None}]}) == \
        '{"a":"许可","b":1,"c":[1,{"y":null,"z":0}]}'.encode("utf-8")
    # key order of the input does not matter
    assert signature.canonical_json({"x": 1, "y": 2}) == signature.canonical_json({"y": 2, "x": 1})


def test_licence_number_and_title():
    assert licence_number("410800", "NRP", 2026, 1) == "410800-NRP-2026-000001"
    assert licence_title("建设用地规划许可证") == "建设用地规划许可证"
    assert licence_title("企业投资项目备案") == "企业投资项目备案批准文件"


def test_sign_and_verify_round_trip():
    key = signature.SigningKey.generate()
    document = sample_document(key.key_id)
    signed = key.sign(document)
    assert "=" not in signed and "+" not in signed and "/" not in signed  # unpadded base64url
    keys = {key.key_id: key.private_key.public_key()}
    verdict = signature.verify(document, signed, key.key_id, keys)
    assert verdict.valid is True
    # a document rebuilt from JSON in another key order verifies the same
    assert signature.verify(dict(reversed(list(document.items()))), signed, key.key_id, keys).valid


@pytest.mark.parametrize("field", ["holder", "licence_no", "item_name", "issued_on"])
def test_changing_one_byte_invalidates(field):
    key = signature.SigningKey.generate()
    document = sample_document(key.key_id)
    signed = key.sign(document)
    tampered = dict(document)
    raw = bytearray(tampered[field].encode("utf-8"))
    raw[-1] ^= 0x01  # one bit of one byte
    tampered[field] = raw.decode("utf-8", errors="replace")
    assert tampered[field] != document[field]
    verdict = signature.verify(tampered, signed, key.key_id, {key.key_id: key.private_key.public_key()})
    assert verdict.valid is False and "改动" in verdict.reason


def test_unknown_key_wrong_key_and_garbage_signature():
    key, other = signature.SigningKey.generate(), signature.SigningKey.generate()
    document = sample_document(key.key_id)
    signed = key.sign(document)
    assert not signature.verify(document, signed, key.key_id, {}).valid
    assert "未知" in signature.verify(document, signed, key.key_id, {}).reason
    # the right key id pointing at another key: the signature does not match
    assert not signature.verify(document, signed, key.key_id, {key.key_id: other.private_key.public_key()}).valid
    # document names another key than the one claimed
    both = {key.key_id: key.private_key.public_key(), other.key_id: other.private_key.public_key()}
    assert not signature.verify(document, other.sign(document), other.key_id, both).valid
    assert not signature.verify(document, "@@not base64@@", key.key_id, both).valid
    assert not signature.verify(document, signed[:-4], key.key_id, both).valid


def test_key_id_is_stable_and_pem_round_trips():
    key = signature.SigningKey.generate()
    again = signature.SigningKey.from_pem(key.private_pem())
    assert again.key_id == key.key_id and len(key.key_id) == 16
    assert signature.key_id_of(signature.load_public_pem(key.public_pem())) == key.key_id
    with pytest.raises(ValueError):
        signature.load_public_pem(
            "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n")


def test_only_the_issuing_department_in_its_region_or_the_operator_revokes():
    from certificate.domain.licence import check_revocation
    from platform_kit.errors import Conflict, Forbidden
    own = dict(licence_department="NRP", licence_region="410800")
    check_revocation(role="officer", department="NRP", region="410800", **own)
    check_revocation(role="operator", department=None, region=None, **own)
    for role, department, region in (("officer", "DRC", "410800"), ("officer", "NRP", "410821"),
                                     ("supervisor", None, "410800"), ("applicant", None, "410800")):
        with pytest.raises(Forbidden):
            check_revocation(role=role, department=department, region=region, **own)
    with pytest.raises(Conflict):
        check_revocation(role="operator", department=None, region=None, already_revoked_on=date(2026, 11, 25), **own)
