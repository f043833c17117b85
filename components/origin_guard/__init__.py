"""On-instance scripts (stdlib only, Python 3.9), embedded in EC2 user data by components/boot.py."""
