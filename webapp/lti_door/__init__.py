"""The LTI front door: the addresses a learning platform calls (JWKS, login initiation, launch, deep
linking's answer). Load, call one service of webapp/lti, render or redirect."""
