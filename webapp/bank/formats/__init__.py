"""The formats of other systems that questions come in and go out in (webapp/bank/interchange.py)."""
