"""One module per console page; each calls the same admin functions as the chat and the CLI."""
