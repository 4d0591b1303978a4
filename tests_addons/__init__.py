"""The add-on suite: does each add-on of the spec run? (`clusterready run addons`)"""
