"""The local portal: the SAM template run on an embedded AWS (moto), for development and tests."""
