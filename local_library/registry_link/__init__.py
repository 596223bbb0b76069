"""The node's side of the national card: the registry outbox, the change-feed follower and national logins."""
