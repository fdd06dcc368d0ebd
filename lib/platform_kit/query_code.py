"""The project query code (查询码): what lets the public follow a project's progress without logging in
(002 §22; 001 §4, the internet portal).

The window hands the code to whoever registered the project, once; intake keeps only its digest
and announces the digest with ``project.registered`` (and ``project.query_code_issued`` when the
window issues a new one). A reader holding the digest checks a presented code with
:func:`matches`; the digest is salted with the project code, so equal codes of two projects differ.
"""
import hashlib
import hmac
import re
import secrets

# no 0/O, 1/I/L: read aloud and typed from paper without mistakes
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 10
PATTERN = re.compile(f"[{ALPHABET}]{{{LENGTH}}}")


def new_code():
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(code):
    """A code as typed: spaces and hyphens dropped, letters upper case."""
    return re.sub(r"[\s\-]", "", code or "").upper()


def digest(project_code, code):
    return hashlib.sha256(f"{project_code}:{normalise(code)}".encode()).hexdigest()


def matches(project_code, code, known_digest):
    """True when `code` is the project's current code (compared in constant time)."""
    if not known_digest or not PATTERN.fullmatch(normalise(code)):
        return False
    return hmac.compare_digest(digest(project_code, code), known_digest)
