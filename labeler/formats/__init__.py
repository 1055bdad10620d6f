"""Dataset formats: one module per format. Writers take domain objects, readers yield them."""
