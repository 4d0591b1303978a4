#!/usr/bin/env bats
# Preflight: the cluster's subnets have room for pods (the VPC CNI gives each pod a VPC IP).

@test "More than 100 available IP addresses in subnet subnet-0aaa1111bbbb22220" {
  AvailableIpAddressCount=$(aws ec2 describe-subnets --subnet-ids subnet-0aaa1111bbbb22220 | jq -r '.Subnets[0].AvailableIpAddressCount')
  [ "${AvailableIpAddressCount}" -gt 100 ]
}

@test "More than 100 available IP addresses in subnet subnet-0aaa1111bbbb22221" {
  AvailableIpAddressCount=$(aws ec2 describe-subnets --subnet-ids subnet-0aaa1111bbbb22221 | jq -r '.Subnets[0].AvailableIpAddressCount')
  [ "${AvailableIpAddressCount}" -gt 100 ]
}
