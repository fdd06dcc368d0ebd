"""Accounts of the people who use the platform, and the tokens the gateway issues to them."""
