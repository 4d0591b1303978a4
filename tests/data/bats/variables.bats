#!/usr/bin/env bats
# Sentences built from variables, continuation lines, every status-check shape.

load "lib/utils"
load "lib/detik"
load "test_helper/bats-support/load"
load "test_helper/bats-assert/load"

DETIK_CLIENT_NAME="kubectl -n kube-system"
RETRIES=2
DELAY=1
APP="metrics-server"

setup() {
  PODS_RE="^coredns-"
}

@test "coredns pods are counted" {
  run verify "there are 2 pods named '${PODS_RE}'"
  [ "$status" -eq 0 ]
}

@test "coredns pods run, retried" {
  run try "at most ${RETRIES} times every ${DELAY}s to find 2 pods named '${PODS_RE}' with 'status' being 'running'"
  [[ $status -eq 0 ]]
}

@test "one metrics-server pod is still pending" {
  run try "at most ${RETRIES} times every ${DELAY}s " \
      "to find 2 pods named '^${APP}-' " \
      "with 'status' being 'running'"
  [ "$status" -ne 0 ]
}

@test "the metrics-server deployment is not fully ready" {
  run -0 verify "there is 1 deployment named '^${APP}$'"
  run ! try "at most ${RETRIES} times every ${DELAY}s to get deployment named '^${APP}$' and verify that 'status.readyReplicas' is '2'"
}

@test "coredns is ready, with bats-assert" {
  run verify "'status.readyReplicas' is '2' for deployments named '^coredns$'"
  assert_success
  run verify "there are 3 pods named '^coredns-'"
  assert_failure
}

@test "bare calls fail the test themselves" {
  verify "there is 1 service named '^kube-dns$'"
  try "at most ${RETRIES} times every ${DELAY}s to get pods named '^coredns-' and verify that 'status' matches '^Run'"
}

@test "a bare call that does not hold" {
  verify "there are 5 pods named '^coredns-'"
}

@test "arithmetic and equality status checks" {
  run verify "there are more than 1 pods named '^coredns-'"
  (( status == 0 ))
  run verify "there are less than 1 pods named '^coredns-'"
  [ "$status" != "0" ]
}

@test "a run whose status nobody checks" {
  run verify "there are 7 pods named '^nothing-'"
  echo "$output"
}

@test "each add-on has a service" {
  for svc in kube-dns metrics-server; do
    run verify "there is 1 service named '^${svc}$'"
    [ "$status" -eq 0 ]
  done
}
