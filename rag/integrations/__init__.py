"""Adapters that plug the assistant into other frameworks' interfaces (imported on demand)."""
