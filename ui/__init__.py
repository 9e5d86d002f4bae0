"""The Gradio chat for `rag serve`. Uses only rag's public API; rag never imports this package."""
