"""The version of clusterready: this literal is its one source.

pyproject.toml reads it (``[tool.setuptools.dynamic]``, parsed, not imported) and
so does the user agent of every Kubernetes and AWS request, so an API server's
audit log or CloudTrail shows which clusterready read what.

>>> USER_AGENT == f"clusterready/{__version__}"
True
"""

__all__ = ["USER_AGENT", "__version__"]

__version__ = "0.1.0"
USER_AGENT = f"clusterready/{__version__}"
