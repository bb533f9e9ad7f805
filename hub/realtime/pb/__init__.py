"""Code generated from client.proto by `make proto` (protoc from grpcio-tools): the Centrifuge
client protocol's protobuf messages. Do not edit; client_pb2.pyi types it for mypy."""
