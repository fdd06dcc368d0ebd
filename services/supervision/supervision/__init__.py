"""The supervision service: a read model of every clock, built from events only (000 §18, 002 §33)."""
