"""Code shared by every service of the approval platform.

Only what must be identical everywhere lives here: the event contract (envelope and payload
schemas), the outbox and its relay, the reliable event handler, the database unit of work,
identity verification, the working-day calendar, configuration and migrations.
"""
