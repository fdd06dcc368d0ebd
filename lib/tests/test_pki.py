"""The test PKI: a root and an issuing CA, person and seal certificates, revocation and the CRL."""
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from platform_kit.pki import TestPki, main, parse_serial, serial_hex


def test_init_makes_a_root_and_an_issuing_ca_whose_chain_verifies(tmp_path):
    pki = TestPki(tmp_path).init()
    root, issuing = pki.root, pki.issuing
    root.verify_directly_issued_by(root)
    issuing.verify_directly_issued_by(root)
    assert issuing.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    assert issuing.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign is True
    bundle = x509.load_pem_x509_certificates(pki.bundle_path.read_bytes())
    assert [c.subject for c in bundle] == [root.subject, issuing.subject]
    assert list(x509.load_pem_x509_crl(pki.crl_path.read_bytes())) == []


def test_a_person_certificate_names_its_holder_and_serves_client_authentication(tmp_path):
    pki = TestPki(tmp_path).init()
    for elliptic, kind in ((False, rsa.RSAPublicKey), (True, ec.EllipticCurvePublicKey)):
        certificate, key = pki.issue("张三", "410802199001011234", elliptic=elliptic)
        certificate.verify_directly_issued_by(pki.issuing)
        assert isinstance(certificate.public_key(), kind)
        assert certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "张三"
        assert certificate.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == "410802199001011234"
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
        assert usage.digital_signature and not usage.key_cert_sign
        assert ExtendedKeyUsageOID.CLIENT_AUTH in certificate.extensions.get_extension_for_class(
            x509.ExtendedKeyUsage).value
        assert (tmp_path / "issued" / f"{serial_hex(certificate.serial_number)}.pem").exists()
    rsa_key = pki.issue("李四", "410802199202022345")[1]
    assert rsa_key.key_size == 2048


def test_a_seal_certificate_signs_documents_and_is_no_login_credential(tmp_path):
    pki = TestPki(tmp_path).init()
    certificate, _ = pki.seal("焦作市自然资源和规划局", "11410800MB1234567X")
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment
    assert not any(isinstance(e.value, x509.ExtendedKeyUsage) for e in certificate.extensions)


def test_a_revoked_serial_is_on_the_crl_the_issuing_ca_signed_in_pem_and_der(tmp_path):
    pki = TestPki(tmp_path).init()
    kept, _ = pki.issue("张三", "410802199001011234")
    lost, _ = pki.issue("李四", "410802199202022345", elliptic=True)
    pki.revoke(serial_hex(lost.serial_number))
    for crl in (x509.load_pem_x509_crl(pki.crl_path.read_bytes()),
                x509.load_der_x509_crl((tmp_path / "crl.der").read_bytes())):
        assert crl.is_signature_valid(pki.issuing.public_key())
        assert not crl.is_signature_valid(pki.root.public_key())
        assert crl.get_revoked_certificate_by_serial_number(lost.serial_number) is not None
        assert crl.get_revoked_certificate_by_serial_number(kept.serial_number) is None
    pki.revoke(lost.serial_number)   # twice: still one entry
    assert len(list(x509.load_pem_x509_crl(pki.crl_path.read_bytes()))) == 1


def test_the_command_line_initialises_issues_revokes_and_publishes(tmp_path, capsys):
    directory = str(tmp_path / "pki")
    assert main(["init", directory]) == 0
    assert main(["issue", directory, "--name", "王五", "--id", "410802198803033456", "--ec"]) == 0
    serial = capsys.readouterr().out.split("serial: ")[1].split()[0]
    certificate = x509.load_pem_x509_certificate((tmp_path / "pki" / "issued" / f"{serial}.pem").read_bytes())
    assert isinstance(certificate.public_key(), ec.EllipticCurvePublicKey)
    assert main(["revoke", directory, serial]) == 0
    assert main(["crl", directory]) == 0
    crl = x509.load_pem_x509_crl((tmp_path / "pki" / "crl.pem").read_bytes())
    assert crl.get_revoked_certificate_by_serial_number(parse_serial(serial)) is not None
