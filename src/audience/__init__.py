"""Audience Warehouse: the Python side of the dbt project (data generator, clustering, CLV)."""

__version__ = "0.1.0"
