"""Field encryption, envelope keys and blind indexes. See docs/encryption.md."""
