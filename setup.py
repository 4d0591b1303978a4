"""Only what pyproject.toml cannot say: the package list, computed.

The shipped suites live in the top-level tests_preflight/ and tests_addons/ and are
installed as clusterready.suites.tests_* (package-dir in pyproject.toml maps them);
`packages.find` there could not add them to the packages it finds under plugins/.
"""

from setuptools import find_packages, setup

SUITES = ["clusterready.suites.tests_preflight", "clusterready.suites.tests_addons"]

setup(packages=find_packages("plugins", include=["clusterready", "clusterready.*"]) + SUITES)
