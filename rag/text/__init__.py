"""Text primitives every layer shares: sentences, citation markers and content words.

Each idea has one home here, so the code that writes answers, the code that checks them
and the evaluation that scores them read text the same way.
"""
