"""A test PKI (004 §19–§20): a root CA, an issuing CA under it, person certificates (the "CA key" on
a USB key of an applicant or an officer), seal certificates of departments, revocation and a CRL.

Everything lives in one directory::

    root.pem  root-key.pem          the root CA (self-signed)
    issuing.pem  issuing-key.pem    the issuing CA, signed by the root
    bundle.pem                      both CA certificates: the gateway's trust anchors (GATEWAY_CA_BUNDLE)
    issued/<serial>.pem, issued/<serial>-key.pem   each certificate issued and its private key
    revoked.json                    {serial (hex): revocation time}
    crl.pem  crl.der                the CRL the issuing CA signed (GATEWAY_CRL_FILE)

``platform-pki init DIR``, ``issue DIR --name 张三 --id 410802199001011234 [--ec]``,
``seal DIR --name 焦作市自然资源和规划局 --id <统一社会信用代码>``, ``revoke DIR SERIAL``, ``crl DIR``.
Keys are written unencrypted: this is a PKI for tests and demonstrations, not a certification
authority.
"""
import argparse
import base64
import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CRL_DAYS = 7


def utcnow():
    return datetime.now(timezone.utc)


def new_key(elliptic=False):
    return ec.generate_private_key(ec.SECP256R1()) if elliptic else rsa.generate_private_key(65537, 2048)


def pem(certificate):
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def key_pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def serial_hex(serial_number):
    """How a serial is written everywhere on the platform: lower-case hexadecimal, no separators."""
    return format(serial_number, "x")


def parse_serial(text):
    return int(str(text).strip().lower().replace(":", "").removeprefix("0x"), 16)


def _name(common_name, serial_number=None, organisation=None):
    parts = [x509.NameAttribute(NameOID.COUNTRY_NAME, "CN")]
    if organisation:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    parts.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    if serial_number:
        parts.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial_number))
    return x509.Name(parts)


def _key_usage(digital_signature=False, content_commitment=False, cert_sign=False):
    return x509.KeyUsage(digital_signature=digital_signature, content_commitment=content_commitment,
                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                         key_cert_sign=cert_sign, crl_sign=cert_sign, encipher_only=False, decipher_only=False)


def _builder(subject, issuer_name, public_key, issuer_key, not_before, days):
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name).public_key(public_key)
            .serial_number(x509.random_serial_number()).not_valid_before(not_before)
            .not_valid_after(not_before + timedelta(days=days))
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                           critical=False))


def make_ca(common_name, issuer=None, issuer_key=None, days=3650, now=None, path_length=None):
    """(certificate, key) of a CA: self-signed without `issuer`, else signed by it."""
    now = now or utcnow()
    key = new_key()
    subject = _name(common_name, organisation="工程建设项目审批管理系统测试 CA")
    signer_key = issuer_key or key
    builder = (_builder(subject, issuer.subject if issuer else subject, key.public_key(), signer_key,
                        now - timedelta(minutes=5), days)
               .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
               .add_extension(_key_usage(cert_sign=True), critical=True))
    return builder.sign(signer_key, hashes.SHA256()), key


def make_person(issuer, issuer_key, name, id_number, elliptic=False, days=365, now=None, not_before=None,
                key_usage=True, client_auth=True):
    """(certificate, key) of a person or an organisation's holder: CN = name, serialNumber = ID number
    or unified social credit code; key usage digitalSignature; extended key usage clientAuth."""
    now = now or utcnow()
    key = new_key(elliptic)
    builder = (_builder(_name(name, id_number), issuer.subject, key.public_key(), issuer_key,
                        not_before or now - timedelta(minutes=5), days)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True))
    if key_usage:
        builder = builder.add_extension(_key_usage(digital_signature=True), critical=True)
    if client_auth:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256()), key


def make_seal(issuer, issuer_key, department, code, days=1825, now=None):
    """(certificate, key) of a department's electronic seal: signs documents (digitalSignature,
    nonRepudiation), not a login credential (no clientAuth)."""
    now = now or utcnow()
    key = new_key(elliptic=True)
    builder = (_builder(_name(department, code, organisation=department), issuer.subject, key.public_key(),
                        issuer_key, now - timedelta(minutes=5), days)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(_key_usage(digital_signature=True, content_commitment=True), critical=True))
    return builder.sign(issuer_key, hashes.SHA256()), key


def make_crl(issuer, issuer_key, revoked, now=None, days=CRL_DAYS):
    """A CRL signed by `issuer_key`; `revoked`: {serial (int): revocation time}."""
    now = now or utcnow()
    builder = (x509.CertificateRevocationListBuilder().issuer_name(issuer.subject)
               .last_update(now - timedelta(minutes=1)).next_update(now + timedelta(days=days))
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                              critical=False))
    for serial, at in sorted(revoked.items()):
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(at).build())
    return builder.sign(issuer_key, hashes.SHA256())


def sign_challenge(private_key, data):
    """The certificate holder's side of a login: a signature (base64) over the challenge `data`, made
    the way a USB key makes it (RSA PKCS#1 v1.5 or ECDSA, SHA-256)."""
    if isinstance(private_key, rsa.RSAPrivateKey):
        raw = private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    else:
        raw = private_key.sign(data, ec.ECDSA(hashes.SHA256()))
    return base64.b64encode(raw).decode()


class TestPki:
    """The test PKI in a directory (see the module's docstring)."""

    __test__ = False  # not a pytest class

    def __init__(self, directory):
        self.dir = Path(directory)

    # ------------------------------------------------------------------ files
    def _cert(self, name):
        return x509.load_pem_x509_certificate((self.dir / name).read_bytes())

    def _key(self, name):
        return serialization.load_pem_private_key((self.dir / name).read_bytes(), password=None)

    @property
    def root(self):
        return self._cert("root.pem")

    @property
    def issuing(self):
        return self._cert("issuing.pem")

    @property
    def bundle_path(self):
        return self.dir / "bundle.pem"

    @property
    def crl_path(self):
        return self.dir / "crl.pem"

    def _revoked(self):
        path = self.dir / "revoked.json"
        data = json.loads(path.read_text()) if path.exists() else {}
        return {parse_serial(k): datetime.fromisoformat(v) for k, v in data.items()}

    # ------------------------------------------------------------------ acts
    def init(self):
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "issued").mkdir(exist_ok=True)
        root, root_key = make_ca("测试根 CA")
        issuing, issuing_key = make_ca("测试签发 CA", root, root_key, days=1825, path_length=0)
        for name, text in (("root.pem", pem(root)), ("root-key.pem", key_pem(root_key)),
                           ("issuing.pem", pem(issuing)), ("issuing-key.pem", key_pem(issuing_key)),
                           ("bundle.pem", pem(root) + pem(issuing))):
            (self.dir / name).write_text(text)
        (self.dir / "revoked.json").write_text("{}")
        self.crl()
        return self

    def _store(self, certificate, key):
        serial = serial_hex(certificate.serial_number)
        (self.dir / "issued").mkdir(exist_ok=True)
        (self.dir / "issued" / f"{serial}.pem").write_text(pem(certificate))
        (self.dir / "issued" / f"{serial}-key.pem").write_text(key_pem(key))
        return certificate, key

    def issue(self, name, id_number, elliptic=False, **options):
        """(certificate, private key) of a person; both also written under ``issued/``."""
        return self._store(*make_person(self.issuing, self._key("issuing-key.pem"), name, id_number,
                                        elliptic=elliptic, **options))

    def seal(self, department, code):
        return self._store(*make_seal(self.issuing, self._key("issuing-key.pem"), department, code))

    def revoke(self, serial, at=None):
        """Put `serial` (int or hex) on the CRL and publish the CRL again."""
        revoked = self._revoked()
        revoked.setdefault(parse_serial(serial) if isinstance(serial, str) else serial, at or utcnow())
        (self.dir / "revoked.json").write_text(json.dumps({serial_hex(k): v.isoformat() for k, v in revoked.items()},
                                                          indent=1))
        return self.crl()

    def crl(self):
        """Publish the CRL (``crl.pem`` and ``crl.der``); written to a temporary name, then renamed,
        so a reader never sees half a file."""
        crl = make_crl(self.issuing, self._key("issuing-key.pem"), self._revoked())
        for name, encoding in (("crl.pem", serialization.Encoding.PEM), ("crl.der", serialization.Encoding.DER)):
            temporary = self.dir / f".{name}.tmp"
            temporary.write_bytes(crl.public_bytes(encoding))
            temporary.replace(self.dir / name)
        return crl


def main(argv=None):
    parser = argparse.ArgumentParser(prog="platform-pki", description="测试用 PKI：根 CA、签发 CA、个人证书、单位印章证书、吊销与 CRL")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("init", help="新建根 CA 与签发 CA").add_argument("dir")
    for name, text in (("issue", "签发个人证书"), ("seal", "签发部门印章证书")):
        command = commands.add_parser(name, help=text)
        command.add_argument("dir")
        command.add_argument("--name", required=True, help="姓名或单位名称（CN）")
        command.add_argument("--id", required=True, help="身份证号或统一社会信用代码（serialNumber）")
        if name == "issue":
            command.add_argument("--ec", action="store_true", help="ECDSA P-256 密钥（默认 RSA-2048）")
    revoke = commands.add_parser("revoke", help="吊销证书并重新发布 CRL")
    revoke.add_argument("dir")
    revoke.add_argument("serial", help="证书序列号（十六进制）")
    commands.add_parser("crl", help="重新发布 CRL").add_argument("dir")
    args = parser.parse_args(argv)
    pki = TestPki(args.dir)
    if args.command == "init":
        pki.init()
        print(f"trust anchors: {pki.bundle_path}\ncrl: {pki.crl_path}")
    elif args.command in ("issue", "seal"):
        certificate, _ = pki.issue(args.name, args.id, args.ec) if args.command == "issue" else pki.seal(args.name,
                                                                                                        args.id)
        serial = serial_hex(certificate.serial_number)
        print(f"serial: {serial}\ncertificate: {pki.dir / 'issued' / (serial + '.pem')}\n"
              f"key: {pki.dir / 'issued' / (serial + '-key.pem')}")
    elif args.command == "revoke":
        crl = pki.revoke(args.serial)
        print(f"revoked: {serial_hex(parse_serial(args.serial))} ({len(list(crl))} on the CRL)")
    else:
        crl = pki.crl()
        print(f"crl: {pki.crl_path} ({len(list(crl))} revoked)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
