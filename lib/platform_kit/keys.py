"""Ed25519 key pairs for access tokens: ``platform-keys <dir>`` writes them once.

The gateway signs access tokens with ``jwt-private.pem``; every service verifies them with
``jwt-public.pem``. An existing pair is never overwritten (tokens already issued stay valid).
"""
import argparse
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def ed25519_pem_pair():
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


def write_key_pair(directory):
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    private, public = ed25519_pem_pair()
    (directory / "jwt-private.pem").write_text(private)
    (directory / "jwt-public.pem").write_text(public)
    return directory / "jwt-private.pem", directory / "jwt-public.pem"


def ensure_key_pair(directory):
    """Write a pair into `directory` unless one is already there; return the two paths."""
    directory = Path(directory)
    private, public = directory / "jwt-private.pem", directory / "jwt-public.pem"
    if private.exists() and public.exists():
        return private, public
    return write_key_pair(directory)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory")
    args = parser.parse_args(argv)
    private, public = ensure_key_pair(args.directory)
    print(f"token keys: {private}, {public}")


if __name__ == "__main__":
    main()
