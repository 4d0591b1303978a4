#!/usr/bin/env bats
# Set-up with kubectl and helm around the checks: migrate keeps them as TODO comments.

load "lib/utils"
load "lib/detik"
load "../common"

DETIK_CLIENT_NAME="kubectl"
DETIK_CLIENT_NAMESPACE_ALL="true"

setup_file() {
  helm upgrade --install nginx bitnami/nginx --namespace demo --wait
}

setup() {
  kubectl apply -f "${BATS_TEST_DIRNAME}/manifests/nginx.yaml"
}

teardown() {
  kubectl delete -f "${BATS_TEST_DIRNAME}/manifests/nginx.yaml" --ignore-not-found
}

@test "nginx is deployed" {
  kubectl rollout status deployment/nginx -n demo --timeout=60s
  run verify "there are 2 pods named '^nginx-'"
  [ "$status" -eq 0 ]
}

@test "the nginx pod restarted at most once" {
  POD=$(kubectl get pods -n demo -l app=nginx -o name | head -1)
  run verify "'status' is 'running' for pods named '${POD#pod/}'"
  [ "$status" -eq 0 ]
  if [ "$(kubectl get pod -n demo -o jsonpath='{.items[0].status.containerStatuses[0].restartCount}')" -gt 1 ]; then
    echo "too many restarts"
    false
  fi
}

@test "pods are spread over all namespaces" {
  run verify "there are more than 5 pods named '.'"
  [ "$status" -eq 0 ]
}
