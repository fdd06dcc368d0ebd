"""Plain rules of the certificate service: canonical documents, signatures, licence numbers."""
