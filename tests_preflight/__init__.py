"""The preflight suite: is the AWS account ready for the cluster? (`clusterready run preflight`)"""
