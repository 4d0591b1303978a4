#!/usr/bin/env bats
# The validation stage of the cluster build: metrics-server runs.

load "lib/utils"
load "lib/detik"

DETIK_CLIENT_NAME="kubectl"
DETIK_CLIENT_NAMESPACE="kube-system"

@test "verify the deployment of metrics-server" {
  run verify "there are 2 pods named '^metrics-server-'"
  [ "$status" -eq 0 ]

  run verify "there is 1 service named '^metrics-server$'"
  [ "$status" -eq 0 ]
}

@test "verify metrics-server pods are running" {
  run try "at most 12 times every 5s to find 2 pods named '^metrics-server-' with 'status' being 'running'"
  [ "$status" -eq 0 ]
}
