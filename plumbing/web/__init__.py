"""What every server-rendered site of ours shares: patron sessions, form tokens, pages' security headers, language."""
