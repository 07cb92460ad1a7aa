"""The engine: ``check --all`` (``check``) and diff mode (``diff``), the rule configuration
(``config``); it runs the rules and returns a ``Result``, never printing, never exiting.

Imports rules, trees and the model.
"""
