"""On-instance scripts (stdlib only, Python 3.9), embedded in EC2 user data by cloudfront_origin_lockdown/boot.py."""
