"""The services a govshare server offers, as gRPC reflection tells them: one per line, with the
number of its methods (each service's descriptor is fetched and resolved, with the files it
imports). Uses grpcio-reflection's default client (grpc.reflection.v1alpha); needs no
credential.

    scripts/python clients/python/examples/list_services.py --addr 127.0.0.1:50051

--addr (else GOVSHARE_ADDR, default 127.0.0.1:50051): the server, host:port; https://host:port
for TLS, with --ca-cert (else GOVSHARE_CA_CERT) naming the CA certificate (PEM).
"""

from __future__ import annotations

import argparse
import os
import sys

import grpc
from google.protobuf.descriptor_pool import DescriptorPool
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--addr", default=os.environ.get("GOVSHARE_ADDR", "127.0.0.1:50051"))
    parser.add_argument("--ca-cert", default=os.environ.get("GOVSHARE_CA_CERT"))
    args = parser.parse_args()

    if args.addr.startswith("https://"):
        ca = None
        if args.ca_cert:
            with open(args.ca_cert, "rb") as file:
                ca = file.read()
        channel = grpc.secure_channel(
            args.addr[len("https://") :], grpc.ssl_channel_credentials(root_certificates=ca)
        )
    else:
        channel = grpc.insecure_channel(args.addr.removeprefix("http://"))

    try:
        database = ProtoReflectionDescriptorDatabase(channel)
        pool = DescriptorPool(database)
        for name in database.get_services():
            methods = len(pool.FindServiceByName(name).methods)
            print(f"{name} ({methods} method{'' if methods == 1 else 's'})")
    except grpc.RpcError as error:
        print(f"failed: reflection: {error.code().name}: {error.details()}", file=sys.stderr)
        return 1
    finally:
        channel.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
