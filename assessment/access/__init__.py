"""Staff access: accounts (later also staff sessions and throttles)."""
