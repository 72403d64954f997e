"""Sign-up and verification (proxied to lead-verifier) and onboarding from a verified lead."""
