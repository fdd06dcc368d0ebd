"""The concurrent RPC client (gateway.rpc_threads) against a real RabbitMQ vhost and a real nameko
service: everything the process-wide client does (the tests of test_gateway_rpc run again on it), and
calls of several threads in flight at once over one reply queue."""
import threading
import time

import pytest

from gateway.rpc import ServiceUnavailable
from gateway.rpc_threads import ConcurrentRpcClient
from gateway.tests import test_gateway_rpc as on_one_client

# the fixtures and tests of the process-wide client, run again on this one
gateway, intake = on_one_client.gateway, on_one_client.intake
test_the_callers_token_travels_in_the_call_context = on_one_client.test_the_callers_token_travels_in_the_call_context
test_remote_expected_and_unexpected_errors_become_problems = \
    on_one_client.test_remote_expected_and_unexpected_errors_become_problems
test_a_service_with_no_instance_fails_fast = on_one_client.test_a_service_with_no_instance_fails_fast
test_many_requests_share_one_reply_queue = on_one_client.test_many_requests_share_one_reply_queue
test_timeout_then_the_late_answer_is_not_mistaken_for_the_next = \
    on_one_client.test_timeout_then_the_late_answer_is_not_mistaken_for_the_next
test_the_client_reconnects_after_losing_its_connection = on_one_client.test_the_client_reconnects_after_losing_its_connection
test_health_waits_once_for_all_and_unanswered_calls_expire = \
    on_one_client.test_health_waits_once_for_all_and_unanswered_calls_expire


@pytest.fixture
def rpc_client(rabbit_config):
    client = ConcurrentRpcClient(rabbit_config["AMQP_URI"], timeout=5)
    yield client
    client.close()


def test_calls_of_many_threads_overlap_and_each_gets_its_own_answer(rpc_client, intake, make_token):
    tokens = {role: make_token(role) for role in ("applicant", "clerk")}
    answers, failures = {}, []

    def caller(number):
        role = ("applicant", "clerk")[number % 2]
        try:
            answers[number] = rpc_client.call("intake", "get_project", [f"P{number}"], token=tokens[role],
                                              request_id=f"req-{number}")
        except Exception as exc:  # noqa: BLE001  (reported below)
            failures.append(exc)

    slow = threading.Thread(target=lambda: answers.__setitem__("slow", rpc_client.call(
        "intake", "get_project", ["slow"], token=tokens["clerk"])))
    slow.start()
    time.sleep(0.2)
    started = time.monotonic()
    threads = [threading.Thread(target=caller, args=(number,)) for number in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    fast = time.monotonic() - started
    assert not failures
    for number in range(12):
        answer = answers[number]
        assert answer["project_code"] == f"P{number}"
        assert answer["token"] == tokens[("applicant", "clerk")[number % 2]]
        assert answer["call_id_stack"][0] == f"gateway.get_project.req-{number}"
    assert "slow" not in answers and fast < 1.5   # the 2 s call in flight did not hold the others
    slow.join()
    assert answers["slow"]["project_code"] == "slow"


def test_calls_in_flight_fail_at_once_when_the_connection_drops(rpc_client, intake, make_token):
    token = make_token("clerk")
    outcome = []

    def waiting():
        try:
            rpc_client.call("intake", "get_project", ["slow"], token=token)
        except ServiceUnavailable as exc:
            outcome.append(exc)

    thread = threading.Thread(target=waiting)
    thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    rpc_client._reply_connection.collect()   # the reply socket goes away, as after a broker restart
    thread.join(5)
    assert outcome and time.monotonic() - started < 1.8   # not the 2 s answer nor the 5 s timeout
    assert rpc_client.call("intake", "get_project", ["P1"], token=token)["project_code"] == "P1"
