"""Suggested articles for the chat beacon, the contact form and the agent inbox."""
