"""The gateway's audit trail: who did what, from where, with what outcome, in a hash chain.

:mod:`gateway.audit.chain` is the rule (pure Python), :mod:`gateway.audit.trail` stores and reads the
chain, :mod:`gateway.audit.middleware` decides which requests are recorded and with what, and
``python -m gateway.audit verify|export`` checks and archives it.
"""
