"""Health probe of one service over the bus: ``python -m platform_kit.healthcheck <service>``.

Calls the service's ``health()`` RPC through RabbitMQ (so it proves the process consumes its
queue and reaches its database) and exits 0 when it answers within the timeout, 1 otherwise.
Container health checks (docker-compose) and Kubernetes exec probes use it.
"""
import argparse
import os
import sys


def check(service, amqp_uri, timeout):
    from nameko.standalone.rpc import ServiceRpcProxy
    with ServiceRpcProxy(service, {"AMQP_URI": amqp_uri}, timeout=timeout) as proxy:
        return proxy.health()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("service")
    parser.add_argument("--timeout", type=float, default=5.0)
    args = parser.parse_args(argv)
    amqp_uri = os.environ.get("AMQP_URI", "pyamqp://guest:guest@127.0.0.1:5672/")
    try:
        result = check(args.service, amqp_uri, args.timeout)
    except Exception as exc:  # any failure means "not healthy"; say why on stderr
        print(f"{args.service}: unhealthy: {exc!r}", file=sys.stderr)
        return 1
    print(f"{args.service}: {result.get('status')}")
    return 0 if result.get("status") == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
