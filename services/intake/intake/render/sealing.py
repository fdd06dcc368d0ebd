"""The window's seal on its documents (004 §16: a document with an electronic seal has the force of
paper): the issuer's seal certificate comes from the city PKI (``SEAL_PKI_DIR``, the same PKI the
departments' licence seals come from) and each drawn PDF is sealed with a PAdES signature.

The intake service configures it once at start (:class:`intake.service` reads ``SEAL_PKI_DIR``)."""
from nameko.extensions import DependencyProvider

from platform_kit.seal import SealAuthority, sign_pdf

_authority = []


def configure(pki_dir):
    _authority[:] = [SealAuthority(pki_dir)]


def configured():
    return bool(_authority)


def seal_pdf(pdf, issued_by, title):
    """`pdf` sealed with `issued_by`'s seal; as drawn when no PKI is configured (a bare renderer)."""
    if not _authority:
        return pdf
    return sign_pdf(pdf, _authority[0].standing_seal(issued_by), reason=title)



class WindowSeals(DependencyProvider):
    """A nameko dependency whose only work is :func:`configure` with ``SEAL_PKI_DIR`` at setup."""

    def setup(self):
        configure(self.container.config.get("SEAL_PKI_DIR") or "var/pki")

    def get_dependency(self, worker_ctx):
        return None
