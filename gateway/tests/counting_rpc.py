"""The gateway's RPC client, noting the methods it calls (which reads went by RPC and which did not)."""
from gateway.rpc import RpcClient


class CountingRpc(RpcClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.methods = []

    def call(self, service, method, *args, **kwargs):
        self.methods.append(method)
        return super().call(service, method, *args, **kwargs)
