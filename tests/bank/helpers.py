"""What the bank's tests share."""

# What a new blank or short answer matches by default: a teacher's forgiving choices (webapp/bank/matching.py).
FORGIVING = {"case_sensitive": False, "exact_spaces": False, "exact_quotes": False, "exact_unicode": False,
             "exact_end_punctuation": False, "exact_numbers": False, "tolerance": 0}
