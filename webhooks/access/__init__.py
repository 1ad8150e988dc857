"""Who may call and how often: API tokens, roles per operation, failed-credential locks and token rates."""
