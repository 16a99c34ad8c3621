"""Information pages: what an individual plan and a coordinator are, and how to get them."""
