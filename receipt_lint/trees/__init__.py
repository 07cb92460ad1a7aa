"""Trees of files: the working tree, git's index and commits (the ``git`` program, one batch
process), the first-parent log for history, and ``Snapshot``, the cached loaded documents
of one tree.

Imports only the model.
"""
