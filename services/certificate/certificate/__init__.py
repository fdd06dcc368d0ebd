"""The certificate service: electronic licences (电子证照) issued, signed and verified (002 §18–19)."""
