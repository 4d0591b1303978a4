#!/usr/bin/env bats
# Sentences in helper functions called with arguments.

load "lib/utils"
load "lib/detik"

DETIK_CLIENT_NAME="kubectl"
DETIK_CLIENT_NAMESPACE="kube-system"

check_running() {
  local name="$1"
  local count=$2
  run verify "there are ${count} pods named '^${name}-'"
  [ "$status" -eq 0 ]
  run try "at most 2 times every 1s to find ${count} pods named '^${name}-' with 'status' being 'running'"
  [ "$status" -eq 0 ]
}

service_exists() {
  verify "there is 1 service named '^$1$'"
}

@test "coredns runs its two pods" {
  check_running coredns 2
  service_exists kube-dns
}

@test "metrics-server does not run both pods" {
  check_running metrics-server 2
}

@test "aws-node runs one pod" {
  check_running aws-node 1
}
