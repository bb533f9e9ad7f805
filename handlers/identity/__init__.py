"""Who people are: accounts, signing in and out (sessions, access and refresh tokens), password
reset, the sign-in backoff, the password policy, sign-in with OAuth2 providers, and privacy
(deletion, export, consents).
"""
