"""``python -m rag.settings > config/default.yaml`` regenerates the documented defaults."""

from rag.settings.loading import dump_default_yaml

print(dump_default_yaml(), end="")
