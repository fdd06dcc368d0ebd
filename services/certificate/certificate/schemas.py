"""Wire formats of the certificate service's RPC methods, defined once in
:mod:`platform_kit.wire.certificate` (the gateway reads the same)."""
from platform_kit.wire.certificate import (  # noqa: F401
    ChangeLicence, CheckLicence, LicenceCheckOut, LicenceListOut, LicenceOut, LicencePdfOut, PaperLicence,
    RecordHandover, RevocationOut, RevokeLicence, RotateSeal, SealOut, SealsOut, SigningKeyOut, SigningKeysOut,
    VerdictOut, VerifyLicence, VerifyPdf)
