"""The reports: read-only views over trees and history: the release manifest, history (its
replay through the engine, and its cache) and slips.

Imports reporters, the engine, rules, trees and the model.
"""
