"""GitHub: where each KEP's pull requests stand (``status``) and, next, the release board.

The only part of receipt-lint that talks to a network, and only when a GitHub
command runs: ``check`` never imports it (upstream presubmits hold no token).
``client`` is the one door to GitHub's GraphQL API; ``read`` asks it in aliased
batches; ``facts`` is what was read (saved and loaded as a snapshot); ``status``
judges the receipts against it; ``pages`` writes the result out.
"""
