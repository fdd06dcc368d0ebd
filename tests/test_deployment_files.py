"""docker-compose.yml and deploy/k8s/ describe the same platform as the launcher.

No Docker engine or cluster is needed: the files are read (the Kubernetes manifests as the production
overlay renders them, see tests/test_k8s_manifests.py) and cross-checked, so a service added to one
place and forgotten in another fails here.
"""
from pathlib import Path

import pytest
import yaml

from launcher import HTTP_PORT_OF, SERVICES
from test_k8s_manifests import render

ROOT = Path(__file__).resolve().parents[1]
PLATFORM = set(SERVICES) | {"gateway", "exchange"}
INFRA = {"rabbitmq", "postgres", "keys", "minio", "mariadb", "province-checker"}
# processes that run a service's code on its database (the exchange is supervision's)
DATABASE_OF = {"exchange": "supervision"}


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


@pytest.fixture(scope="module")
def k8s():
    return render("overlays/production")


def deployments(k8s):
    return {d["metadata"]["name"]: d for d in k8s if d["kind"] == "Deployment"}


def test_every_service_directory_is_launched():
    on_disk = {p.name for p in (ROOT / "services").iterdir() if (p / "config.yml").exists()}
    assert on_disk == set(SERVICES)


def test_compose_and_kubernetes_name_the_same_services(compose, k8s):
    assert set(compose) - INFRA == PLATFORM
    assert set(deployments(k8s)) == PLATFORM


def test_compose_services_have_health_checks_and_wait_for_infrastructure(compose):
    for name in PLATFORM | {"rabbitmq", "postgres"}:
        assert compose[name]["healthcheck"]["test"], name
    for name in SERVICES:
        service = compose[name]
        assert f"{name}.service" in " ".join(service["command"])
        assert service["healthcheck"]["test"] == ["CMD", "platform-healthcheck", name]
        assert f"{name.upper()}_DATABASE_URL" in service["environment"]
        assert service["environment"][f"{name.upper()}_DATABASE_URL"].endswith(f"/approval_{name}")
        assert service["depends_on"]["rabbitmq"]["condition"] == "service_healthy"
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in SERVICES:
        assert compose["gateway"]["depends_on"][name]["condition"] == "service_healthy"
    init_sql = (ROOT / "deploy/postgres/init.sql").read_text()
    for name in PLATFORM - set(DATABASE_OF):
        assert f"CREATE DATABASE approval_{name};" in init_sql


def minimum_replicas(k8s, name):
    """A Deployment's fewest replicas: its autoscaler's minimum, else its fixed count."""
    for d in k8s:
        if d["kind"] == "ScaledObject" and d["spec"]["scaleTargetRef"]["name"] == name:
            return d["spec"]["minReplicaCount"]
        if d["kind"] == "HorizontalPodAutoscaler" and d["spec"]["scaleTargetRef"]["name"] == name:
            return d["spec"]["minReplicas"]
    return deployments(k8s)[name]["spec"]["replicas"]


def test_every_compose_container_is_restarted_when_it_dies(compose):
    for name, service in compose.items():
        expected = "on-failure" if name == "keys" else "unless-stopped"   # keys runs once
        assert service.get("restart") == expected, name


def test_each_deployment_migrates_is_probed_and_scales_alone(k8s):
    for name, deployment in deployments(k8s).items():
        spec = deployment["spec"]
        assert minimum_replicas(k8s, name) >= 2, name  # several replicas: outcomes must not depend on one
        pod = spec["template"]["spec"]
        assert spec["selector"]["matchLabels"] == {"app.kubernetes.io/name": name}
        assert pod["initContainers"][0]["command"] == ["platform-migrate", DATABASE_OF.get(name, name)]
        container = pod["containers"][0]
        assert container["readinessProbe"] and container["livenessProbe"], name
        secrets = {e["name"] for e in container["env"] if "secretKeyRef" in e.get("valueFrom", {})}
        assert {"AMQP_URI", f"{DATABASE_OF.get(name, name).upper()}_DATABASE_URL"} <= secrets
        if name != "gateway":
            assert container["readinessProbe"]["exec"]["command"] == ["platform-healthcheck", name]
            assert f"{name}.service" in " ".join(container["command"])
            keys = next(v for v in pod["volumes"] if v["name"] == "keys")
            assert [i["key"] for i in keys["secret"]["items"]] == ["jwt-public.pem"]


def container(k8s, name):
    return deployments(k8s)[name]["spec"]["template"]["spec"]["containers"][0]


def test_the_exchange_reaches_the_front_database(compose, k8s):
    assert compose["exchange"]["depends_on"]["mariadb"]["condition"] == "service_healthy"
    assert compose["exchange"]["environment"]["EXCHANGE_FRONT_URL"].startswith("mysql+pymysql://")
    assert "province_checker.py" in " ".join(compose["province-checker"]["command"])
    secrets = {e["name"] for e in container(k8s, "exchange")["env"]}
    assert "EXCHANGE_FRONT_URL" in secrets


def test_every_process_has_a_service_whose_ports_it_listens_on(k8s):
    services = {d["metadata"]["name"]: d for d in k8s if d["kind"] == "Service"}
    assert PLATFORM <= set(services)
    workloads = {d["metadata"]["name"]: d for d in k8s if d["kind"] in ("Deployment", "StatefulSet")}
    for name, service in services.items():
        (workload,) = [w for w in workloads.values()
                       if service["spec"]["selector"].items() <= w["spec"]["template"]["metadata"]["labels"].items()]
        ports = {p["name"] for p in workload["spec"]["template"]["spec"]["containers"][0]["ports"]}
        assert {p["targetPort"] for p in service["spec"]["ports"]} <= ports, name


# the services whose HTTP port the gateway forwards to: the variable of its address, the port's name
HTTP_PORTS = [("intake", "INTAKE_HTTP_ADDRESS", "upload"),   # streamed material files
              ("stage", "STAGE_HTTP_ADDRESS", "read")]       # a project's stages


@pytest.mark.parametrize("service, variable, port_name", HTTP_PORTS)
def test_the_gateway_reaches_the_http_port_of(service, variable, port_name, compose, k8s):
    def env(c):
        return {e["name"]: e.get("value") for e in c["env"]}
    config = (ROOT / "services" / service / "config.yml").read_text()
    assert f"\nWEB_SERVER_ADDRESS: ${{{variable}:127.0.0.1:" in config   # where it listens locally
    assert HTTP_PORT_OF[service] == variable     # the launcher's local replicas do not collide on it
    port = next(p["port"] for d in k8s if d["kind"] == "Service" and d["metadata"]["name"] == service
                for p in d["spec"]["ports"] if p["name"] == port_name)
    ports = {p["name"]: p["containerPort"] for p in container(k8s, service)["ports"]}
    assert ports[port_name] == port
    assert env(container(k8s, "gateway"))[variable] == f"{service}:{port}"
    assert env(container(k8s, service))[variable] == f"0.0.0.0:{port}"
    assert compose["gateway"]["environment"][variable] == f"{service}:{port}"
    assert compose[service]["environment"][variable] == f"0.0.0.0:{port}"
    policies = {d["metadata"]["name"]: d["spec"] for d in k8s if d["kind"] == "NetworkPolicy"}
    admitted = {(peer["podSelector"]["matchLabels"].get("app.kubernetes.io/name"), p["port"])
                for rule in policies[service]["ingress"] for peer in rule["from"] if "podSelector" in peer
                for p in rule["ports"]}
    assert admitted == {("gateway", port)}     # only the gateway, only on that port


def test_the_image_carries_the_built_web_front_end_where_the_gateway_looks():
    from gateway import web
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "npm ci" in dockerfile and "npm run api:check && npm run build" in dockerfile
    workdir = [line.split()[1] for line in dockerfile.splitlines() if line.startswith("WORKDIR")][-1]
    copied = [line.split()[-1] for line in dockerfile.splitlines() if line.startswith("COPY --from=web")]
    assert copied == ["./web/dist"]
    assert web.DEFAULT_ROOT.relative_to(ROOT).as_posix() == "web/dist"
    assert workdir == "/app"
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert "web/node_modules" in ignored and "web/dist" in ignored
