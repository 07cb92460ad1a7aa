"""The workflow: the kepctl verbs (``verbs``), byte-exact YAML edits (``edit``), ``check --fix``
(``fix``) and the built-in example (``demo``).

Imports reporters, the engine, rules, trees and the model.
"""
