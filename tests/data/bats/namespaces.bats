#!/usr/bin/env bats
# Namespaces: all of them, then one set inside a test; case-insensitive matches.

load "lib/utils"
load "lib/detik"

DETIK_CLIENT_NAME="kubectl"
DETIK_CLIENT_NAMESPACE_ALL=true
DETIK_REGEX_CASE_INSENSITIVE_PROPERTIES=true

@test "nginx pods exist in some namespace" {
  run verify "there are 2 pods named '^nginx-'"
  [ "$status" -eq 0 ]
}

@test "lower-cased values match a lower-case pattern" {
  run try "at most 2 times every 1s to get pods named '^coredns-' and verify that 'status' matches '^running$'"
  [ "$status" -eq 0 ]
}

@test "no nginx pod in kube-system" {
  DETIK_CLIENT_NAMESPACE="kube-system"
  run verify "there is 0 pod named '^nginx-'"
  [ "$status" -eq 0 ]
}

@test "the demo namespace has a failed pod" {
  DETIK_CLIENT_NAMESPACE="demo"
  run try "at most 2 times every 1s to find 1 pods named '^nginx-' with 'status' being 'failed'"
  [ "$status" -eq 0 ]
}
