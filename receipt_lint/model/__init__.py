"""The model: the process's words (names, versions, states and the state table), findings,
where things live (layout), the ``Tree`` protocol, safe YAML loading, the pydantic models
and the KEP document reader.

Imports nothing of receipt-lint outside this package.
"""
