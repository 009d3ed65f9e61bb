"""The Mettl v1 dialect (spec/mettl-api-v1.md) at /v1/."""
