"""The origin probe: ``checks`` (the checks, the verdict, the report) and ``lambda_handler`` (the continuous
probe's AWS Lambda entry point). Standard library only, and nothing imported from the rest of the package:
this folder is the Lambda function's code as it is (monitoring.py packages it under this name)."""
