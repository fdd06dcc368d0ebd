"""What the benchmarks share: a throwaway RabbitMQ vhost and percentiles.

The benchmarks run as scripts (``python bench/bench_x.py``), so this folder is on their import path.
"""
import subprocess
import uuid

import requests

MANAGEMENT = "http://127.0.0.1:15672/api"
AUTH = ("guest", "guest")


def make_vhost(prefix="bench"):
    """A throwaway vhost: through the management API, or rabbitmqctl when the plugin is off."""
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    try:
        requests.put(f"{MANAGEMENT}/vhosts/{name}", auth=AUTH, timeout=10).raise_for_status()
        requests.put(f"{MANAGEMENT}/permissions/{name}/guest", auth=AUTH, timeout=10,
                     json={"configure": ".*", "write": ".*", "read": ".*"}).raise_for_status()
    except requests.ConnectionError:
        subprocess.run(["rabbitmqctl", "-q", "add_vhost", name], check=True, capture_output=True)
        subprocess.run(["rabbitmqctl", "-q", "set_permissions", "-p", name, "guest", ".*", ".*", ".*"],
                       check=True, capture_output=True)
    return name


def drop_vhost(name):
    try:
        requests.delete(f"{MANAGEMENT}/vhosts/{name}", auth=AUTH, timeout=10)
    except requests.ConnectionError:
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", name], capture_output=True)


def percentile(values, p):
    """The p-th quantile (0–1) of `values`, interpolated between neighbours; NaN for none."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def api_caller(base_url):
    """``call(method, path, token, **kw)``: a JSON call to the gateway on one keep-alive session; an
    answer of 400 or more raises with its body."""
    session = requests.Session()

    def call(method, path, token, **kw):
        r = session.request(method, base_url + path, headers={"Authorization": f"Bearer {token}"}, timeout=30, **kw)
        if r.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {r.status_code} {r.text}")
        return r.json()
    return call
