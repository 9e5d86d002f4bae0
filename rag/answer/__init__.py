"""The answering step: backends, citation validation, abstention."""
