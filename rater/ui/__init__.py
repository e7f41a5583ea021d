"""The Qt desktop interface. Imports the core (study, storage, instruments); the core never imports this."""
