"""The EURO PRUEFSTER v1 dialect (spec/euro-pruefster-api-v1.txt) at /api/v1/."""
