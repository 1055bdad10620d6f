"""Azure API Management deployment files: the policy and the Power Platform connector."""
