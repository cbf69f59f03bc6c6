"""Protocol adapters: thin translations between a wire protocol and the services."""
