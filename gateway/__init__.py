"""The platform's HTTP gateway: accounts and tokens, HTTP routes translated into service calls."""
