#!/usr/bin/env bats
# The seed's aws-CLI preflight checks: free IPs, SSM parameters, CloudFormation exports, DHCP.

SUBNET_A="subnet-0aaa1111bbbb22220"

@test "More than 100 available IP addresses in subnet A" {
  AvailableIpAddressCount=$(aws ec2 describe-subnets --subnet-ids ${SUBNET_A} | jq -r '.Subnets[0].AvailableIpAddressCount')
  [ "${AvailableIpAddressCount}" -gt 100 ]
}

@test "At least 250 free IPs in subnet B" {
  count=$(aws ec2 describe-subnets --subnet-ids subnet-0aaa1111bbbb22221 \
    --query 'Subnets[0].AvailableIpAddressCount' --output text)
  [ "$count" -ge 250 ]
}

@test "The cluster-name parameter exists" {
  run aws ssm get-parameter --name /eks/prod-eu/cluster-name
  [ "$status" -eq 0 ]
}

@test "The node AMI parameter is an AMI id" {
  ami=$(aws ssm get-parameter --name /eks/prod-eu/node-ami --query Parameter.Value --output text)
  [[ "$ami" =~ ^ami-[0-9a-f]+$ ]]
}

@test "The Datadog key is a SecureString" {
  type=$(aws ssm get-parameter --name /eks/prod-eu/datadog-api-key --query Parameter.Type --output text)
  [ "$type" = "SecureString" ]
}

@test "The account name is exported" {
  name=$(aws cloudformation list-exports --query "Exports[?Name=='prod-eu-AccountName'].Value" --output text)
  [ "$name" = "platform-prod" ]
}

@test "The VPC id is exported" {
  vpc=$(aws cloudformation list-exports | jq -r '.Exports[] | select(.Name=="prod-eu-VpcId") | .Value')
  [ -n "$vpc" ]
}

@test "The VPC has its own DHCP options" {
  dhcp=$(aws ec2 describe-vpcs --vpc-ids vpc-0a1b2c3d4e5f67890 --query 'Vpcs[0].DhcpOptionsId' --output text)
  [ "$dhcp" != "default" ]
}

@test "The DHCP options use the Amazon DNS" {
  servers=$(aws ec2 describe-dhcp-options --query "DhcpOptions[0].DhcpConfigurations[?Key=='domain-name-servers'].Values[].Value" --output text)
  [[ "$servers" == *AmazonProvidedDNS* ]]
}

@test "The account id is the expected one" {
  account=$(aws sts get-caller-identity --query Account --output text)
  [ "$account" = "123456789012" ]
}
