"""Outbound webhooks: signing (Standard Webhooks) and the URL guard against SSRF."""
