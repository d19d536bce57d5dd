"""Broadcast handlers: choosing the audience, composing and confirming, managing after."""
