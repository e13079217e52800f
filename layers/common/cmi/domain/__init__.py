"""The rules of the portal: use cases and policies. No HTTP, no boto3 (a unit test checks it)."""
