"""Data protection duties: retention and legal holds, data subject requests, the record of processing."""
