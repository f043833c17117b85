"""Run the program and the policy pack without a cloud: engine-like mocks, snapshots, the analyzer client."""
