"""Reading what participants type: crisis screening and the coach's style.

Rules where they are certain, trained models (shipped in models/) for the rest.
"""
